"""Attendee exports: streamed CSV (UTF-8 with BOM, comma or semicolon) and .xlsx.

Both read rows through a windowed query (server-side cursor on PostgreSQL) so 100,000
registrations never sit in memory at once, and both neutralise spreadsheet formulas:
CSV cells that start with = + - @ tab or CR get a leading apostrophe (OWASP guidance,
and "+45 12 34" stays readable), and Excel text cells are always literal inline strings.
"""

from __future__ import annotations

import csv
import html
import io
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import IO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from webapp import timezones
from webapp.db import now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.organiser.attendees import AttendeeFilter, filtered
from webapp.registration.models import Registration

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH = 500
WINDOW = 2000
# Column title and Excel width; the two time columns in the event's zone get its name.
COLUMNS = (
    ("ID", 9),
    ("Status", 12),
    ("First name", 18),
    ("Last name", 20),
    ("Email", 32),
    ("Organisation", 30),
    ("Role", 24),
    ("Country", 9),
    ("Attendance", 12),
    ("Needs", 40),
    ("Registered at ({zone})", 20),
    ("Registered at (UTC, ISO 8601)", 22),
    ("Checked in at ({zone})", 20),
)


def headers(event: Event) -> list[str]:
    """Column titles, naming the event's zone."""
    return [title.format(zone=event.timezone) for title, _ in COLUMNS]


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_rows(event: Event, wanted: AttendeeFilter) -> Iterator[tuple]:
    """Matching registrations as plain tuples, oldest first, read in windows.

    Instants arrive as naive UTC and enums as their text (type_coerce skips the per-value
    conversions of the model's column types), since 100,000 rows make every call count.
    """
    stmt = (
        filtered(event.id, wanted)
        .with_only_columns(
            Registration.id,
            sa.type_coerce(Registration.status, sa.String),
            Registration.first_name,
            Registration.last_name,
            Registration.email,
            Registration.organisation,
            Registration.role,
            Registration.country,
            sa.type_coerce(Registration.attendance_mode, sa.String),
            Registration.needs,
            sa.type_coerce(Registration.created_at, sa.DateTime),
            sa.type_coerce(Registration.checked_in_at, sa.DateTime),
        )
        .order_by(Registration.id)
    )
    zone = timezones.get_zone(event.timezone)
    result = db.session.connection().execution_options(yield_per=WINDOW).execute(stmt)
    for *values, created, checked in result:
        yield (
            *values,
            _wall_time(created, zone),
            created.isoformat(timespec="seconds") + "Z",
            _wall_time(checked, zone) if checked else None,
        )


def _wall_time(naive_utc: datetime, zone: ZoneInfo) -> datetime:
    # Spreadsheets have no zones: a naive wall time, with the zone in the column title.
    return naive_utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


# Positions of text and wall-time cells in an export row.
TEXT_CELLS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 11)
TIME_CELLS = (10, 12)


def _csv_cells(row: tuple) -> list:
    cells = list(row)
    for index in TEXT_CELLS:
        cells[index] = neutralise(cells[index])
    for index in TIME_CELLS:
        cells[index] = cells[index].isoformat(" ", "seconds") if cells[index] else ""
    return cells


def csv_stream(event: Event, rows: Iterator[tuple], *, delimiter: str = ",") -> Iterator[bytes]:
    """CSV as UTF-8 byte chunks, starting with a BOM so Excel reads accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(headers(event))
    for count, row in enumerate(rows, start=1):
        writer.writerow(_csv_cells(row))
        if count % CSV_BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# Excel's limit on a cell's text, in UTF-16 units (one or two per character).
EXCEL_TEXT_LIMIT = 32767
# Text that cannot go into an inline string as it is: control characters and look-alikes
# of their _xHHHH_ escapes, XML specials, U+FFFE/U+FFFF, and leading or trailing space.
NEEDS_ESCAPING = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
ESCAPE_LOOKALIKE = re.compile(r"_x[0-9a-fA-F]{4}_")
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f]")
EDGE_SPACE = re.compile(r"^\s|\s$")
COLUMN_LETTERS = tuple(xl_col_to_name(index) for index in range(len(COLUMNS)))


class RowXmlSheet(Worksheet):
    """A constant-memory worksheet that also takes a whole row as ready-made cell XML.

    XlsxWriter's per-cell path (argument checks, a tuple per cell, then an attribute list
    and several regex passes when the row is flushed) dominates a 100,000-row export;
    write_row_xml() appends a serialised row instead. It relies on XlsxWriter internals
    (the version is pinned in requirements.txt).
    """

    def write_row_xml(self, row: int, first_column: int, last_column: int, cells: str) -> None:
        """Append one row of <c> elements; rows must come in order, after any write_*()."""
        if row <= self.previous_row or not self.constant_memory:
            raise ValueError(f"row {row} cannot be appended in constant-memory order")
        if self._check_dimensions(row, first_column) or self._check_dimensions(row, last_column):
            raise ValueError(f"row {row} is outside the worksheet")
        self._write_single_row(row)  # flushes the row write_*() calls left buffered
        self.fh.write(f'<row r="{row + 1}">{cells}</row>')


def inline_text(text: str) -> str:
    """The <t> element of an inline-string cell: literal text, however it looks.

    Escaped as XlsxWriter's write_string() does, except that text shaped like rich-text
    markup ("<r>...</r>") is escaped too: XlsxWriter writes that raw, which would let a
    registrant's input close the cell and add a formula cell of its own.
    """
    # At two units per character at most, text of up to half the limit always fits.
    if len(text) <= EXCEL_TEXT_LIMIT // 2 and not NEEDS_ESCAPING.search(text):
        return f"<t>{text}</t>"
    text = _within_excel_limit(text)
    text = ESCAPE_LOOKALIKE.sub(r"_x005F\g<0>", text)
    text = CONTROL_CHARACTER.sub(lambda match: f"_x{ord(match[0]):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if EDGE_SPACE.search(text) else ""
    return f"<t{space}>{html.escape(text, quote=False)}</t>"


def _within_excel_limit(text: str) -> str:
    # Cut at EXCEL_TEXT_LIMIT UTF-16 units, never between the two halves of a character.
    units = 0
    for index, character in enumerate(text):
        units += 2 if ord(character) > 0xFFFF else 1
        if units > EXCEL_TEXT_LIMIT:
            return text[:index]
    return text


def write_xlsx(event: Event, rows: Iterator[tuple]) -> IO[bytes]:
    """An .xlsx in an anonymous temporary file (rewound), built in constant-memory mode."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("Attendees", worksheet_class=RowXmlSheet)
    bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF5", "bottom": 1})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for index, (_, width) in enumerate(COLUMNS):
        sheet.set_column(index, index, width)
    for index, title in enumerate(headers(event)):
        sheet.write_string(0, index, title, bold)
    sheet.freeze_panes(1, 0)
    writer = XlsxRowWriter(sheet, bold, when)
    last_row = 0
    for last_row, row in enumerate(rows, start=1):
        writer.write(last_row, row)
    sheet.autofilter(0, 0, max(last_row, 1), len(COLUMNS) - 1)
    workbook.close()
    output.seek(0)
    return output


class XlsxRowWriter:
    """Serialises export rows in the markup of XlsxWriter's typed writers, a row at a time.

    The ID is a number cell, instants are date cells in `when`, and everything else is an
    inline string, so "=SUM(...)" stays text and never runs as a formula.
    """

    def __init__(self, sheet: RowXmlSheet, header: Format, when: Format) -> None:
        self.sheet = sheet
        self.header = header
        self.when = when

    @cached_property
    def when_style(self) -> int:
        """The date format's style index, numbered as XlsxWriter does: in order of first use."""
        self.header._get_xf_index()
        return self.when._get_xf_index()

    def write(self, row_number: int, row: tuple) -> None:
        number = str(row_number + 1)
        cells = [f'<c r="A{number}"><v>{row[0]:.16G}</v></c>']
        last_column = 0
        for column in range(1, len(row)):
            value = row[column]
            if value is None or value == "":
                continue  # an absent cell is an empty one, and costs nothing to write
            reference = COLUMN_LETTERS[column] + number
            if isinstance(value, datetime):
                serial = self.sheet._convert_date_time(value)
                cells.append(f'<c r="{reference}" s="{self.when_style}"><v>{serial:.16G}</v></c>')
            else:
                cells.append(f'<c r="{reference}" t="inlineStr"><is>{inline_text(value)}</is></c>')
            last_column = column
        self.sheet.write_row_xml(row_number, 0, last_column, "".join(cells))


def file_name(event: Event, extension: str, *, today: datetime | None = None) -> str:
    """'smart-regions-conference-attendees-2027-03-01.csv': the event and the export date."""
    day = timezones.to_local(today or now_utc(), event.timezone).strftime("%Y-%m-%d")
    # Slugs from the form are already safe; keep the header safe whatever stored the event.
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", event.slug).strip("-")[:100] or "event"
    return f"{slug}-attendees-{day}.{extension}"

"""Attendee exports: streamed CSV (UTF-8 with BOM, comma or semicolon) and .xlsx.

Both read rows through a windowed query (server-side cursor on PostgreSQL) so 100,000
registrations never sit in memory at once, and both neutralise spreadsheet formulas:
CSV cells that start with = + - @ tab or CR get a leading apostrophe (OWASP guidance,
and "+45 12 34" stays readable), and Excel cells are always written as strings.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import xlsxwriter

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
        if cells[index].startswith(FORMULA_PREFIXES):
            cells[index] = "'" + cells[index]
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
    sheet = workbook.add_worksheet("Attendees")
    bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF5", "bottom": 1})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for index, (_, width) in enumerate(COLUMNS):
        sheet.set_column(index, index, width)
    for index, title in enumerate(headers(event)):
        sheet.write_string(0, index, title, bold)
    sheet.freeze_panes(1, 0)
    last_row = 0
    for last_row, row in enumerate(rows, start=1):
        _write_xlsx_row(sheet, last_row, row, when)
    sheet.autofilter(0, 0, max(last_row, 1), len(COLUMNS) - 1)
    workbook.close()
    output.seek(0)
    return output


def _write_xlsx_row(sheet, row_number: int, row: tuple, when) -> None:
    sheet.write_number(row_number, 0, row[0])
    for column, value in enumerate(row[1:], start=1):
        if value is None or value == "":
            continue  # an absent cell is an empty one, and costs nothing to write
        if isinstance(value, datetime):
            sheet.write_datetime(row_number, column, value, when)
        else:
            # Always a string cell: "=SUM(...)" stays text and never runs as a formula.
            sheet.write_string(row_number, column, value)


def file_name(event: Event, extension: str, *, today: datetime | None = None) -> str:
    """'smart-regions-conference-attendees-2027-03-01.csv': the event and the export date."""
    day = timezones.to_local(today or now_utc(), event.timezone).strftime("%Y-%m-%d")
    # Slugs from the form are already safe; keep the header safe whatever stored the event.
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", event.slug).strip("-")[:100] or "event"
    return f"{slug}-attendees-{day}.{extension}"

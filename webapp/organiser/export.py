"""Attendee exports: streamed CSV (UTF-8 with BOM, comma or semicolon) and .xlsx.

Both read rows through a windowed query (server-side cursor on PostgreSQL) so 100,000
registrations never sit in memory at once, and both neutralise spreadsheet formulas:
CSV cells that start with = + - @ tab or CR get a leading apostrophe (OWASP guidance,
and "+45 12 34" stays readable), and Excel text cells are always literal inline strings.

Column titles follow the language of the organiser's page; the last column names the
language each person registered in, as the language switcher names it ("dansk").
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import IO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import xlsxwriter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from webapp import i18n, timezones
from webapp.db import now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.organiser.attendees import AWAITING_CONFIRMATION, AttendeeFilter, filtered
from webapp.registration.answers import answer_map
from webapp.registration.models import Registration, RegistrationStatus
from webapp.registration.question_models import EventQuestion
from webapp.registration.questions import questions_of

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH = 500
WINDOW = 2000
# Registrations whose answers are read in one query.
ANSWER_BATCH = 500
# Column title and Excel width; the two time columns in the event's zone get its name.
COLUMNS = (
    (_l("ID"), 9),
    (_l("Status"), 12),
    (_l("First name"), 18),
    (_l("Last name"), 20),
    (_l("Email"), 32),
    (_l("Organisation"), 30),
    (_l("Role"), 24),
    (_l("Country"), 9),
    (_l("Attendance"), 12),
    (_l("Needs"), 40),
    (_l("Registered at (%(zone)s)"), 20),
    (_l("Registered at (UTC, ISO 8601)"), 22),
    (_l("Checked in at (%(zone)s)"), 20),
    # Online attendance through the personal join link, beside the check-in.
    (_l("Joined online at (%(zone)s)"), 20),
    (_l("Online joins"), 10),
    (_l("Language"), 12),
    (_l("Source"), 12),  # how the registration came: form, organiser or import
)


def headers(event: Event, questions: Sequence[EventQuestion] = ()) -> list[str]:
    """Column titles in the current language, naming the event's zone; then one column per
    question, titled with the question."""
    # A lazy message without variables comes back with its %(zone)s, filled in here.
    titles = [str(title) % {"zone": event.timezone} for title, _width in COLUMNS]
    return titles + [question.label for question in questions]


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_questions(event: Event) -> list[EventQuestion]:
    """The questions that get a column: all of them, hidden ones included (their answers
    were kept for the organiser)."""
    return questions_of(event.id, include_hidden=True)


def export_rows(
    event: Event, wanted: AttendeeFilter, questions: Sequence[EventQuestion] = ()
) -> Iterator[tuple]:
    """Matching registrations as plain tuples, oldest first, with one cell per question.

    Answers are read in one query per window of rows, and not at all without questions.
    """
    rows = _registration_rows(event, wanted)
    if not questions:
        yield from rows
        return
    question_ids = [question.id for question in questions]
    while window := list(itertools.islice(rows, ANSWER_BATCH)):
        answers = answer_map([row[0] for row in window], question_ids, numbers=True)
        for row in window:
            yield (*row, *(answers.get((row[0], qid), "") for qid in question_ids))


def _registration_rows(event: Event, wanted: AttendeeFilter) -> Iterator[tuple]:
    """Matching registrations as plain tuples, oldest first, read in windows.

    Instants arrive as naive UTC and enums as their text (type_coerce skips the per-value
    conversions of the model's column types), since 100,000 rows make every call count.
    """
    stmt = (
        filtered(event.id, wanted)
        .with_only_columns(
            Registration.id,
            _export_status(),
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
            sa.type_coerce(Registration.first_joined_at, sa.DateTime),
            Registration.join_count,
            Registration.language,
            sa.type_coerce(Registration.source, sa.String),
        )
        .order_by(Registration.id)
    )
    zone = timezones.get_zone(event.timezone)
    names = {code: i18n.language_name(code) for code in i18n.languages()}
    connection = db.session.connection().execution_options(yield_per=WINDOW)
    # Closed even when a download is abandoned midway (PostgreSQL's server-side cursor).
    with connection.execute(stmt) as result:
        for *values, created, checked, joined, joins, language, source in result:
            yield (
                *values,
                _wall_time(created, zone),
                created.isoformat(timespec="seconds") + "Z",
                _wall_time(checked, zone) if checked else None,
                _wall_time(joined, zone) if joined else None,
                joins,
                names.get(language, language),  # a language the site no longer offers
                source,
            )


def _export_status() -> sa.ColumnElement:
    """The status, or what a place held for an unconfirmed address came to."""
    status = sa.type_coerce(Registration.status, sa.String)
    held = Registration.hold_expires_at.is_not(None)
    return sa.case(
        (sa.and_(held, status != RegistrationStatus.CANCELLED.value), AWAITING_CONFIRMATION),
        (held, "hold_expired"),
        else_=status,
    )


def _wall_time(naive_utc: datetime, zone: ZoneInfo) -> datetime:
    # Spreadsheets have no zones: a naive wall time, with the zone in the column title.
    return naive_utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


# The Excel width of each question's column.
ANSWER_WIDTH = 24
# Positions of text and wall-time cells in an export row (answers follow them).
TEXT_CELLS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15, 16)
TIME_CELLS = (10, 12, 13)


def _csv_cells(row: tuple) -> list:
    cells = list(row)
    for index in TEXT_CELLS:
        cells[index] = neutralise(cells[index])
    for index in range(len(COLUMNS), len(cells)):  # answers: text, or a number
        value = cells[index]
        if isinstance(value, float):
            cells[index] = str(int(value)) if value.is_integer() else repr(value)
        else:
            cells[index] = neutralise(value)
    for index in TIME_CELLS:
        cells[index] = cells[index].isoformat(" ", "seconds") if cells[index] else ""
    return cells


def csv_stream(
    event: Event,
    rows: Iterator[tuple],
    *,
    delimiter: str = ",",
    questions: Sequence[EventQuestion] = (),
) -> Iterator[bytes]:
    """CSV as UTF-8 byte chunks, starting with a BOM so Excel reads accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write("\ufeff")
    # A question's label is the organiser's text: neutralised like any registrant's cell.
    writer.writerow([neutralise(title) for title in headers(event, questions)])
    for count, row in enumerate(rows, start=1):
        writer.writerow(_csv_cells(row))
        if count % CSV_BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# Excel's limit on a cell's text, in UTF-16 units (one or two per character).
EXCEL_TEXT_LIMIT = 32767
XLSX_OPTIONS = {
    "constant_memory": True,
    # A registrant's text is a string cell: never a formula, a number or a link.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def within_excel_limit(text: str) -> str:
    """Text cut at Excel's 32,767 UTF-16 units, never between the halves of a character."""
    if len(text) <= EXCEL_TEXT_LIMIT // 2:  # two units per character at most: it fits
        return text
    units = 0
    for index, character in enumerate(text):
        units += 2 if ord(character) > 0xFFFF else 1
        if units > EXCEL_TEXT_LIMIT:
            return text[:index]
    return text


def write_xlsx(
    event: Event, rows: Iterator[tuple], questions: Sequence[EventQuestion] = ()
) -> IO[bytes]:
    """An .xlsx in an anonymous temporary file (rewound), built in constant-memory mode."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    workbook = xlsxwriter.Workbook(output, XLSX_OPTIONS)
    AttendeeSheet(workbook, headers(event, questions)).write_rows(rows)
    workbook.close()
    output.seek(0)
    return output


class AttendeeSheet:
    """The "Attendees" worksheet, written a row at a time through XlsxWriter's typed writers.

    The ID is a number cell, wall times are date cells, and all other text is a literal
    string cell, so "=SUM(...)" stays text and never runs as a formula.
    """

    def __init__(self, workbook: xlsxwriter.Workbook, titles: list[str]) -> None:
        self.sheet = workbook.add_worksheet(_("Attendees"))
        self.when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.plain = workbook.add_format()  # a rich string's second run: the default font
        header = workbook.add_format({"bold": True, "bg_color": "#E8EEF5", "bottom": 1})
        for index, (_title, width) in enumerate(COLUMNS):
            self.sheet.set_column(index, index, width)
        if len(titles) > len(COLUMNS):
            self.sheet.set_column(len(COLUMNS), len(titles) - 1, ANSWER_WIDTH)
        self.columns = len(titles)
        for index, title in enumerate(titles):
            self.write_text(0, index, title, header)
        self.sheet.freeze_panes(1, 0)

    def write_rows(self, rows: Iterator[tuple]) -> None:
        """Append the export rows below the header, then filter the whole table."""
        last_row = 0
        for last_row, row in enumerate(rows, start=1):
            self.write_row(last_row, row)
        self.sheet.autofilter(0, 0, max(last_row, 1), self.columns - 1)

    def write_row(self, row_number: int, row: tuple) -> None:
        """One export row: the ID, then text and wall times, skipping empty cells."""
        self.sheet.write_number(row_number, 0, row[0])
        for column in range(1, len(row)):
            value = row[column]
            if value is None or value == "":
                continue  # an absent cell is an empty one, and costs nothing to write
            if isinstance(value, datetime):
                self.sheet.write_datetime(row_number, column, value, self.when)
            elif isinstance(value, int | float):  # online joins; a number question's answer
                self.sheet.write_number(row_number, column, value)
            else:
                self.write_text(row_number, column, value)

    def write_text(self, row_number: int, column: int, text: str, cell_format=None) -> None:
        """A string cell holding `text` (cut at Excel's limit) literally, whatever it looks like.

        In constant-memory mode XlsxWriter writes a string that starts with "<r>" and ends
        with "</r>" (judged after its own cut at the limit, hence the same cut here first)
        into the sheet raw, as rich-text markup: a registrant's text could close its cell and
        add a formula cell. Written as a rich string of two runs, the same text is escaped.
        Two inputs XlsxWriter cannot store exactly, though they stay inert text: control
        characters and _xHHHH_ look-alikes inside such markup-shaped text (a rich string is
        escaped twice), and overlapping look-alikes such as "_x0041_x0042_" anywhere.
        """
        text = within_excel_limit(text)
        if text.startswith("<r>") and text.endswith("</r>"):
            runs = [text[:1], self.plain, text[1:]]
            if cell_format is not None:  # the cell's own format (the header's) goes last
                runs.append(cell_format)
            self.sheet.write_rich_string(row_number, column, *runs)
        else:
            self.sheet.write_string(row_number, column, text, cell_format)


def file_name(event: Event, extension: str, *, today: datetime | None = None) -> str:
    """'smart-regions-2027-attendees-2027-03-01.csv': the event's slug and the export date."""
    day = timezones.to_local(today or now_utc(), event.timezone).strftime("%Y-%m-%d")
    # Slugs from the form are already safe; keep the header safe whatever stored the event
    # (secure_filename keeps ASCII letters, digits, "-", "_" and ".", and turns "é" into "e").
    slug = secure_filename(event.slug)[:100] or "event"
    return f"{slug}-attendees-{day}.{extension}"

"""Organisers' CSV import: read the file, match its columns, check every row.

Nothing here stores registrations. `read_import` turns the uploaded bytes into an
ImportReport: the rows fit to add (as plain dicts, kept in a PendingImport until the
organiser confirms), each refused row with its number and the reason, and the rows skipped
as duplicates. Files come from many spreadsheets: UTF-8 with or without a byte order mark,
UTF-16 ("Unicode text"), and the Windows-1252 files with semicolons that Danish, Swedish
and German Excel writes. Column titles are matched without case or accents in English,
Danish, Swedish and German.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from types import SimpleNamespace

import sqlalchemy as sa
from babel import Locale
from flask_babel import gettext as _
from wtforms.validators import ValidationError

from webapp import i18n, search, text
from webapp.countries import country_code_for
from webapp.events.models import Event, EventFormat
from webapp.extensions import db
from webapp.registration.forms import email_address, mailable_address, personal_name
from webapp.registration.import_columns import FIELD_LABELS as FIELD_LABELS  # re-exported
from webapp.registration.import_columns import HEADERS as HEADERS  # re-exported
from webapp.registration.import_columns import MODES
from webapp.registration.models import ACTIVE_STATUSES, AttendanceMode, Registration
from webapp.registration.services import email_key


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; the message says why, for the organiser."""


LENGTHS = {"first_name": 100, "last_name": 100, "organisation": 200, "role": 200, "needs": 1000}
DELIMITERS = (";", ",", "\t")


def _key(title: str) -> str:
    return "".join(char for char in search.fold(title) if char.isalnum())


COLUMN_KEYS = {_key(title): name for name, titles in HEADERS.items() for title in titles}
MODE_KEYS = {_key(word): mode for mode, words in MODES.items() for word in words}


@dataclass
class ImportReport:
    """What a file holds: rows to add, refused rows, and duplicates skipped."""

    rows: list[dict] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(
                _("The file looks like UTF-16 but cannot be read as such.")
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Excel in Danish, Swedish and German saves "CSV" in Windows-1252.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFile(
            _(
                "The file is neither UTF-8 nor Windows-1252 text. Save it as CSV (UTF-8) and try again."
            )
        ) from None


def delimiter_of(header_line: str) -> str:
    """The separator the header line uses most: semicolon, comma or tab.

    Counting in the header is a surer guess than csv.Sniffer on the whole sample, which
    reads quoting and the commas inside names and organisations as structure.
    """
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    if counts[best] == 0:
        raise UnreadableFile(
            _("The file has only one column. Separate the columns with commas or semicolons.")
        )
    return best


def read_import(data: bytes, event: Event, *, max_bytes: int, max_rows: int) -> ImportReport:
    """Check a whole file against the event; raises UnreadableFile for the file as a whole."""
    records, columns = _records(data, max_bytes=max_bytes, max_rows=max_rows)
    report = ImportReport(columns=sorted(set(columns.values())))
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=2):  # row 1 names the columns
        if not any(cell.strip() for cell in record):
            continue
        row, problem = check_row(_cells(record, columns), event)
        if problem:
            report.problems.append((number, problem))
        elif row["email_key"] in seen:
            report.duplicates.append(
                (number, _("The same address as row %(row)s: skipped.", row=seen[row["email_key"]]))
            )
        else:
            seen[row["email_key"]] = number
            row["row"] = number
            report.rows.append(row)
    _skip_registered(report, event)
    return report


def _records(data: bytes, *, max_bytes: int, max_rows: int) -> tuple[list[list[str]], dict]:
    """The data rows as lists of cells, and which field each column holds."""
    if len(data) > max_bytes:
        raise UnreadableFile(
            _(
                "The file is larger than %(size)s kB. Split it into smaller files.",
                size=max_bytes // 1024,
            )
        )
    content = decode(data).replace("\x00", "").lstrip("\ufeff")
    if not content.strip():
        raise UnreadableFile(_("The file is empty."))
    delimiter = delimiter_of(content.splitlines()[0])
    try:
        records = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
    except csv.Error:
        raise UnreadableFile(_("The file is not a well-formed CSV file.")) from None
    columns = _columns(records[0])
    if len(records) - 1 > max_rows:
        raise UnreadableFile(
            _("The file has more than %(count)s rows. Split it into smaller files.", count=max_rows)
        )
    return records[1:], columns


def _columns(header: list[str]) -> dict[int, str]:
    columns = {}
    for index, title in enumerate(header):
        name = COLUMN_KEYS.get(_key(title))
        if name and name not in columns.values():
            columns[index] = name
    found = set(columns.values())
    if "email" not in found or not {"first_name", "last_name"} <= found:
        raise UnreadableFile(
            _("The first row must name the columns, at least first name, last name and email.")
        )
    return columns


def _cells(record: list[str], columns: dict[int, str]) -> dict[str, str]:
    return {
        name: text.clean(record[index]) or ""
        for index, name in columns.items()
        if index < len(record)
    }


class RowProblem(Exception):
    """One row cannot be added; the message says why, for the organiser."""


def check_row(cells: dict[str, str], event: Event) -> tuple[dict, str]:
    """One row's values for the service, or the first reason it cannot be added."""
    try:
        return _row_values(cells, event), ""
    except RowProblem as problem:
        return {}, str(problem)


def _row_values(cells: dict[str, str], event: Event) -> dict:
    _check_text(cells)
    email = _email(cells.get("email", ""))
    country = _country(cells.get("country", ""))
    if country is None:
        raise RowProblem(_("Unknown country: %(value)s.", value=cells["country"]))
    mode = _mode(cells.get("attendance_mode", ""), event)
    if mode is None:
        raise RowProblem(
            _(
                "Unknown attendance: %(value)s. Use in person or online.",
                value=cells.get("attendance_mode", ""),
            )
        )
    language = _language(cells.get("language", ""), event)
    if language is None:
        raise RowProblem(_("Unknown language: %(value)s.", value=cells["language"]))
    return {
        "first_name": cells["first_name"],
        "last_name": cells["last_name"],
        "email": email,
        "email_key": email_key(email),
        "organisation": cells.get("organisation", ""),
        "role": cells.get("role", ""),
        "country": country,
        "attendance_mode": mode,
        "needs": cells.get("needs", "") if mode == AttendanceMode.IN_PERSON.value else "",
        "language": language,
    }


def _check_text(cells: dict[str, str]) -> None:
    """Names present and written like names; no text too long or broken over lines."""
    if not cells.get("first_name"):
        raise RowProblem(_("The first name is missing."))
    if not cells.get("last_name"):
        raise RowProblem(_("The last name is missing."))
    for name, limit in LENGTHS.items():
        value = cells.get(name, "")
        if len(value) > limit:
            raise RowProblem(
                _(
                    "%(column)s: use at most %(max)s characters.",
                    column=FIELD_LABELS[name],
                    max=limit,
                )
            )
        if any(text.breaks_a_line(char, multiline=name == "needs") for char in value):
            raise RowProblem(_("Please remove line breaks or control characters."))
    for name in ("first_name", "last_name"):
        _validate(personal_name, SimpleNamespace(data=cells[name], errors=[]))


def _email(value: str) -> str:
    """The normalised address, through the registration form's own checks."""
    if not value:
        raise RowProblem(_("The email address is missing."))
    field = SimpleNamespace(data=value, errors=[])
    _validate(email_address, field)
    _validate(mailable_address, field)
    return field.data


def _validate(validator, field: SimpleNamespace) -> None:
    """Run one of the registration form's validators on a stand-in field."""
    try:
        validator(None, field)
    except ValidationError as error:
        raise RowProblem(str(error)) from None


def _country(value: str) -> str | None:
    """An ISO code, or a country's name in one of the site's languages; '' if empty."""
    if not value:
        return ""
    return country_code_for(value, i18n.languages())


def _mode(value: str, event: Event) -> str | None:
    if event.format == EventFormat.ONLINE:
        return AttendanceMode.ONLINE.value
    if event.format == EventFormat.IN_PERSON:
        return AttendanceMode.IN_PERSON.value
    if not value:  # no column, or an empty cell: like "Add attendee", in the room
        return AttendanceMode.IN_PERSON.value
    mode = MODE_KEYS.get(_key(value))
    return mode.value if mode else None


def _language(value: str, event: Event) -> str | None:
    if not value:
        return i18n.supported(event.language)
    wanted = _key(value)
    for code in i18n.languages():
        names = {_key(code), _key(i18n.language_name(code))}
        locale = Locale.parse(code)
        names |= {_key(locale.get_display_name(other) or "") for other in i18n.languages()}
        if wanted in names:
            return code
    return None


def _skip_registered(report: ImportReport, event: Event) -> None:
    """Move rows whose address is already registered for the event to the duplicates."""
    keys = [row["email_key"] for row in report.rows]
    registered: set[str] = set()
    for start in range(0, len(keys), 500):
        registered |= set(
            db.session.scalars(
                sa.select(Registration.email_key).where(
                    Registration.event_id == event.id,
                    Registration.email_key.in_(keys[start : start + 500]),
                    Registration.status.in_(ACTIVE_STATUSES),
                )
            )
        )
    kept = []
    for row in report.rows:
        if row["email_key"] in registered:
            report.duplicates.append(
                (row["row"], _("%(email)s is already registered: skipped.", email=row["email"]))
            )
        else:
            kept.append(row)
    report.rows = kept
    report.duplicates.sort()

"""Attendee exports parsed back: CSV (comma and semicolon) and .xlsx, formulas neutralised."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest

from tests.conftest import build_event
from tests.organiser_support import (
    add_registrations,
    fast_password_hashing,  # noqa: F401  (autouse)
    make_organiser,
    sign_in,
)
from webapp.organiser import export
from webapp.registration.models import AttendanceMode, RegistrationStatus

EMAIL = "olga@cluster.example"
REGISTERED = datetime(2026, 3, 1, 17, 5, 9, tzinfo=UTC)  # 18:05 in Brussels
CHECKED_IN = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
HEADERS = [
    "ID",
    "Status",
    "First name",
    "Last name",
    "Email",
    "Organisation",
    "Role",
    "Country",
    "Attendance",
    "Needs",
    "Registered at (Europe/Brussels)",
    "Registered at (UTC, ISO 8601)",
    "Checked in at (Europe/Brussels)",
]
# Text that a spreadsheet would run as a formula, each with its neutralised CSV form.
HOSTILE = {
    '=HYPERLINK("https://evil.example","Click")': '\'=HYPERLINK("https://evil.example","Click")',
    "+45 12 34 56": "'+45 12 34 56",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
}


@pytest.fixture
def event(app, client, make_event):
    owner = make_organiser(app, EMAIL)
    sign_in(client, EMAIL)
    return make_event(owner_id=owner, slug="smart-regions-2027", timezone="Europe/Brussels")


@pytest.fixture
def people(app, event):
    """A Unicode-named attendee, then one per hostile prefix in organisation and needs."""
    rows = [
        {
            "first_name": "Zoë",
            "last_name": "Łukasiewicz-Ørsted",
            "email": "zoe@kraków.example",
            "organisation": "Klaster Innowacji – 山田",
            "role": "Dyrektorka",
            "country": "PL",
            "needs": "Wheelchair access\nvegetarian",
            "attendance_mode": AttendanceMode.IN_PERSON,
            "created_at": REGISTERED,
            "checked_in_at": CHECKED_IN,
        }
    ]
    for number, text in enumerate(HOSTILE):
        rows.append(
            {
                "first_name": text,
                "last_name": f"Hostile {number}",
                "organisation": text,
                "needs": text,
                "status": RegistrationStatus.WAITLISTED,
                "created_at": REGISTERED,
            }
        )
    return add_registrations(app, event.id, rows)


def _csv(client, event, **args) -> tuple[list[list[str]], object]:
    response = client.get(f"/organiser/events/{event.id}/attendees.csv", query_string=args)
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    delimiter = ";" if args.get("sep") == "semicolon" else ","
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), response


@pytest.mark.parametrize("sep", ["", "semicolon"])
def test_csv_round_trips_unicode_and_neutralises_every_formula_prefix(client, event, people, sep):
    rows, response = _csv(client, event, sep=sep)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="smart-regions-2027-attendees-20')
    assert disposition.endswith('.csv"')
    assert rows[0] == HEADERS
    zoe = rows[1]
    assert zoe == [
        str(people[0]),
        "confirmed",
        "Zoë",
        "Łukasiewicz-Ørsted",
        "zoe@kraków.example",
        "Klaster Innowacji – 山田",
        "Dyrektorka",
        "PL",
        "in_person",
        "Wheelchair access\nvegetarian",
        "2026-03-01 18:05:09",
        "2026-03-01T17:05:09Z",
        "2026-03-10 09:30:00",
    ]
    hostile = {row[2]: row for row in rows[2:]}
    assert set(hostile) == set(HOSTILE.values())
    for neutral, row in hostile.items():
        assert row[5] == row[9] == neutral and row[1] == "waitlisted" and row[12] == ""


def test_the_csv_is_streamed_in_chunks(app, client, event):
    add_registrations(app, event.id, [{} for _ in range(1200)])
    response = client.get(f"/organiser/events/{event.id}/attendees.csv")
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 3
    assert sum(chunk.count(b"\r\n") for chunk in chunks) == 1201


def test_exports_follow_the_tables_filter(client, event, people):
    rows, _ = _csv(client, event, status="confirmed")
    assert [row[2] for row in rows[1:]] == ["Zoë"]
    rows, _ = _csv(client, event, q="zoë kraków")
    assert [row[3] for row in rows[1:]] == ["Łukasiewicz-Ørsted"]


def test_xlsx_has_a_header_frozen_panes_widths_dates_and_no_formulas(client, event, people):
    with client.get(f"/organiser/events/{event.id}/attendees.xlsx") as response:
        content = response.get_data()
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response.headers["Content-Disposition"]
    assert "smart-regions-2027-attendees-20" in disposition and disposition.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{sheet.max_row}"
    assert sheet.column_dimensions["E"].width > 20 and sheet.column_dimensions["A"].width < 15
    zoe = rows[1]
    assert sheet.cell(row=2, column=1).data_type == "n"
    assert zoe[0] == people[0] and zoe[2:6] == (
        "Zoë",
        "Łukasiewicz-Ørsted",
        "zoe@kraków.example",
        "Klaster Innowacji – 山田",
    )
    # Real date cells holding Brussels wall time (spreadsheets have no zones).
    assert zoe[10] == datetime(2026, 3, 1, 18, 5, 9)  # noqa: DTZ001
    assert sheet.cell(row=2, column=11).is_date
    assert zoe[11] == "2026-03-01T17:05:09Z"
    assert zoe[12] == datetime(2026, 3, 10, 9, 30)  # noqa: DTZ001
    for row_number in range(3, sheet.max_row + 1):
        for column in (3, 6, 10):
            cell = sheet.cell(row=row_number, column=column)
            assert cell.data_type == "s", (cell.coordinate, cell.value)
    texts = {sheet.cell(row=r, column=6).value for r in range(3, sheet.max_row + 1)}
    # The exact text, kept whole ("+45 12 34 56" keeps its plus). A carriage return is
    # stored as Excel's escape _x000D_, which Excel reads back as the character.
    assert {text.replace("_x000D_", "\r") for text in texts} == set(HOSTILE)


WALL_TIME = datetime(2026, 3, 1, 18, 5, 9)  # noqa: DTZ001 (exports hold naive wall time)
# Text an inline string holds as it is, then text that needs escaping, truncating or
# xml:space="preserve".
VERBATIM_TEXTS = ("Zoë 山田 😀", "=1+1", "+45 12 34 56", "-2", "@SUM(1)", 'a "quote"', "two\nlines")
ESCAPED_TEXTS = (
    "\t=1+1",
    "\r=1+1",
    " leading",
    "trailing ",
    "ends with a newline\n",
    "\u00a0no-break space",
    "A & B <Ltd>",
    "_x0041_",
    "bell\x07",
    "\ufffe",
    "a" * 20_000,
    "😀" * 17_000,
)
# Shaped like XlsxWriter's rich-text markup, which it would write into the sheet raw.
MARKUP_INJECTION = (
    '<r><t>x</t></r></is></c><c r="Z2"><f>HYPERLINK("https://evil.example","Click")</f>'
    '</c><c r="Y2" t="inlineStr"><is><r><t>y</t></r>'
)


def _export_row(number: int, text: str, checked_in: datetime | None) -> tuple:
    return (
        number,
        "confirmed",
        text,
        "Łukasiewicz",
        "zoe@kraków.example",
        text,
        "",
        None,
        "online",
        text,
        WALL_TIME,
        "2026-03-01T17:05:09Z",
        checked_in,
    )


def _xlsx_parts(output) -> dict[str, bytes]:
    with output, zipfile.ZipFile(output) as package:
        # docProps/core.xml holds the creation time, the one part that may differ.
        return {name: package.read(name) for name in package.namelist() if "core" not in name}


def _write_cell_by_cell(writer, row_number: int, row: tuple) -> None:
    """The export row through XlsxWriter's own typed writers."""
    writer.sheet.write_number(row_number, 0, row[0])
    for column, value in enumerate(row[1:], start=1):
        if isinstance(value, datetime):
            writer.sheet.write_datetime(row_number, column, value, writer.when)
        elif value:
            writer.sheet.write_string(row_number, column, value)


def test_xlsx_rows_are_exactly_what_xlsxwriters_typed_writers_produce(monkeypatch):
    event = build_event()
    texts = [text for pair in zip(VERBATIM_TEXTS * 2, ESCAPED_TEXTS, strict=False) for text in pair]
    rows = [
        _export_row(number, text, WALL_TIME if number % 3 else None)
        for number, text in enumerate(texts, start=1)
    ]
    serialised = _xlsx_parts(export.write_xlsx(event, iter(rows)))
    monkeypatch.setattr(export.XlsxRowWriter, "write", _write_cell_by_cell)
    cell_by_cell = _xlsx_parts(export.write_xlsx(event, iter(rows)))
    assert serialised.keys() == cell_by_cell.keys()
    for name, content in cell_by_cell.items():
        assert serialised[name] == content, name


def test_xlsx_cells_keep_their_types_and_literal_text():
    event = build_event()
    texts = [*VERBATIM_TEXTS, "\t=1+1", " leading", "A & B <Ltd>", "<r>rich</r>", MARKUP_INJECTION]
    rows = [_export_row(number, text, None) for number, text in enumerate(texts, start=1)]
    with export.write_xlsx(event, iter(rows)) as output:
        sheet = openpyxl.load_workbook(output).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.auto_filter.ref == f"A1:M{len(rows) + 1}"
    assert sheet.max_column == len(HEADERS) and sheet.max_row == len(rows) + 1
    for number, text in enumerate(texts, start=1):
        cells = sheet[number + 1]
        assert cells[0].value == number and cells[0].data_type == "n"
        for index in (2, 5, 9):
            assert cells[index].value == text and cells[index].data_type == "s"
        assert cells[6].value is None and cells[7].value is None and cells[12].value is None
        assert cells[10].value == WALL_TIME and cells[10].is_date
        assert cells[10].number_format == "yyyy-mm-dd hh:mm"
        assert cells[11].value == "2026-03-01T17:05:09Z"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_empty_list_still_exports_headers(client, event):
    rows, _ = _csv(client, event)
    assert rows == [HEADERS]
    with client.get(f"/organiser/events/{event.id}/attendees.xlsx") as response:
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert [cell.value for cell in sheet[1]] == HEADERS and sheet.max_row == 1


def test_only_organisers_of_the_event_can_export(app, client, event, people):
    outsider = app.test_client()
    make_organiser(app, "outsider@cluster.example")
    for url in (
        f"/organiser/events/{event.id}/attendees.csv",
        f"/organiser/events/{event.id}/attendees.xlsx",
    ):
        signed_out = app.test_client().get(url)
        assert signed_out.status_code == 302
        assert signed_out.headers["Location"].startswith("/organiser/sign-in")
        sign_in(outsider, "outsider@cluster.example")
        assert outsider.get(url).status_code == 404


def test_the_file_name_is_safe_whatever_the_slug():
    event = build_event(slug='odd "slug"\r\nX-Evil: 1/..', timezone="Europe/Brussels")
    day = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Brussels
    assert export.file_name(event, "csv", today=day) == "odd-slug-X-Evil-1-attendees-2027-03-02.csv"

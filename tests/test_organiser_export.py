"""Attendee exports parsed back: CSV (comma and semicolon) and .xlsx, formulas neutralised."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from tests.conftest import build_event
from tests.organiser_support import (
    add_registrations,
    make_organiser,
    sign_in,
)
from tests.question_support import add_question, spec
from webapp.organiser import export
from webapp.registration.models import AttendanceMode, RegistrationStatus

SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
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
    "Joined online at (Europe/Brussels)",
    "Online joins",
    "Language",
    "Source",
]
# Shaped like XlsxWriter's rich-text markup, which its constant-memory mode writes raw: this
# one would close its cell and add a live formula cell Z2 of its own (and fits a first name).
MARKUP_INJECTION = (
    '<r><t>x</t></r></is></c><c r="Z2"><f>HYPERLINK("https://evil.example")</f></c><c><is>'
    "<r><t>y</t></r>"
)
# Text that a spreadsheet would run as a formula, each with its neutralised CSV form.
HOSTILE = {
    MARKUP_INJECTION: MARKUP_INJECTION,
    '=HYPERLINK("https://evil.example","Click")': '\'=HYPERLINK("https://evil.example","Click")',
    "+45 12 34 56": "'+45 12 34 56",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
}


@pytest.fixture
def event(event_with_attendees):
    return event_with_attendees(slug="smart-regions-2027", timezone="Europe/Brussels")[0]


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
            "language": "da",
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
        "",  # never joined online
        "0",
        "dansk",
        "form",
    ]
    hostile = {row[2]: row for row in rows[2:]}
    assert set(hostile) == set(HOSTILE.values())
    for neutral, row in hostile.items():
        assert row[5] == row[9] == neutral and row[1] == "waitlisted" and row[12] == ""
        assert row[15] == "English"  # the language of the page they registered on


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
    assert sheet.title == "Attendees"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{sheet.max_row}"
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
    assert zoe[15] == "dansk" and sheet.cell(row=2, column=16).data_type == "s"
    assert {row[15] for row in rows[2:]} == {"English"}
    for row_number in range(3, sheet.max_row + 1):
        for column in (3, 6, 10):
            cell = sheet.cell(row=row_number, column=column)
            assert cell.data_type == "s", (cell.coordinate, cell.value)
    texts = {sheet.cell(row=r, column=6).value for r in range(3, sheet.max_row + 1)}
    # The exact text, kept whole ("+45 12 34 56" keeps its plus); a carriage return is
    # stored as OOXML's escape _x000D_, which Excel reads back as the character.
    assert {unescape(text) for text in texts} == set(HOSTILE)
    assert not _formula_cells(content)


WALL_TIME = datetime(2026, 3, 1, 18, 5, 9)  # noqa: DTZ001 (exports hold naive wall time)
LIMIT = export.EXCEL_TEXT_LIMIT
# Each text with what a cell holds of it: all of it, or its first LIMIT UTF-16 units.
LITERAL_TEXTS = {
    "=SUM(A1)": "=SUM(A1)",
    "+45 12 34": "+45 12 34",
    "-1": "-1",
    "@cmd": "@cmd",
    "\t=1+1": "\t=1+1",
    "\r=1+1": "\r=1+1",
    '=HYPERLINK("https://evil.example","Click")': '=HYPERLINK("https://evil.example","Click")',
    "https://evil.example": "https://evil.example",
    "0042": "0042",
    "<r><t>x</t></r>": "<r><t>x</t></r>",
    "<r>rich</r>": "<r>rich</r>",
    "<r></r>": "<r></r>",
    "<r> </r>": "<r> </r>",
    "<r>a & b\n</r>": "<r>a & b\n</r>",
    MARKUP_INJECTION: MARKUP_INJECTION,
    "<r><t>not closed</t>": "<r><t>not closed</t>",
    " <r>x</r>": " <r>x</r>",
    "</c><c><f>1+1</f></c>": "</c><c><f>1+1</f></c>",
    "A & B <Ltd>": "A & B <Ltd>",
    'a "quote"': 'a "quote"',
    "bell\x07": "bell\x07",
    "nul\x00 and unit\x1f": "nul\x00 and unit\x1f",
    "\x0b\x0c": "\x0b\x0c",
    "_x0041_": "_x0041_",
    "_X004a_ and _x000D_": "_X004a_ and _x000D_",
    "\ufffe\uffff": "\ufffe\uffff",
    " leading": " leading",
    "trailing ": "trailing ",
    "  ": "  ",
    "\u00a0no-break space": "\u00a0no-break space",
    "ends with a newline\n": "ends with a newline\n",
    "two\nlines": "two\nlines",
    "Zoë 山田 😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢": "Zoë 山田 😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "a" * LIMIT: "a" * LIMIT,
    "a" * (LIMIT + 1): "a" * LIMIT,
    "é" * 40_000: "é" * LIMIT,
    # Non-BMP characters count two units: cut before a character that would not fit whole.
    "😀" * 17_000: "😀" * (LIMIT // 2),
    "a" + "😀" * (LIMIT // 2) + "b": "a" + "😀" * (LIMIT // 2),
    "ab" + "😀" * (LIMIT // 2): "ab" + "😀" * (LIMIT // 2 - 1),
    # Markup shape only after the cut, which is where XlsxWriter looks for it.
    "<r>" + "x" * (LIMIT - 7) + "</r>=1+1": "<r>" + "x" * (LIMIT - 7) + "</r>",
}


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
        None,  # joined online at
        0,  # online joins
        "svenska",
    )


def _sheet_xml(content: bytes) -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        # The file was written by the code under test, not received from outside.
        return ElementTree.fromstring(package.read("xl/worksheets/sheet1.xml"))  # noqa: S314


def _formula_cells(content: bytes) -> list[str]:
    """References of cells with a formula, found by an XML parser other than openpyxl's."""
    return [
        cell.get("r")
        for cell in _sheet_xml(content).iter(f"{SHEET_NS}c")
        if cell.find(f"{SHEET_NS}f") is not None
    ]


def _xlsx(texts, checked_in: datetime | None = None) -> tuple[bytes, object]:
    rows = [_export_row(number, text, checked_in) for number, text in enumerate(texts, start=1)]
    with export.write_xlsx(build_event(), iter(rows)) as output:
        content = output.read()
    return content, openpyxl.load_workbook(io.BytesIO(content)).active


def test_xlsx_text_cells_hold_exactly_the_text_whatever_it_looks_like():
    content, sheet = _xlsx(LITERAL_TEXTS)
    assert not _formula_cells(content)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.max_column == len(HEADERS) and sheet.max_row == len(LITERAL_TEXTS) + 1
    for number, (text, kept) in enumerate(LITERAL_TEXTS.items(), start=1):
        cells = sheet[number + 1]
        assert cells[0].value == number and cells[0].data_type == "n"
        for index in (2, 5, 9):
            assert cells[index].data_type == "s", (cells[index].coordinate, text[:40])
            # Excel reads OOXML's _xHHHH_ escapes back as characters; so does unescape().
            assert unescape(cells[index].value) == kept, (cells[index].coordinate, text[:40])
        assert cells[3].value == "Łukasiewicz" and cells[8].value == "online"


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    "text", ["😀" * 17_000, "ab" + "😀" * 20_000, "a" * 40_000, "é😀" * 11_000, "short 😀"]
)
def test_text_is_cut_at_excels_limit_and_never_inside_a_character(text):
    cut = export.within_excel_limit(text)
    assert text.startswith(cut) and _utf16_units(cut) <= LIMIT
    if cut != text:  # as long as it can be: the next character would not have fitted
        assert _utf16_units(text[: len(cut) + 1]) > LIMIT


def test_xlsx_text_xlsxwriter_cannot_store_exactly_still_stays_inert_text():
    """Known XlsxWriter limits in constant-memory mode, kept safe though not exact.

    A rich string's text is escaped twice, so control characters and _xHHHH_ look-alikes
    in markup-shaped text read back in their escaped form; and of overlapping look-alikes
    ("_x0041_x0042_") only the first is escaped. Either way the cell is literal text.
    """
    markup_shaped = ("<r>bell\x07</r>", "<r>_x0041_</r>", "<r>\ufffe</r>")
    content, sheet = _xlsx([*markup_shaped, "_x0041_x0042_"])
    assert not _formula_cells(content)
    assert sheet.max_column == len(HEADERS) and sheet.max_row == len(markup_shaped) + 2
    for row_number in range(2, sheet.max_row + 1):
        assert sheet.cell(row=row_number, column=4).value == "Łukasiewicz"
        for column in (3, 6, 10):
            cell = sheet.cell(row=row_number, column=column)
            assert cell.data_type == "s", cell.coordinate
            if row_number <= len(markup_shaped) + 1:  # the markup is text, not markup
                assert cell.value.startswith("<r>") and cell.value.endswith("</r>")
            else:
                assert unescape(cell.value).startswith("_x0041")


def test_xlsx_cells_keep_their_types_dates_and_table_layout():
    content, sheet = _xlsx(["Zoë", "", "Ana"], checked_in=WALL_TIME)
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:Q4"
    widths = [sheet.column_dimensions[get_column_letter(n)].width for n in range(1, 15)]
    assert widths[0] < widths[4] and widths[9] == max(widths)
    for row_number in (2, 3, 4):
        cells = sheet[row_number]
        assert cells[0].value == row_number - 1 and cells[0].data_type == "n"
        assert cells[1].value == "confirmed" and cells[1].data_type == "s"
        for index in (10, 12):
            assert cells[index].value == WALL_TIME and cells[index].is_date
            assert cells[index].number_format == "yyyy-mm-dd hh:mm"
        assert cells[11].value == "2026-03-01T17:05:09Z" and cells[11].data_type == "s"
        assert cells[6].value is None and cells[7].value is None
        assert cells[15].value == "svenska" and cells[15].data_type == "s"
    # An empty text is an absent cell, not an empty string.
    assert [sheet.cell(row=3, column=c).value for c in (3, 6, 10)] == [None, None, None]
    # Constant-memory mode: strings inline in the sheet, no shared-string table in memory.
    types = {cell.get("t") for cell in _sheet_xml(content).iter(f"{SHEET_NS}c")}
    assert types == {None, "inlineStr"}


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
    day = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Brussels
    cases = {
        'odd "slug"\r\nX-Evil: 1/..': "odd_slug_X-Evil_1",
        'Café "Zoë"\r\nZürich: 1/../山田': "Cafe_Zoe_Zurich_1",
        "../../etc/passwd": "etc_passwd",
        "smart-regions-2027": "smart-regions-2027",
        "山田": "event",
        "..": "event",
        "x" * 120: "x" * 100,
    }
    for slug, safe in cases.items():
        event = build_event(slug=slug, timezone="Europe/Brussels")
        assert export.file_name(event, "csv", today=day) == f"{safe}-attendees-2027-03-02.csv"
        assert export.file_name(event, "xlsx", today=day).endswith("-2027-03-02.xlsx")


# --- the organiser's language -------------------------------------------------------------

# The column titles of a Danish, Swedish and German organiser page.
LOCALISED_HEADERS = {
    "da": ["ID", "Status", "Fornavn", "Efternavn", "E-mail", "Organisation", "Rolle", "Land",
           "Deltagelse", "Behov", "Tilmeldt (Europe/Brussels)", "Tilmeldt (UTC, ISO 8601)",
           "Tjekket ind (Europe/Brussels)", "Deltog online (Europe/Brussels)", "Onlinedeltagelser",
           "Sprog", "Kilde"],
    "sv": ["ID", "Status", "Förnamn", "Efternamn", "E-post", "Organisation", "Roll", "Land",
           "Deltagande", "Behov", "Anmäld (Europe/Brussels)", "Anmäld (UTC, ISO 8601)",
           "Incheckad (Europe/Brussels)", "Anslöt online (Europe/Brussels)", "Anslutningar online",
           "Språk", "Källa"],
    "de": ["ID", "Status", "Vorname", "Nachname", "E-Mail", "Organisation", "Funktion", "Land",
           "Teilnahme", "Bedarf", "Angemeldet am (Europe/Brussels)",
           "Angemeldet am (UTC, ISO 8601)", "Eingecheckt am (Europe/Brussels)",
           "Online beigetreten am (Europe/Brussels)", "Online-Teilnahmen", "Sprache", "Herkunft"],
}  # fmt: skip
SHEET_TITLES = {"da": "Deltagere", "sv": "Deltagare", "de": "Teilnehmende"}


@pytest.mark.parametrize("language", ["da", "sv", "de"])
def test_exports_are_titled_in_the_organisers_language_and_name_each_registrants(
    app, client, event, language
):
    add_registrations(
        app,
        event.id,
        [{"first_name": "Mette", "language": "da"}, {"first_name": "Sven", "language": "sv"}],
    )
    response = client.get(f"/{language}/organiser/events/{event.id}/attendees.csv?sep=semicolon")
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == LOCALISED_HEADERS[language]
    # Languages are named in themselves, as the language switcher names them.
    assert [(row[2], row[15]) for row in rows[1:]] == [("Mette", "dansk"), ("Sven", "svenska")]
    with client.get(f"/{language}/organiser/events/{event.id}/attendees.xlsx") as response:
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == SHEET_TITLES[language]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == LOCALISED_HEADERS[language]
    assert [(row[2], row[15]) for row in values[1:]] == [("Mette", "dansk"), ("Sven", "svenska")]
    # Statuses and attendance stay codes, whatever the titles' language.
    assert {row[1] for row in values[1:]} == {"confirmed"}


HOSTILE_LABELS = [
    '=HYPERLINK("https://evil.example","Click")',
    "+45 phone?",
    "@SUM(1+1)",
    '<r><t>x</t></r></is></c><c r="Z1"><f>HYPERLINK("https://evil.example")</f></c><c><is><r>y</r>',
]


def test_question_labels_in_the_header_are_neutralised_or_kept_as_text(app, client, event):
    for label in HOSTILE_LABELS:
        add_question(app, event.id, spec("short_text", label))
    add_registrations(app, event.id, [{"first_name": "Mette"}])
    rows, _response = _csv(client, event)
    assert rows[0][len(HEADERS) :] == [
        "'" + HOSTILE_LABELS[0],
        "'" + HOSTILE_LABELS[1],
        "'" + HOSTILE_LABELS[2],
        HOSTILE_LABELS[3],  # no formula prefix: text in a CSV
    ]
    with client.get(f"/organiser/events/{event.id}/attendees.xlsx") as response:
        content = response.get_data()
    assert not _formula_cells(content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[len(HEADERS) :] == HOSTILE_LABELS  # string cells hold the label exactly
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

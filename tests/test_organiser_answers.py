"""Answers for the organiser: chosen columns in the attendee list, counts, CSV and Excel."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa
from openpyxl.utils import get_column_letter

from tests.question_support import add_question, spec, stored_answers
from tests.registration_support import form_data
from webapp.events.models import EventFormat
from webapp.organiser.export import COLUMNS

FORMULA = '=HYPERLINK("https://evil.example","Click")'


@pytest.fixture
def answered(app, client, make_event, signed_in_organiser):
    """A hybrid event with a choice, a checkbox, a text and a number question, and three
    people who answered through the public form; returns (event, question ids)."""
    event = make_event(owner_id=signed_in_organiser, format=EventFormat.HYBRID, city="Malmö")
    ids = {}
    ids["workshop"], workshops = add_question(
        app, event.id, spec("multiple_choice", "Workshops", "Energy", "Health", "Water")
    )
    ids["dinner"], _ = add_question(app, event.id, spec("checkbox", "Dinner?"))
    ids["cluster"], _ = add_question(app, event.id, spec("short_text", "Cluster"))
    ids["team"], _ = add_question(app, event.id, spec("number", "Team size"))
    people = [
        ("ana@example.org", ["Energy", "Water"], "y", "Cleantech", "3"),
        ("bo@example.org", ["Energy"], None, FORMULA, "12.5"),
        ("cy@example.org", [], None, "", ""),
    ]
    for email, chosen, dinner, cluster, team in people:
        answers = {
            f"q_{ids['workshop']}": [str(workshops[label]) for label in chosen],
            f"q_{ids['dinner']}": dinner,
            f"q_{ids['cluster']}": cluster,
            f"q_{ids['team']}": team,
        }
        data = form_data(email=email, attendance_mode="online", **answers)
        assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    return event, ids


def test_the_attendee_page_counts_each_answer(client, answered):
    event, ids = answered
    html = client.get(f"/organiser/events/{event.id}/attendees").get_data(as_text=True)
    section = html[html.index('id="answer-counts-title"') :]
    workshop = section[section.index(f'id="answer-count-{ids["workshop"]}"') :]
    assert "Energy: <strong>2</strong>" in workshop
    assert "Health: <strong>0</strong>" in workshop
    assert "Water: <strong>1</strong>" in workshop
    dinner = section[section.index(f'id="answer-count-{ids["dinner"]}"') :]
    assert "Yes: <strong>1</strong>" in dinner
    assert "No: <strong>2</strong>" in dinner
    cluster = section[section.index(f'id="answer-count-{ids["cluster"]}"') :]
    assert "2 people answered." in cluster


def test_the_organiser_chooses_answer_columns_kept_across_pages(app, client, answered):
    event, ids = answered
    url = f"/organiser/events/{event.id}/attendees"
    plain = client.get(url).get_data(as_text=True)
    assert '<th scope="col" class="answer">' not in plain
    assert f'name="col" value="{ids["workshop"]}"' in plain
    app.config["ATTENDEES_PER_PAGE"] = 2
    query = {"col": [str(ids["workshop"]), str(ids["team"])]}
    html = client.get(url, query_string=query).get_data(as_text=True)
    assert '<th scope="col" class="answer">Workshops</th>' in html
    assert '<th scope="col" class="answer">Team size</th>' in html
    assert '<td class="answer">Energy</td>' in html
    assert '<td class="answer">12.5</td>' in html
    # The next page's link keeps the chosen columns.
    older = html[html.index('rel="next"') :]
    assert f"col={ids['workshop']}" in older.split(">")[0]
    assert f"col={ids['team']}" in older.split(">")[0]


def test_unknown_or_foreign_columns_are_ignored(client, answered, make_event):
    event, _ids = answered
    query = {"col": ["999999", "abc", "1" * 20]}
    response = client.get(f"/organiser/events/{event.id}/attendees", query_string=query)
    assert response.status_code == 200
    assert '<th scope="col" class="answer">' not in response.get_data(as_text=True)


def _csv_rows(client, event) -> list[list[str]]:
    response = client.get(f"/organiser/events/{event.id}/attendees.csv")
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_csv_has_one_column_per_question(client, answered):
    event, _ids = answered
    header, *rows = _csv_rows(client, event)
    assert header[-4:] == ["Workshops", "Dinner?", "Cluster", "Team size"]
    answers = {row[4]: row[-4:] for row in rows}
    assert answers == {
        "ana@example.org": ["Energy; Water", "Yes", "Cleantech", "3"],
        "bo@example.org": ["Energy", "No", "'" + FORMULA, "12.5"],
        "cy@example.org": ["", "No", "", ""],
    }


def test_the_excel_export_has_answers_as_text_and_numbers(client, answered):
    event, _ids = answered
    with client.get(f"/organiser/events/{event.id}/attendees.xlsx") as response:
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][-4:]) == ["Workshops", "Dinner?", "Cluster", "Team size"]
    answers = {row[4]: row[-4:] for row in rows[1:]}
    assert answers["ana@example.org"] == ("Energy; Water", "Yes", "Cleantech", 3)
    assert answers["bo@example.org"] == ("Energy", "No", FORMULA, 12.5)
    assert answers["cy@example.org"] == (None, "No", None, None)
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    # The filter spans every column, the four answer columns included.
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(rows[0]))}4"


def test_hidden_questions_keep_their_column(client, answered):
    event, ids = answered
    client.post(f"/organiser/events/{event.id}/questions/{ids['cluster']}/remove")
    header, *_rows = _csv_rows(client, event)
    assert "Cluster" in header


def test_exports_without_questions_are_unchanged(client, make_event, signed_in_organiser):
    event = make_event(owner_id=signed_in_organiser)
    header, *rows = _csv_rows(client, event)
    assert len(header) == len(COLUMNS)  # no answer columns
    assert rows == []


def _registration_id(app, email: str) -> int:
    from webapp.extensions import db
    from webapp.registration.models import Registration

    with app.app_context():
        return db.session.scalar(sa.select(Registration.id).where(Registration.email == email))


def test_the_attendee_page_shows_and_corrects_the_answers(app, client, answered):
    event, ids = answered
    registration_id = _registration_id(app, "ana@example.org")
    url = f"/organiser/events/{event.id}/attendees/{registration_id}"
    html = client.get(url).get_data(as_text=True)
    facts = html[html.index('class="event-facts answers"') :]
    assert "<dt>Workshops</dt>" in facts and "<dd>Energy; Water</dd>" in facts
    assert "<dd>Cleantech</dd>" in facts
    response = client.post(
        f"{url}/answers",
        data={
            f"q_{ids['workshop']}": [],
            f"q_{ids['cluster']}": "Maritime",
            f"q_{ids['team']}": "7",
        },
    )
    assert response.status_code == 302
    answers = stored_answers(app, registration_id)
    assert answers[ids["cluster"]][0] == "Maritime"
    assert answers[ids["team"]][1] == 7
    assert ids["workshop"] not in answers or answers[ids["workshop"]][3] == ()


def test_an_organisers_bad_answer_is_refused_and_nothing_changes(app, client, answered):
    event, ids = answered
    registration_id = _registration_id(app, "ana@example.org")
    before = stored_answers(app, registration_id)
    url = f"/organiser/events/{event.id}/attendees/{registration_id}/answers"
    bad = {f"q_{ids['team']}": "nan", f"q_{ids['workshop']}": ["999999"]}
    response = client.post(url, data=bad)
    assert response.status_code == 422
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert stored_answers(app, registration_id) == before

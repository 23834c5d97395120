"""The registrations endpoint: every field, answers, and cursor pages a CRM syncs by."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.api_support import bearer, make_token
from tests.organiser_support import add_registrations, make_organiser
from tests.question_support import add_question, spec
from tests.registration_support import register
from webapp.api import cursors
from webapp.db import begin_write, now_utc
from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.registration import answers as answer_service
from webapp.registration.answers import Answer
from webapp.registration.models import Registration, RegistrationStatus


@pytest.fixture
def crm(app, make_event):
    """(event, bearer headers, url of its registrations) for an organiser's event."""
    organiser_id = make_organiser(app, "crm@cluster.example")
    event = make_event(
        owner_id=organiser_id, capacity=50, format=EventFormat.IN_PERSON, venue_name="Hall A"
    )
    headers = bearer(make_token(app, organiser_id))
    return event, headers, f"/api/v1/organiser/events/{event.id}/registrations"


def _all_pages(client, url: str, headers: dict, limit: int, query: str = "") -> list[dict]:
    """Every registration, following next_cursor; checks the pages' own links."""
    items, cursor, pages = [], None, 0
    while True:
        page_url = f"{url}?limit={limit}{query}" + (f"&cursor={quote(cursor)}" if cursor else "")
        response = client.get(page_url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json
        items += body["items"]
        cursor, pages = body["next_cursor"], pages + 1
        if cursor is None:
            assert body["links"]["next"] is None and "Link" not in response.headers
            return items
        assert body["links"]["next"].endswith(f"cursor={cursor}&limit={limit}" + query) or (
            f"cursor={cursor}" in body["links"]["next"]
        )
        assert pages < 100


def test_every_field_of_a_registration_with_its_answers(app, client, crm):
    event, headers, url = crm
    topic, options = add_question(app, event.id, spec("multiple_choice", "Topics", "AI", "Energy"))
    size, _ = add_question(app, event.id, spec("number", "Team size"))
    dinner, _ = add_question(app, event.id, spec("checkbox", "Dinner"))
    registration_id, _, _ = register(
        app,
        event.id,
        "ana@example.org",
        role="Analyst",
        needs="Step-free access",
        language="da",
        answers=(
            Answer(topic, option_ids=(options["AI"], options["Energy"])),
            Answer(size, number=3.5),
            Answer(dinner, checked=True),
        ),
    )
    [item] = client.get(url, headers=headers).json["items"]
    assert item["id"] == registration_id and item["event_id"] == event.id
    assert (item["first_name"], item["last_name"], item["email"]) == (
        "Ana",
        "Martín",
        "ana@example.org",
    )
    assert (item["organisation"], item["role"], item["country"]) == (
        "Cluster Andalucía",
        "Analyst",
        "ES",
    )
    assert (item["status"], item["held"], item["hold_expired"]) == ("confirmed", False, False)
    assert (item["language"], item["source"], item["needs"]) == ("da", "form", "Step-free access")
    assert item["attendance_mode"] == "in_person"
    assert item["confirmed_at"].endswith("Z") and item["created_at"].endswith("Z")
    assert item["checked_in_at"] is None and item["cancelled_at"] is None
    answers = {answer["label"]: answer for answer in item["answers"]}
    assert answers["Topics"]["choices"] == ["AI", "Energy"]
    assert answers["Topics"]["kind"] == "multiple_choice"
    assert answers["Team size"]["number"] == 3.5
    assert answers["Dinner"]["checked"] is True
    assert [a["label"] for a in item["answers"]] == ["Topics", "Team size", "Dinner"]


def test_equal_updated_at_rows_are_neither_skipped_nor_repeated(app, client, crm):
    event, headers, url = crm
    # As one transaction writes them (an import, a bulk action): one updated_at for all.
    stamp = now_utc()
    ids = add_registrations(app, event.id, [{"updated_at": stamp} for _ in range(7)])
    with app.app_context():
        stamps = set(db.session.scalars(sa.select(Registration.updated_at)))
    assert len(stamps) == 1
    for limit in (1, 2, 3, 7, 8):
        assert [item["id"] for item in _all_pages(client, url, headers, limit)] == ids


def test_pages_follow_updated_at_then_id_and_changes_come_last(app, client, crm, clock):
    event, headers, url = crm
    ids = add_registrations(app, event.id, [{"updated_at": now_utc()} for _ in range(4)])
    clock.shift(timedelta(minutes=1))
    with app.app_context():
        begin_write(db.session)
        db.session.get(Registration, ids[1]).checked_in_at = now_utc()
        db.session.commit()
    listed = _all_pages(client, url, headers, 2)
    assert [item["id"] for item in listed] == [ids[0], ids[2], ids[3], ids[1]]
    assert listed[-1]["checked_in_at"] is not None


def test_updated_since_gives_what_changed(app, client, crm, clock):
    event, headers, url = crm
    ids = add_registrations(app, event.id, [{} for _ in range(3)])
    clock.shift(timedelta(minutes=5))
    since = now_utc()
    clock.shift(timedelta(seconds=1))
    with app.app_context():
        begin_write(db.session)
        cancelled = db.session.get(Registration, ids[2])
        cancelled.status, cancelled.cancelled_at = RegistrationStatus.CANCELLED, now_utc()
        db.session.commit()
    query = "&updated_since=" + quote(since.isoformat())
    changed = _all_pages(client, url, headers, 10, query)
    assert [(item["id"], item["status"]) for item in changed] == [(ids[2], "cancelled")]
    assert [i["id"] for i in _all_pages(client, url, headers, 1, "&status=confirmed")] == ids[:2]


def test_changed_answers_bring_a_registration_back_into_the_sync(app, client, crm, clock):
    event, headers, url = crm
    question, _ = add_question(app, event.id, spec("short_text", "Company size"))
    registration_id, _, _ = register(app, event.id, answers=(Answer(question, text="10"),))
    clock.shift(timedelta(minutes=5))
    since = now_utc()
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        answer_service.set_answers(registration, [question], (Answer(question, text="250"),))
        db.session.commit()
    query = "&updated_since=" + quote(since.isoformat())
    [item] = _all_pages(client, url, headers, 10, query)
    assert item["answers"][0]["text"] == "250"


def test_an_empty_event_is_one_empty_page(client, crm):
    _event, headers, url = crm
    body = client.get(url, headers=headers).json
    assert body == {"items": [], "next_cursor": None, "links": {"next": None}}


@pytest.mark.parametrize(
    "query",
    [
        "cursor=nonsense",
        "cursor=WzEsIjIwMjYtMTItMDZUMjA6MTY6MjEuNTUwNjE3KzAwOjAwIiwxXQ.tampered",
        "cursor=" + "A" * 401,
        "limit=0",
        "limit=501",
        "limit=nan",
        "limit=" + "9" * 30,
        "updated_since=yesterday",
        "updated_since=2027-02-30T10:00:00Z",
        "updated_since=2027-02-28T10:00:00",  # no offset: ambiguous
        "status=maybe",
    ],
)
def test_bad_parameters_are_4xx_problems(client, crm, query):
    _event, headers, url = crm
    response = client.get(f"{url}?{query}", headers=headers)
    assert response.status_code in (400, 422), response.text
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"]


def test_a_cursor_of_another_event_is_refused(app, client, crm, make_event):
    event, headers, url = crm
    add_registrations(app, event.id, [{}, {}])
    cursor = client.get(f"{url}?limit=1", headers=headers).json["next_cursor"]
    organiser_id = make_organiser(app, "second@cluster.example")
    other = make_event(owner_id=organiser_id)
    other_headers = bearer(make_token(app, organiser_id))
    response = client.get(
        f"/api/v1/organiser/events/{other.id}/registrations?cursor={quote(cursor)}",
        headers=other_headers,
    )
    assert response.status_code == 400
    assert "another event" in response.json["detail"]


def test_a_cursor_signed_with_another_key_is_refused(app, client, crm):
    event, headers, url = crm
    forged = cursors.encode("not-our-key", event.id, now_utc(), 1)
    response = client.get(f"{url}?cursor={quote(forged)}", headers=headers)
    assert response.status_code == 400


def test_a_cursor_past_deleted_rows_still_continues(app, client, crm):
    event, headers, url = crm
    ids = add_registrations(app, event.id, [{} for _ in range(4)])
    cursor = client.get(f"{url}?limit=2", headers=headers).json["next_cursor"]
    with app.app_context():
        begin_write(db.session)
        db.session.execute(sa.delete(Registration).where(Registration.id == ids[1]))
        db.session.commit()
    rest = client.get(f"{url}?limit=2&cursor={quote(cursor)}", headers=headers).json
    assert [item["id"] for item in rest["items"]] == ids[2:]

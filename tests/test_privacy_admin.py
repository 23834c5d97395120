"""Admins export and erase one person's data from the organiser area; both are audited."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.organiser_support import make_organiser, sign_in
from tests.privacy_support import database_text
from tests.registration_support import register, registrations
from webapp.audit import AuditEntry
from webapp.extensions import db

ADMIN = "admin@convene.example"
PERSON = "Zoe.Lefevre@Example.fr"


@pytest.fixture
def admin(app, client):
    organiser_id = make_organiser(app, ADMIN, admin=True)
    sign_in(client, ADMIN)
    return organiser_id


@pytest.fixture
def person(app, make_event):
    """Zoë registered at two events of other organisers; the first is full, Bo waits."""
    first = make_event(title="Blue Economy Forum", capacity=1)
    second = make_event(title="Space Tech Day", capacity=10)
    ids = [
        register(app, first.id, PERSON, first_name="Zoë", last_name="Lefèvre")[0],
        register(app, second.id, PERSON.lower(), first_name="Zoë", last_name="Lefèvre")[0],
    ]
    register(app, first.id, "bo@example.dk", first_name="Bo")
    return first, second, ids


def _audit(app, action):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_looking_up_lists_the_person_registrations_across_events(client, admin, person):
    page = client.post("/organiser/admin/people", data={"email": "ZOE.lefevre@example.fr"})
    assert page.status_code == 200
    assert "Blue Economy Forum" in page.text and "Space Tech Day" in page.text
    assert page.text.count("<tr>") == 3
    empty = client.post("/organiser/admin/people", data={"email": "nobody@example.org"})
    assert "We hold no registrations for this address." in empty.text


def test_export_downloads_everything_and_is_audited_without_the_address(app, client, admin, person):
    _first, _second, ids = person
    response = client.post("/organiser/admin/people/export", data={"email": PERSON})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data.decode("utf-8"))
    assert [r["id"] for r in data["registrations"]] == ids
    assert {r["first_name"] for r in data["registrations"]} == {"Zoë"}
    (entry,) = _audit(app, "privacy.subject_exported")
    assert entry.actor_id == admin
    assert entry.details_dict == {"count": 2, "registration_ids": ids}
    assert PERSON.lower() not in entry.details.lower()


def test_erase_asks_first_then_cancels_promotes_erases_and_audits(app, client, admin, person):
    first, _second, ids = person
    before = database_text(app)
    confirm = client.post("/organiser/admin/people/erase", data={"email": PERSON})
    assert confirm.status_code == 200 and "has 2 registrations" in confirm.text
    assert database_text(app) == before

    response = client.post("/organiser/admin/people/erase", data={"email": PERSON, "confirm": "y"})
    assert response.status_code == 303
    assert (
        "2 registrations and every message about them are erased"
        in client.get(response.headers["Location"]).text
    )
    assert registrations(app, first.id) == [("bo@example.dk", "confirmed")]
    text = database_text(app)
    assert PERSON.lower() not in text.lower()
    for value in ("Zoë", "Lefèvre"):
        assert value not in text
    (entry,) = _audit(app, "privacy.subject_erased")
    assert entry.actor_id == admin and entry.details_dict["registration_ids"] == ids

    again = client.post("/organiser/admin/people/erase", data={"email": PERSON, "confirm": "y"})
    assert "nothing left to erase" in client.get(again.headers["Location"]).text
    assert len(_audit(app, "privacy.subject_erased")) == 1


@pytest.mark.parametrize("url", ["/organiser/admin/people", "/organiser/admin/people/export"])
@pytest.mark.parametrize("email", ["", "not an address", "a@b\nc.org"])
def test_bad_addresses_are_refused_with_a_message(app, client, admin, url, email):
    response = client.post(url, data={"email": email})
    assert response.status_code == 422
    assert 'class="error-message"' in response.text
    assert _audit(app, "privacy.subject_exported") == []


def test_other_organisers_find_no_such_pages(app, client, signed_in_organiser, person):
    assert client.get("/organiser/admin/people").status_code == 404
    for path in ("", "/export", "/erase"):
        data = {"email": PERSON, "confirm": "y"}
        assert client.post(f"/organiser/admin/people{path}", data=data).status_code == 404
    assert len(registrations(app, person[0].id)) == 2
    assert 'href="/organiser/admin/people"' not in client.get("/organiser/events").text


def test_admins_find_the_pages_under_administration(client, admin):
    assert 'href="/organiser/admin"' in client.get("/organiser/events").text
    page = client.get("/organiser/admin").text
    assert 'href="/organiser/admin/people"' in page and 'href="/organiser/admin/privacy"' in page

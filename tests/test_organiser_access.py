"""Who may see what: every organiser URL answers 404 for events and registrations of others."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.organiser_support import (
    add_registrations,
    make_organiser,
    share_event,
    sign_in,
)
from tests.question_support import add_question, spec
from webapp.db import begin_write
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.organiser.attendee_views import ACTIONS
from webapp.organiser.views import OPEN_ENDPOINTS

OWNER, OTHER, ADMIN = "owner@cluster.example", "other@cluster.example", "admin@cluster.example"


def _routes(app, *, with_arg: str | None = None) -> list[tuple[str, str, set[str]]]:
    """(endpoint, rule, methods) of every organiser route, optionally only with an argument."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("organiser."):
            continue
        if with_arg is not None and with_arg not in rule.arguments:
            continue
        found.append((rule.endpoint, rule, (rule.methods or set()) - {"HEAD", "OPTIONS"}))
    return found


def _url(rule, **values) -> str:
    values = {"action": "check-in", "token": "x", "pending_id": 1, "token_id": 1, **values}
    values = {name: values[name] for name in rule.arguments if name in values}
    return rule.build(values, append_unknown=False)[1]


def _urls(rule, **values) -> list[str]:
    """The URL of the rule; one per action for the attendee actions."""
    if "action" not in rule.arguments:
        return [_url(rule, **values)]
    return [_url(rule, action=action, **values) for action in ACTIONS]


EVENT_ENDPOINTS = {
    "organiser.event_detail",
    "organiser.event_edit",
    "organiser.event_publish",
    "organiser.event_unpublish",
    "organiser.event_cancel",
    "organiser.event_postpone_confirm",
    "organiser.event_postpone",
    "organiser.event_keep_date",
    "organiser.event_duplicate",
    "organiser.co_organiser_add",
    "organiser.co_organiser_remove",
    "organiser.attendee_list",
    "organiser.attendee_action",
    "organiser.attendee_cancel_confirm",
    "organiser.export_csv",
    "organiser.export_xlsx",
    "organiser.questions",
    "organiser.question_add",
    "organiser.question_edit",
    "organiser.question_move",
    "organiser.question_remove",
    "organiser.question_restore",
    "organiser.attendee_detail",
    "organiser.attendee_correct",
    "organiser.attendee_answers",
    "organiser.attendee_add_form",
    "organiser.attendee_add",
    "organiser.import_form",
    "organiser.import_upload",
    "organiser.import_confirm",
    "organiser.after_event",
    "organiser.save_materials",
    "organiser.save_follow_up",
    "organiser.event_log",
}


@pytest.fixture
def world(app):
    """Two organisers, an admin, and one event each for the two organisers, with attendees."""
    owner = make_organiser(app, OWNER)
    other = make_organiser(app, OTHER)
    make_organiser(app, ADMIN, admin=True)
    ids = {}
    with app.app_context():
        begin_write(db.session)
        from tests.conftest import build_event

        for name, owner_id in (("mine", owner), ("theirs", other)):
            event = build_event(owner_id=owner_id, status=EventStatus.PUBLISHED, capacity=10)
            db.session.add(event)
            db.session.flush()
            ids[name] = event.id
        db.session.commit()
    ids["my_registration"] = add_registrations(app, ids["mine"], [{}])[0]
    ids["their_registration"] = add_registrations(app, ids["theirs"], [{}])[0]
    ids["their_question"], _ = add_question(app, ids["theirs"], spec("short_text", "Cluster?"))
    ids.update(owner=owner, other=other)
    return ids


def _state(app) -> list[tuple]:
    with app.app_context():
        return list(db.session.execute(sa.select(Event.id, Event.status, Event.sequence)))


def test_every_event_url_is_404_for_another_organisers_event(app, client, world):
    sign_in(client, OWNER)
    before = _state(app)
    routes = _routes(app, with_arg="event_id")
    assert {endpoint for endpoint, _, _ in routes} == EVENT_ENDPOINTS  # new routes get tested
    for endpoint, rule, methods in routes:
        for url in _urls(
            rule,
            event_id=world["theirs"],
            registration_id=world["their_registration"],
            organiser_id=world["other"],
            question_id=world["their_question"],
        ):
            for method in methods:
                response = client.open(url, method=method, data={"email": OWNER})
                assert response.status_code == 404, (endpoint, method, url)
    assert _state(app) == before


def test_a_registration_of_another_event_is_404_under_my_event(app, client, world):
    sign_in(client, OWNER)
    for endpoint, rule, methods in _routes(app, with_arg="registration_id"):
        for url in _urls(rule, event_id=world["mine"], registration_id=world["their_registration"]):
            for method in methods:
                assert client.open(url, method=method).status_code == 404, (endpoint, url)
        mine = _url(rule, event_id=world["mine"], registration_id=world["my_registration"])
        # Found (a form posted empty is found too, and refused as invalid).
        assert client.open(mine, method=sorted(methods)[0]).status_code in (200, 302, 422)


def test_unknown_ids_are_404_too(app, client, world):
    sign_in(client, OWNER)
    for endpoint, rule, methods in _routes(app, with_arg="event_id"):
        for url in _urls(
            rule,
            event_id=999_999,
            registration_id=999_999,
            organiser_id=999_999,
            question_id=999_999,
        ):
            for method in methods:
                assert client.open(url, method=method).status_code == 404, (endpoint, url)


def test_my_own_and_co_organised_events_are_visible(app, client, world):
    sign_in(client, OWNER)
    listing = client.get("/organiser/events").get_data(as_text=True)
    assert f'/organiser/events/{world["mine"]}"' in listing
    assert f'/organiser/events/{world["theirs"]}"' not in listing
    share_event(app, world["theirs"], world["owner"])
    assert client.get(f"/organiser/events/{world['theirs']}").status_code == 200
    assert client.get(f"/organiser/events/{world['theirs']}/attendees").status_code == 200
    listing = client.get("/organiser/events").get_data(as_text=True)
    assert f'/organiser/events/{world["theirs"]}"' in listing


def test_an_admin_sees_and_manages_every_event(app, client, world):
    sign_in(client, ADMIN)
    listing = client.get("/organiser/events").get_data(as_text=True)
    assert f'/organiser/events/{world["mine"]}"' in listing
    assert f'/organiser/events/{world["theirs"]}"' in listing
    for event_id in (world["mine"], world["theirs"]):
        assert client.get(f"/organiser/events/{event_id}/attendees.csv").status_code == 200
    assert client.get("/organiser/accounts").status_code == 200
    hub = client.get("/organiser/admin")
    assert hub.status_code == 200
    for path in (
        "/organiser/accounts",
        "/organiser/admin/security",
        "/organiser/audit",
        "/organiser/admin/privacy",
        "/organiser/admin/people",
        "/organiser/admin/embedding",
        "/organiser/admin/webhooks",
    ):
        assert f'href="{path}"' in hub.text
        assert client.get(path).status_code == 200


def test_admin_pages_do_not_exist_for_other_organisers(app, client, world):
    sign_in(client, OWNER)
    for endpoint, rule, methods in _routes(app):
        if not endpoint.startswith(
            ("organiser.account_", "organiser.audit_log", "organiser.admin")
        ):
            continue
        url = _url(rule, organiser_id=world["other"])
        for method in methods:
            assert client.open(url, method=method, data={"active": "0"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in_from_every_url(app, client, world):
    for endpoint, rule, methods in _routes(app):
        if endpoint in OPEN_ENDPOINTS:
            continue
        url = _url(
            rule,
            event_id=world["mine"],
            registration_id=world["my_registration"],
            organiser_id=world["owner"],
            question_id=world["their_question"],
        )
        for method in methods:
            response = client.open(url, method=method)
            assert response.status_code == 302, (endpoint, method)
            assert response.headers["Location"].startswith("/organiser/sign-in")

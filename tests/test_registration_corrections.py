"""An attendee corrects their own details from the manage page."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest

from tests.organiser_support import csrf_token
from tests.registration_support import register
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventStatus
from webapp.extensions import db
from webapp.registration.models import AttendanceMode, Registration


def _details(**overrides) -> dict:
    data = {
        "first_name": "Ana María",
        "last_name": "Martín-Ruiz",
        "organisation": "Cluster Sevilla",
        "role": "Director",
        "country": "PT",
        "needs": "Vegetarian",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _row(app, registration_id: int) -> Registration:
    with app.app_context():
        row = db.session.get(Registration, registration_id)
        db.session.expunge(row)
        return row


def test_manage_page_offers_the_details_form_prefilled(client, app, make_event):
    _, token, _ = register(app, make_event().id, "ana@example.org", role="Analyst")
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert f'action="/r/{token}/details"' in html
    assert 'value="Martín"' in html and 'value="Analyst"' in html
    assert "ana@example.org" in html
    assert "register again with the new one" in html
    # Needs are asked only of people who attend in person: not at a webinar.
    assert 'name="needs"' not in html


def test_details_are_corrected(client, app, make_event):
    event = make_event(format=EventFormat.IN_PERSON, online_url="", venue_name="Hall A")
    rid, token, _ = register(app, event.id, "ana@example.org")
    response = client.post(f"/r/{token}/details", data=_details())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{token}")
    row = _row(app, rid)
    assert (row.first_name, row.last_name, row.organisation, row.role, row.country, row.needs) == (
        "Ana María",
        "Martín-Ruiz",
        "Cluster Sevilla",
        "Director",
        "PT",
        "Vegetarian",
    )
    assert row.email == "ana@example.org"
    assert "Your details are saved." in client.get(f"/r/{token}").get_data(as_text=True)


def test_the_address_cannot_be_changed_here(client, app, make_event):
    rid, token, _ = register(app, make_event().id, "ana@example.org")
    client.post(f"/r/{token}/details", data=_details(email="other@example.org"))
    assert _row(app, rid).email == "ana@example.org"


def test_needs_are_dropped_for_online_attendees(client, app, make_event):
    event = make_event(format=EventFormat.HYBRID, venue_name="Hall A")
    rid, token, _ = register(app, event.id, attendance_mode=AttendanceMode.ONLINE)
    assert client.post(f"/r/{token}/details", data=_details()).status_code == 303
    assert _row(app, rid).needs == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "Enter your first name."),
        ("last_name", "R2-D2", "Use only letters"),
        ("organisation", "", "Enter your organisation."),
        ("country", "XX", "Select your country from the list."),
        ("role", "x" * 201, "Use at most 200 characters."),
        ("role", "Line\nbreak", "Please remove line breaks"),
    ],
)
def test_bad_input_is_422_and_stores_nothing(client, app, make_event, field, value, message):
    rid, token, _ = register(app, make_event().id, "ana@example.org")
    before = _row(app, rid)
    response = client.post(f"/r/{token}/details", data=_details(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    after = _row(app, rid)
    assert (after.first_name, after.last_name, after.organisation, after.country, after.role) == (
        before.first_name,
        before.last_name,
        before.organisation,
        before.country,
        before.role,
    )


def test_no_corrections_after_cancelling(client, app, make_event):
    rid, token, _ = register(app, make_event().id)
    assert client.post(f"/r/{token}/cancel").status_code == 303
    assert f"/r/{token}/details" not in client.get(f"/r/{token}").get_data(as_text=True)
    assert client.post(f"/r/{token}/details", data=_details()).status_code == 409
    assert _row(app, rid).first_name == "Ana"


def test_no_corrections_once_the_event_is_over(client, app, make_event):
    event = make_event()
    rid, token, _ = register(app, event.id)
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).set_schedule(
            (now_utc() - timedelta(days=2)).replace(tzinfo=None, microsecond=0),
            (now_utc() - timedelta(days=1)).replace(tzinfo=None, microsecond=0),
            "UTC",
        )
        db.session.commit()
    assert f"/r/{token}/details" not in client.get(f"/r/{token}").get_data(as_text=True)
    assert client.post(f"/r/{token}/details", data=_details()).status_code == 409
    assert _row(app, rid).first_name == "Ana"


def test_no_corrections_for_a_cancelled_event(client, app, make_event):
    event = make_event()
    _, token, _ = register(app, event.id)
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).status = EventStatus.CANCELLED
        db.session.commit()
    assert client.post(f"/r/{token}/details", data=_details()).status_code == 409


def test_unknown_token_is_404(client):
    assert client.post("/r/" + "B" * 43 + "/details", data=_details()).status_code == 404


def test_the_invite_carries_the_corrected_name(client, app, make_event):
    _, token, _ = register(app, make_event().id, "ana@example.org")
    before = icalendar.Calendar.from_ical(client.get(f"/r/{token}/invite.ics").data)
    assert "Ana Martín" in _attendee_names(before)
    client.post(f"/r/{token}/details", data=_details(first_name="Anna", last_name="Berg"))
    after = icalendar.Calendar.from_ical(client.get(f"/r/{token}/invite.ics").data)
    assert _attendee_names(after) == ["Anna Berg"]


def _attendee_names(calendar: icalendar.Calendar) -> list[str]:
    return [
        str(attendee.params.get("CN"))
        for component in calendar.walk("VEVENT")
        for attendee in _as_list(component.get("ATTENDEE"))
    ]


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_get_never_changes_details(client, app, make_event):
    rid, token, _ = register(app, make_event().id)
    assert client.get(f"/r/{token}/details").status_code == 405
    assert _row(app, rid).first_name == "Ana"


@pytest.fixture
def csrf_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_csrf_is_required(csrf_config, client, app, make_event):
    rid, token, _ = register(app, make_event().id)
    refused = client.post(f"/r/{token}/details", data=_details())
    assert refused.status_code in (400, 422)
    assert _row(app, rid).first_name == "Ana"
    token_value = csrf_token(client, f"/r/{token}")
    accepted = client.post(f"/r/{token}/details", data={**_details(), "csrf_token": token_value})
    assert accepted.status_code == 303
    assert _row(app, rid).first_name == "Ana María"


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, MANAGE_RATE_LIMIT="3 per minute")
    return app_config


def test_corrections_share_the_manage_pages_rate_limit(limited, client, app, make_event):
    _, token, _ = register(app, make_event().id)
    assert client.get(f"/r/{token}").status_code == 200
    statuses = [client.post(f"/r/{token}/details", data=_details()).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert client.get(f"/r/{token}").status_code == 429

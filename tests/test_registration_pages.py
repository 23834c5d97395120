"""Registration pages: states, PRG, the page after registering, self-service, rate limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.registration_support import form_data, outbox, register, registrations
from webapp.db import now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.registration import services
from webapp.registration.models import Registration


def _register_url(event) -> str:
    return f"/events/{event.slug}/register"


def test_event_page_links_to_the_form(client, make_event):
    event = make_event(capacity=1)
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f'href="{_register_url(event)}"' in page and ">Register</a>" in page


def test_full_event_offers_the_waiting_list(client, app, make_event):
    event = make_event(capacity=1)
    register(app, event.id)
    assert "Join the waiting list</a>" in client.get(f"/events/{event.slug}").get_data(as_text=True)
    form = client.get(_register_url(event)).get_data(as_text=True)
    assert "This event is full" in form and "Join the waiting list</button>" in form


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"registration_opens_at": now_utc() + timedelta(days=2)}, "Registration is not open yet"),
        (
            {"registration_closes_at": now_utc() - timedelta(hours=1)},
            "Registration for this event is closed",
        ),
        ({"status": EventStatus.CANCELLED}, "This event has been cancelled"),
    ],
)
def test_unavailable_registration_says_why_and_offers_no_form(
    client, app, make_event, overrides, says
):
    event = make_event(**overrides)
    page = client.get(_register_url(event))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and says in html
    assert "<form" not in html
    posted = client.post(_register_url(event), data=form_data())
    assert posted.status_code == 409 and says in posted.get_data(as_text=True)
    assert registrations(app, event.id) == [] and outbox(app) == []


def test_not_yet_open_says_when_in_the_event_zone(client, make_event):
    opens = now_utc().replace(microsecond=0) + timedelta(days=2)
    event = make_event(registration_opens_at=opens, timezone="Asia/Tokyo")
    html = client.get(_register_url(event)).get_data(as_text=True)
    assert "It opens on" in html and "JST" in html


def test_draft_and_unknown_events_are_404(client, app, make_event):
    draft = make_event(status=EventStatus.DRAFT)
    assert client.get(_register_url(draft)).status_code == 404
    assert client.post(_register_url(draft), data=form_data()).status_code == 404
    assert client.get("/events/no-such-event/register").status_code == 404
    assert registrations(app, draft.id) == []


def test_post_redirect_get_and_a_refresh_registers_nothing_more(client, app, make_event):
    event = make_event()
    response = client.post(_register_url(event), data=form_data())
    assert response.status_code == 303
    assert response.headers["Location"] == f"/events/{event.slug}/registered"
    for _ in range(2):  # the refresh is a GET of the page after the redirect
        page = client.get(response.headers["Location"])
        assert page.status_code == 200
    assert "ana@example.org" in page.get_data(as_text=True)
    assert len(registrations(app, event.id)) == 1
    assert len(outbox(app)) == 1


def test_the_page_after_registering_never_reveals_a_duplicate(app, make_event):
    event = make_event(capacity=1)
    register(app, event.id, "someone@example.org")  # an earlier registration
    pages = []
    for email in ("someone@example.org", "SOMEONE@example.org", "new@example.org"):
        client = app.test_client()
        response = client.post(_register_url(event), data=form_data(email=email))
        assert response.status_code == 303
        assert response.headers["Location"] == f"/events/{event.slug}/registered"
        html = client.get(response.headers["Location"]).get_data(as_text=True)
        pages.append(html.replace(email.lower(), "EMAIL").replace(email, "EMAIL"))
    assert pages[0] == pages[1] == pages[2]
    # No token leaks into the redirect, the page or the cookie-carried state.
    assert "/r/" not in pages[0]
    assert [status for _, status in registrations(app, event.id)] == ["confirmed", "waitlisted"]


def test_manage_page_shows_status_time_and_links(client, app, make_event):
    event = make_event(capacity=1, timezone="America/New_York")
    _, seat_token, _ = register(app, event.id, "seat@example.org")
    _, wait_token, _ = register(app, event.id, "wait@example.org")

    seat = client.get(f"/r/{seat_token}")
    html = seat.get_data(as_text=True)
    assert seat.status_code == 200
    assert "confirmed" in html and event.title in html
    assert "America/New_York" in html and "18:00" in html
    assert f'href="/r/{seat_token}/invite.ics"' in html
    assert f'href="/r/{seat_token}/cancel"' in html
    assert seat.headers["Cache-Control"] == "no-store"
    assert "noindex" in seat.headers["X-Robots-Tag"]

    waiting = client.get(f"/r/{wait_token}").get_data(as_text=True)
    assert "waiting list" in waiting
    assert re.search(r'class="waitlist-position">1<', waiting)
    assert "invite.ics" not in waiting


@pytest.mark.parametrize(
    "token",
    ["garbage", "A" * 43, "%00", "..%2F..%2Fetc", "x" * 5000, "é" * 43],
)
def test_bad_tokens_are_404(client, app, make_event, token):
    register(app, make_event().id)
    for path in (f"/r/{token}", f"/r/{token}/cancel"):
        assert client.get(path).status_code in (400, 404)
    assert client.post(f"/r/{token}/cancel").status_code in (400, 404)


def test_tampered_token_is_404(client, app, make_event):
    _, token, _ = register(app, make_event().id)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/r/{tampered}").status_code == 404
    assert client.post(f"/r/{tampered}/cancel").status_code == 404
    assert client.get(f"/r/{token}").status_code == 200


def test_get_and_head_never_cancel(client, app, make_event):
    event = make_event()
    _, token, _ = register(app, event.id)
    for method in ("get", "head"):
        for path in (f"/r/{token}", f"/r/{token}/cancel"):
            assert getattr(client, method)(path).status_code == 200
    confirm = client.get(f"/r/{token}/cancel").get_data(as_text=True)
    assert 'method="post"' in confirm and "Yes, cancel my registration" in confirm
    assert [status for _, status in registrations(app, event.id)] == ["confirmed"]
    assert [kind for kind, _, _ in outbox(app)] == ["confirmed"]


def test_cancel_through_the_manage_link_promotes_the_next(client, app, make_event):
    event = make_event(capacity=1)
    _, token, _ = register(app, event.id, "seat@example.org")
    _, wait_token, _ = register(app, event.id, "wait@example.org")

    response = client.post(f"/r/{token}/cancel")
    assert response.status_code == 303 and response.headers["Location"] == f"/r/{token}"
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Your registration has been cancelled." in page and "cancelled" in page
    assert "/cancel" not in page.split("<main", 1)[1]
    assert registrations(app, event.id) == [
        ("seat@example.org", "cancelled"),
        ("wait@example.org", "confirmed"),
    ]
    assert "confirmed" in client.get(f"/r/{wait_token}").get_data(as_text=True)
    # Again: nothing changes, nothing is sent, no error.
    sent = len(outbox(app))
    assert client.post(f"/r/{token}/cancel").status_code == 303
    assert client.get(f"/r/{token}/cancel").status_code == 303
    assert len(outbox(app)) == sent


def test_no_self_cancellation_once_the_event_has_started(client, app, make_event):
    event = make_event()
    _, token, _ = register(app, event.id)
    with app.app_context():
        db.session.get(Event, event.id).set_schedule(
            (now_utc() - timedelta(hours=1)).replace(tzinfo=None, microsecond=0),
            (now_utc() + timedelta(hours=1)).replace(tzinfo=None, microsecond=0),
            "UTC",
        )
        db.session.commit()
    assert f"/r/{token}/cancel" not in client.get(f"/r/{token}").get_data(as_text=True)
    refused = client.post(f"/r/{token}/cancel")
    assert refused.status_code == 409
    assert "can no longer be cancelled online" in refused.get_data(as_text=True)
    assert [status for _, status in registrations(app, event.id)] == ["confirmed"]


def test_cancelled_event_shows_on_the_manage_page(client, app, make_event):
    event = make_event()
    _, token, _ = register(app, event.id)
    with app.app_context():
        db.session.get(Event, event.id).status = EventStatus.CANCELLED
        db.session.commit()
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "The organiser has cancelled this event." in html
    assert "invite.ics" not in html and f"/r/{token}/cancel" not in html


@pytest.fixture
def limited(app_config):
    app_config.update(
        RATELIMIT_ENABLED=True,
        REGISTRATION_RATE_LIMIT="3 per minute",
        MANAGE_RATE_LIMIT="4 per minute",
    )
    return app_config


def test_registration_posts_are_rate_limited(limited, client, app, make_event):
    event = make_event()
    statuses = [
        client.post(_register_url(event), data=form_data(email=f"p{i}@example.org")).status_code
        for i in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    blocked = client.post(_register_url(event), data=form_data(email="late@example.org"))
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    assert len(registrations(app, event.id)) == 3
    # Reading the form is not limited by the POST budget.
    assert client.get(_register_url(event)).status_code == 200
    # Another client address has its own budget.
    other = client.post(
        _register_url(event),
        data=form_data(email="other@example.org"),
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 303


def test_manage_pages_share_one_rate_limit(limited, client, app, make_event):
    _, token, _ = register(app, make_event().id)
    statuses = [client.get(f"/r/{token}").status_code for _ in range(2)]
    statuses += [client.get("/r/" + "B" * 43).status_code]  # guesses count too
    statuses += [client.get(f"/r/{token}/cancel").status_code]
    statuses += [client.get(f"/r/{token}").status_code]
    assert statuses == [200, 200, 404, 200, 429]
    assert client.post(f"/r/{token}/cancel").status_code == 429


def test_demo_event_register_and_cancel_end_to_end(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    client = app.test_client()
    slug = "smart-regions-conference"  # hybrid, in Brussels
    assert "Register" in client.get(f"/events/{slug}").get_data(as_text=True)
    response = client.post(
        f"/events/{slug}/register",
        data=form_data(first_name="Zoë", last_name="Ó Briain", attendance_mode="in_person"),
    )
    assert response.status_code == 303
    assert "Check your email" in client.get(response.headers["Location"]).get_data(as_text=True)

    with app.app_context():
        registration = db.session.scalars(sa.select(Registration)).one()
        token = services.manage_token(registration)
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Zoë Ó Briain" in page and "confirmed" in page and "Europe/Brussels" in page
    assert client.post(f"/r/{token}/cancel").status_code == 303
    assert "cancelled" in client.get(f"/r/{token}").get_data(as_text=True)
    assert [kind for kind, _, _ in outbox(app)] == ["confirmed", "cancelled"]


def test_online_demo_webinar_fills_up_into_the_waiting_list(app, runner):
    runner.invoke(args=["demo", "load"])
    slug = "towards-european-strategic-cluster-partnerships"  # capacity 5
    for i in range(7):
        client = app.test_client()
        response = client.post(
            f"/events/{slug}/register", data=form_data(email=f"p{i}@example.org")
        )
        assert response.status_code == 303
    with app.app_context():
        event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == slug))
    assert [s for _, s in registrations(app, event_id)].count("waitlisted") == 2

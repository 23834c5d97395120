"""Every answer behind a manage token (/r/<token>...) keeps the token to itself: no Referer,
no cache, no index; the header, not only the page's meta tag, as some clients read only it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.registration_support import register
from webapp.db import begin_write, now_utc
from webapp.events.models import Event
from webapp.extensions import db


def _assert_private(response, name: str = "") -> None:
    assert response.headers.get_all("Referrer-Policy") == ["no-referrer"], name
    assert "no-store" in response.headers["Cache-Control"], name
    assert response.headers["X-Robots-Tag"] == "noindex", name


def _start_an_hour_ago(app, event_id: int) -> None:
    with app.app_context():
        begin_write(db.session)
        start = (now_utc() - timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
        db.session.get(Event, event_id).set_schedule(start, start + timedelta(hours=2), "UTC")
        db.session.commit()


def test_the_manage_pages_and_the_invite_send_no_referrer(client, app, make_event):
    event = make_event()
    _, token, _ = register(app, event.id)
    answers = {
        "manage": client.get(f"/r/{token}"),
        "cancel form": client.get(f"/r/{token}/cancel"),
        "invite": client.get(f"/r/{token}/invite.ics"),
        "cancel": client.post(f"/r/{token}/cancel"),
        "manage after cancelling": client.get(f"/r/{token}"),
        "cancel form when cancelled": client.get(f"/r/{token}/cancel"),
        "cancelled invite": client.get(f"/r/{token}/invite.ics"),
    }
    assert [response.status_code for response in answers.values()] == [
        200,
        200,
        200,
        303,
        200,
        303,
        200,
    ]
    for name, response in answers.items():
        _assert_private(response, name)
    # The calendar file keeps its own caching rule.
    assert answers["invite"].headers["Cache-Control"] == "private, no-store"
    # Public pages keep the site's policy.
    public = client.get(f"/events/{event.slug}")
    assert public.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_error_answers_behind_a_token_are_private_too(client, app, make_event):
    event = make_event(capacity=1)
    register(app, event.id)
    _, waiting, _ = register(app, event.id)
    started = make_event()
    _, late, _ = register(app, started.id)
    _start_an_hour_ago(app, started.id)
    answers = {
        "unknown token": client.get("/r/" + "A" * 43),
        "no seat yet": client.get(f"/r/{waiting}/invite.ics"),
        "too late to cancel": client.post(f"/r/{late}/cancel"),
    }
    assert [response.status_code for response in answers.values()] == [404, 404, 409]
    for name, response in answers.items():
        _assert_private(response, name)


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, MANAGE_RATE_LIMIT="1 per minute")
    return app_config


def test_rate_limited_answers_behind_a_token_are_private(limited, client, app, make_event):
    _, token, _ = register(app, make_event().id)
    for path in (f"/r/{token}", f"/r/{token}/invite.ics"):  # a budget each
        assert client.get(path).status_code == 200
        refused = client.get(path)
        assert refused.status_code == 429
        _assert_private(refused, path)

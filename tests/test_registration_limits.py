"""Registration rate limits: per client address and event, counting only what went through,
under a per-address flood ceiling; the same budgets whatever URL the form is posted to."""

from __future__ import annotations

import pytest

from tests.registration_support import form_data, registrations
from webapp.registration.views import bp as registration_bp

OFFICE = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture
def limits(app_config):
    """Rate limiting on (TEST_CONFIG turns it off); tests set the limits in app.config."""
    app_config.update(RATELIMIT_ENABLED=True)
    return app_config


def _register(client, event, email: str, *, address=OFFICE, prefix: str = "", **overrides):
    return client.post(
        f"{prefix}/events/{event.slug}/register",
        data=form_data(email=email, **overrides),
        environ_base=address,
    )


def test_twelve_colleagues_from_one_office_register_for_two_events(limits, app, make_event):
    summit, webinar = make_event(title="Summit"), make_event(title="Webinar")
    statuses = []
    for number in range(12):
        event = summit if number % 2 else webinar
        client = app.test_client()  # each colleague their own browser, one shared address
        statuses.append(_register(client, event, f"colleague{number}@office.example").status_code)
    assert statuses == [303] * 12
    assert len(registrations(app, summit.id)) == len(registrations(app, webinar.id)) == 6


def test_each_event_has_its_own_budget_of_accepted_registrations(limits, app, make_event):
    app.config["REGISTRATION_RATE_LIMIT"] = "3 per minute"
    summit, webinar = make_event(), make_event()
    client = app.test_client()
    assert [_register(client, summit, f"s{n}@office.example").status_code for n in range(4)] == [
        303,
        303,
        303,
        429,
    ]
    assert _register(client, webinar, "w@office.example").status_code == 303
    other_address = {"REMOTE_ADDR": "192.0.2.7"}
    assert _register(client, summit, "x@home.example", address=other_address).status_code == 303
    assert len(registrations(app, summit.id)) == 4


def test_mistakes_in_the_form_do_not_use_up_the_budget(limits, app, make_event):
    app.config["REGISTRATION_RATE_LIMIT"] = "3 per minute"
    event = make_event()
    client = app.test_client()
    mistakes = [_register(client, event, "not-an-address").status_code for _ in range(5)]
    assert mistakes == [422] * 5
    accepted = [_register(client, event, f"p{n}@office.example").status_code for n in range(3)]
    assert accepted == [303] * 3
    refused = _register(client, event, "late@office.example")
    assert refused.status_code == 429
    assert "Too many requests" in refused.text and "Retry-After" in refused.headers
    assert len(registrations(app, event.id)) == 3


def test_the_flood_ceiling_counts_every_post_of_an_address(limits, app, make_event):
    app.config["REGISTRATION_FLOOD_LIMIT"] = "5 per minute"
    summit, webinar = make_event(), make_event()
    client = app.test_client()
    statuses = [_register(client, summit, "bad").status_code for _ in range(3)]
    statuses += [_register(client, webinar, f"p{n}@office.example").status_code for n in (1, 2)]
    flooded = _register(client, summit, "p3@office.example")
    assert statuses == [422, 422, 422, 303, 303] and flooded.status_code == 429
    assert "Too many requests" in flooded.text and "Please wait a minute" in flooded.text
    assert "Retry-After" in flooded.headers
    assert registrations(app, summit.id) == []
    other = _register(client, summit, "calm@home.example", address={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 303


def test_the_same_form_under_another_url_draws_on_the_same_budgets(limits, app, make_event):
    app.config["REGISTRATION_RATE_LIMIT"] = "3 per minute"
    # As a language prefix will: the registration pages once more, under /da.
    app.register_blueprint(registration_bp, name="registration_da", url_prefix="/da")
    event = make_event()
    client = app.test_client()
    statuses = [
        _register(client, event, "a@office.example").status_code,
        _register(client, event, "b@office.example", prefix="/da").status_code,
        _register(client, event, "c@office.example").status_code,
        _register(client, event, "d@office.example", prefix="/da").status_code,
        _register(client, event, "e@office.example").status_code,
    ]
    assert statuses == [303, 303, 303, 429, 429]
    assert len(registrations(app, event.id)) == 3

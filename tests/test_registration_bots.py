"""Programs posting the registration form get a fake success: nothing stored, nothing sent.

A person needs seconds to fill the form; the form carries a signed stamp of when it was
handed out. Stamps are made with an injected time (`issued_stamp(seconds_ago=...)`), so
no test waits.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import TEST_CONFIG
from tests.registration_support import form_data, issued_stamp, outbox, registrations
from webapp.db import now_utc
from webapp.registration.forms import form_stamp, seconds_since_stamp

SECRET = TEST_CONFIG["SECRET_KEY"]


def _post(client, event, **overrides):
    return client.post(f"/events/{event.slug}/register", data=form_data(**overrides))


def _stamp_on(html: str) -> str:
    match = re.search(r'<input id="issued" name="issued" type="hidden" value="([^"]+)">', html)
    assert match, "no issued stamp in the form"
    return match.group(1)


def _looks_like_success(client, app, event, response, email: str) -> None:
    """The same redirect and page a person gets, and nothing stored or queued."""
    assert response.status_code == 303
    assert response.headers["Location"] == f"/events/{event.slug}/registered"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and email in page.text
    assert registrations(app, event.id) == [] and outbox(app) == []


def test_the_form_carries_a_fresh_signed_stamp(client, make_event):
    event = make_event()
    stamp = _stamp_on(client.get(f"/events/{event.slug}/register").text)
    age = seconds_since_stamp(stamp, now_utc(), SECRET)
    assert age is not None and 0 <= age < 60


def test_a_form_sent_back_after_a_person_s_pace_registers(client, app, make_event):
    event = make_event()
    assert _post(client, event, issued=issued_stamp(seconds_ago=3)).status_code == 303
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]
    assert [kind for kind, _, _ in outbox(app)] == ["confirmed"]


def test_a_form_sent_back_too_fast_is_a_silent_fake_success(client, app, make_event):
    event = make_event()
    response = _post(client, event, email="fast@example.org", issued=issued_stamp(0.5))
    _looks_like_success(client, app, event, response, "fast@example.org")


def test_the_form_s_own_stamp_sent_straight_back_is_too_fast(client, app, make_event):
    app.config["REGISTRATION_MIN_FILL_SECONDS"] = 60  # far more than this test can take
    event = make_event()
    stamp = _stamp_on(client.get(f"/events/{event.slug}/register").text)
    response = _post(client, event, email="script@example.org", issued=stamp)
    _looks_like_success(client, app, event, response, "script@example.org")
    assert _post(client, event, issued=issued_stamp(seconds_ago=61)).status_code == 303
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]


def test_a_page_left_open_for_days_still_registers(client, app, make_event):
    event = make_event()
    assert _post(client, event, issued=issued_stamp(seconds_ago=3 * 86400)).status_code == 303
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("1700000000000", id="unsigned"),
        pytest.param("garbage.with.dots", id="garbage"),
        pytest.param("tampered", id="tampered"),
        pytest.param("other-key", id="signed-with-another-key"),
        pytest.param("future", id="from-the-future"),
    ],
)
def test_a_missing_or_forged_stamp_is_a_silent_fake_success(client, app, make_event, stamp):
    good = issued_stamp(seconds_ago=3)
    stamp = {
        # The stamp claims another moment under the same signature.
        "tampered": str(int(good.split(".")[0]) - 60_000) + "." + good.split(".", 1)[1],
        "other-key": issued_stamp(seconds_ago=3, secret_key="someone-else"),
        "future": form_stamp(now_utc() + timedelta(minutes=5), SECRET),
    }.get(stamp, stamp)
    event = make_event()
    response = _post(client, event, email="bot@example.org", issued=stamp)
    _looks_like_success(client, app, event, response, "bot@example.org")


def test_a_person_correcting_a_mistake_keeps_the_first_stamp(client, app, make_event):
    event = make_event()
    first = issued_stamp(seconds_ago=3)
    wrong = _post(client, event, email="ana@", issued=first)
    assert wrong.status_code == 422
    assert _stamp_on(wrong.text) == first  # a quick fix is not mistaken for a program
    assert _post(client, event, issued=_stamp_on(wrong.text)).status_code == 303
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]


def test_bad_input_from_a_program_is_not_even_validated(client, app, make_event):
    event = make_event()
    response = _post(client, event, email="not an address", issued=issued_stamp(0))
    assert response.status_code == 303
    assert registrations(app, event.id) == [] and outbox(app) == []

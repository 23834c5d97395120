"""An organiser's page for one attendee: details, messages, corrections, undeliverable."""

from __future__ import annotations

import pytest

from tests.mail_support import deliver
from tests.organiser_support import csrf_token, make_organiser, sign_in
from tests.registration_support import register
from webapp.extensions import db
from webapp.registration.models import Registration

NO_SUCH_USER = "550 5.1.1 No such user here"


@pytest.fixture
def event(make_event, signed_in_organiser):
    return make_event(owner_id=signed_in_organiser)


def _url(event, registration_id: int, suffix: str = "") -> str:
    return f"/organiser/events/{event.id}/attendees/{registration_id}{suffix}"


def _edit(**overrides) -> dict:
    data = {
        "first_name": "Ana",
        "last_name": "Martín",
        "email": "ana@example.org",
        "organisation": "Cluster Andalucía",
        "role": "",
        "country": "ES",
        "language": "en",
    }
    data.update(overrides)
    return data


def _row(app, registration_id: int) -> Registration:
    with app.app_context():
        row = db.session.get(Registration, registration_id)
        db.session.expunge(row)
        return row


def test_the_detail_page_shows_everything(app, client, event):
    rid, _, _ = register(app, event.id, "ana@example.org", role="Analyst", language="da")
    html = client.get(_url(event, rid)).get_data(as_text=True)
    for text in ("Ana Martín", "ana@example.org", "Cluster Andalucía", "Analyst", "Spain"):
        assert text in html
    assert "Registration form" in html  # the source
    assert "dansk" in html  # the language of the emails
    assert "Confirmed" in html
    # The confirmation email is listed with its delivery state.
    assert 'class="message message-queued"' in html
    assert f'action="{_url(event, rid, "/resend")}"' in html
    # The list links to the page.
    listing = client.get(f"/organiser/events/{event.id}/attendees").get_data(as_text=True)
    assert f'href="{_url(event, rid)}"' in listing


def test_other_organisers_and_other_events_get_404(app, client, event, make_event):
    rid, _, _ = register(app, event.id)
    other_event = make_event()
    assert client.get(_url(other_event, rid)).status_code == 404
    assert client.get(_url(event, rid + 100)).status_code == 404
    make_organiser(app, "bo@cluster.example")
    client.post("/organiser/sign-out")
    sign_in(client, "bo@cluster.example")
    assert client.get(_url(event, rid)).status_code == 404
    assert client.post(_url(event, rid, "/details"), data=_edit()).status_code == 404


def test_an_organiser_corrects_the_details_and_the_address(app, client, event):
    rid, _, _ = register(app, event.id, "ana@exmaple.org")
    response = client.post(
        _url(event, rid, "/details"),
        data=_edit(email="Ana@Example.org", last_name="Martín Ruiz", country="PT"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_url(event, rid))
    row = _row(app, rid)
    assert (row.email, row.email_key, row.last_name, row.country) == (
        "Ana@example.org",
        "ana@example.org",
        "Martín Ruiz",
        "PT",
    )


def test_an_address_in_use_is_refused_clearly(app, client, event):
    register(app, event.id, "bo@example.org")
    rid, _, _ = register(app, event.id, "ana@example.org")
    response = client.post(_url(event, rid, "/details"), data=_edit(email="BO@example.org"))
    assert response.status_code == 422
    assert "Another registration for this event already uses this address." in (
        response.get_data(as_text=True)
    )
    assert _row(app, rid).email == "ana@example.org"


def test_a_cancelled_registration_does_not_hold_its_address(app, client, event):
    _, token, _ = register(app, event.id, "bo@example.org")
    client.post(f"/r/{token}/cancel")
    rid, _, _ = register(app, event.id, "ana@example.org")
    assert (
        client.post(_url(event, rid, "/details"), data=_edit(email="bo@example.org")).status_code
        == 302
    )
    assert _row(app, rid).email == "bo@example.org"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-address", "Enter a valid email address."),
        ("email", "", "Enter the email address."),
        ("email", "zoë@example.org", "before the @"),
        ("first_name", "", "Enter the first name."),
        ("last_name", "<script>", "Use only letters"),
        ("country", "XX", "Select a country from the list."),
        ("language", "fr", "Choose one of the languages in the list."),
    ],
)
def test_bad_corrections_are_422_and_store_nothing(app, client, event, field, value, message):
    rid, _, _ = register(app, event.id, "ana@example.org")
    response = client.post(_url(event, rid, "/details"), data=_edit(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    row = _row(app, rid)
    assert (row.email, row.first_name, row.last_name, row.country, row.language) == (
        "ana@example.org",
        "Ana",
        "Martín",
        "ES",
        "en",
    )


def test_undeliverable_address_is_marked_corrected_and_resent(app, client, smtp_server, event):
    register(app, event.id, "bo@example.org")
    deliver(app)  # Bo's confirmation goes out
    rid, _, _ = register(app, event.id, "ana@exmaple.org")
    smtp_server.respond_with(NO_SUCH_USER)
    deliver(app)
    smtp_server.respond_with(None)
    listing = f"/organiser/events/{event.id}/attendees"

    html = client.get(listing).get_data(as_text=True)
    assert html.count('class="badge badge-cancelled undeliverable"') == 1
    only = client.get(listing + "?status=undeliverable").get_data(as_text=True)
    assert "ana@exmaple.org" in only and "bo@example.org" not in only
    detail = client.get(_url(event, rid)).get_data(as_text=True)
    assert "could not be delivered" in detail and NO_SUCH_USER in detail

    client.post(_url(event, rid, "/details"), data=_edit(email="ana@example.org"))
    # The failure was at the old address: the new one is not marked.
    assert 'class="notice notice-warn undeliverable"' not in client.get(_url(event, rid)).get_data(
        as_text=True
    )
    response = client.post(_url(event, rid, "/resend"), data={"next": _url(event, rid)})
    assert response.headers["Location"].endswith(_url(event, rid))
    deliver(app)
    received = smtp_server.messages[-1]
    assert received.rcpt_tos == ["ana@example.org"]
    assert received.message["Subject"].startswith("Registration confirmed")
    assert "badge-cancelled undeliverable" not in client.get(listing).get_data(as_text=True)
    assert "ana@example.org" not in client.get(listing + "?status=undeliverable").get_data(
        as_text=True
    )


def test_a_later_delivery_to_the_same_address_clears_the_mark(app, client, smtp_server, event):
    rid, _, _ = register(app, event.id, "ana@example.org")
    smtp_server.respond_with(NO_SUCH_USER)
    deliver(app)
    smtp_server.respond_with(None)
    listing = f"/organiser/events/{event.id}/attendees?status=undeliverable"
    assert "ana@example.org" in client.get(listing).get_data(as_text=True)
    client.post(_url(event, rid, "/resend"))
    deliver(app)
    assert "ana@example.org" not in client.get(listing).get_data(as_text=True)


@pytest.fixture
def csrf_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_corrections_need_the_csrf_token(csrf_config, app, client, make_event):
    organiser_id = make_organiser(app, "olga@cluster.example")
    page = client.get("/organiser/sign-in")
    assert page.status_code == 200
    token = csrf_token(client, "/organiser/sign-in")
    client.post(
        "/organiser/sign-in",
        data={
            "email": "olga@cluster.example",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    event = make_event(owner_id=organiser_id)
    rid, _, _ = register(app, event.id, "ana@example.org")
    refused = client.post(_url(event, rid, "/details"), data=_edit(first_name="Anna"))
    assert refused.status_code in (400, 422)
    assert _row(app, rid).first_name == "Ana"
    token = csrf_token(client, _url(event, rid))
    accepted = client.post(
        _url(event, rid, "/details"), data={**_edit(first_name="Anna"), "csrf_token": token}
    )
    assert accepted.status_code == 302
    assert _row(app, rid).first_name == "Anna"

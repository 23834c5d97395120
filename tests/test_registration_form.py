"""The registration form: every field's bad input, Unicode names, CSRF and the honeypot."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.registration_support import form_data, issued_stamp, outbox, registrations
from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.registration import services
from webapp.registration.models import Registration


def _post(client, event, **overrides):
    return client.post(f"/events/{event.slug}/register", data=form_data(**overrides))


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", None, "Enter your first name."),
        ("first_name", "   ", "Enter your first name."),
        ("first_name", "A" * 101, "Use at most 100 characters."),
        (
            "first_name",
            "Ana\nBcc: x@example.org",
            "Please remove line breaks or control characters.",
        ),
        ("first_name", "An\ra", "Please remove line breaks or control characters."),
        ("first_name", "An\x07a", "Please remove line breaks or control characters."),
        ("first_name", "An\u2028a", "Please remove line breaks or control characters."),
        ("first_name", "Ana\u202e", "Please remove line breaks or control characters."),
        ("first_name", "R2-D2", "Use only letters, spaces, apostrophes, hyphens and full stops"),
        ("first_name", "<script>", "Use only letters, spaces, apostrophes, hyphens and full stops"),
        ("first_name", "=cmd|' /C calc'!A0", "Use only letters"),
        ("first_name", "'-.", "Enter a name with at least one letter."),
        ("last_name", None, "Enter your last name."),
        ("last_name", "Martín\n", None),  # trailing whitespace is trimmed, not an error
        ("last_name", "M" * 101, "Use at most 100 characters."),
        ("last_name", "Mart\u0000ín", None),  # NUL is refused before the form (see below)
        ("email", None, "Enter your email address."),
        ("email", "ana", "Enter a valid email address."),
        ("email", "ana@", "Enter a valid email address."),
        ("email", "ana@example", "Enter a valid email address."),
        ("email", "ana@@example.org", "Enter a valid email address."),
        ("email", "ana example@example.org", "Enter a valid email address."),
        ("email", "ana@example.org\r\nBcc: all@example.org", "Please remove line breaks"),
        ("email", "a" * 250 + "@example.org", "Use at most 254 characters."),
        ("email", "zoë@example.org", "Our mail server can only deliver to addresses"),
        ("email", "åsa@bücher.example", "Our mail server can only deliver to addresses"),
        ("organisation", None, "Enter your organisation."),
        ("organisation", "O" * 201, "Use at most 200 characters."),
        ("organisation", "ACME\nInc", "Please remove line breaks or control characters."),
        ("role", "R" * 201, "Use at most 200 characters."),
        ("role", "Lead\tengineer", "Please remove line breaks or control characters."),
        ("country", None, "Select your country."),
        ("country", "", "Select your country."),
        ("country", "XX", "Select your country from the list."),
        ("country", "be", "Select your country from the list."),
        ("consent", None, "You need to agree to the privacy notice to register."),
    ],
)
def test_bad_input_is_refused_next_to_the_field(client, app, make_event, field, value, message):
    event = make_event()
    response = _post(client, event, **{field: value})
    html = response.get_data(as_text=True)
    if "\x00" in (value or ""):
        assert response.status_code == 400
    elif message is None:
        assert response.status_code == 303
        return
    else:
        assert response.status_code == 422
        assert message in _field_error(html, field)
        # The summary at the top links to the field, and the form keeps what was typed.
        assert 'class="error-summary"' in html
        assert f'href="#{field}"' in html
        assert 'value="Cluster Andalucía"' in html or field == "organisation"
    assert registrations(app, event.id) == [] and outbox(app) == []


def test_all_errors_at_once(client, make_event):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data={"issued": issued_stamp()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please correct these 6 problems" in html
    for field in ("first_name", "last_name", "email", "organisation", "country", "consent"):
        assert _field_error(html, field)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("José", "Núñez"),
        ("Zoë", "O'Brien"),
        ("Seán", "O’Sullivan"),
        ("Anne-Marie", "Saint-Exupéry"),
        ("J. R. R.", "Tolkien"),
        ("伟", "张"),
        ("محمد", "العلي"),
        ("Ἀλέξανδρος", "Παπαδόπουλος"),
        ("Дмитрий", "Шостакович"),
        ("हर्ष", "वर्धन"),
        ("فرزانه", "می\u200cخواهم"),  # Persian with a zero-width non-joiner
        ("Nguyễn", "Thị Minh Khai"),
    ],
)
def test_names_in_every_script_are_accepted(client, app, make_event, first, last):
    event = make_event()
    response = _post(client, event, first_name=f"  {first} ", last_name=last)
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.execute(
            sa.select(Registration.first_name, Registration.last_name)
        ).one()
    assert tuple(stored) == (first, last)


def test_email_is_normalised_and_input_trimmed(client, app, make_event):
    event = make_event()
    response = _post(
        client, event, email="  Ana.Martin@EXAMPLE.org ", organisation="  Cluster\u00a0X  "
    )
    assert response.status_code == 303
    assert registrations(app, event.id) == [("Ana.Martin@example.org", "confirmed")]


def test_internationalised_email_is_accepted(client, app, make_event):
    # Non-ASCII before the @ is always refused: see tests/test_mail_addresses.py.
    event = make_event()
    assert _post(client, event, email="jose@bücher.example").status_code == 303
    assert registrations(app, event.id) == [("jose@bücher.example", "confirmed")]


def test_hybrid_events_ask_how_people_attend(client, app, make_event):
    event = make_event(format=EventFormat.HYBRID, venue_name="The Square")
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "How will you attend?" in page and 'name="needs"' in page

    missing = _post(client, event)
    assert missing.status_code == 422
    assert _field_error(missing.get_data(as_text=True), "attendance_mode") == (
        "Choose how you will attend."
    )
    wrong = _post(client, event, attendance_mode="teleport")
    assert wrong.status_code == 422
    assert "Choose in person or online." in wrong.get_data(as_text=True)

    ok = _post(client, event, attendance_mode="in_person", needs="Wheelchair\nVegan")
    assert ok.status_code == 303
    with app.app_context():
        registration = db.session.scalars(sa.select(Registration)).one()
        assert (registration.attendance_mode.value, registration.needs) == (
            "in_person",
            "Wheelchair\nVegan",
        )


def test_needs_field_limits(client, make_event):
    event = make_event(format=EventFormat.IN_PERSON, venue_name="Haus am Dom")
    too_long = _post(client, event, needs="n" * 1001)
    assert too_long.status_code == 422
    assert _field_error(too_long.get_data(as_text=True), "needs") == "Use at most 1000 characters."
    control = _post(client, event, needs="diet\x1b[31m")
    assert (
        _field_error(control.get_data(as_text=True), "needs") == "Please remove control characters."
    )


def test_online_events_ask_neither_mode_nor_needs(client, make_event):
    event = make_event(format=EventFormat.ONLINE)
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'name="attendance_mode"' not in page and 'name="needs"' not in page
    assert 'href="/privacy"' in page
    assert 'autocomplete="given-name"' in page and 'type="email"' in page


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client, app, make_event):
    event = make_event()
    human = client.post(f"/events/{event.slug}/register", data=form_data(email="bot@example.org"))
    bot_client = app.test_client()
    bot = bot_client.post(
        f"/events/{event.slug}/register",
        data=form_data(email="bot2@example.org", leave_blank="http://spam.example"),
    )
    assert bot.status_code == human.status_code == 303
    assert bot.headers["Location"] == human.headers["Location"]
    page = bot_client.get(bot.headers["Location"])
    assert page.status_code == 200 and "bot2@example.org" in page.get_data(as_text=True)
    assert registrations(app, event.id) == [("bot@example.org", "confirmed")]
    assert len(outbox(app)) == 1


@pytest.fixture
def csrf_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_csrf_is_enforced_end_to_end(csrf_config, client, app, make_event):
    event = make_event()
    url = f"/events/{event.slug}/register"
    token = _csrf_token(client.get(url).get_data(as_text=True))

    missing = client.post(url, data=form_data())
    assert missing.status_code == 400
    assert "Your form expired or was sent from another page" in missing.get_data(as_text=True)
    wrong = client.post(url, data=form_data(csrf_token=token[:-2] + "xx"))
    assert wrong.status_code == 400
    assert registrations(app, event.id) == []

    right = client.post(url, data=form_data(csrf_token=token))
    assert right.status_code == 303
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]

    # The cancel form carries its own token too.
    with app.app_context():
        manage_token = services.manage_token(db.session.scalars(sa.select(Registration)).one())
    confirm = client.get(f"/r/{manage_token}/cancel").get_data(as_text=True)
    assert client.post(f"/r/{manage_token}/cancel").status_code == 400
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]
    cancel_token = re.search(r'name="csrf_token" value="([^"]+)"', confirm).group(1)
    done = client.post(f"/r/{manage_token}/cancel", data={"csrf_token": cancel_token})
    assert done.status_code == 303
    assert registrations(app, event.id) == [("ana@example.org", "cancelled")]

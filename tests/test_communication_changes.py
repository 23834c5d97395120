"""Change emails say what changed: the time in the event's zone (across a DST change too),
the place, the format, that the join link changed (never the link), and the organiser's
note, each in the attendee's language; the invite updates the same calendar entry."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import local
from tests.mail_support import calendar_of, deliver
from tests.organiser_support import event_form_data
from tests.registration_support import register
from webapp.extensions import db
from webapp.mail import fanout
from webapp.mail.models import Announcement, OutboxMessage
from webapp.registration.models import AttendanceMode

MEETING = "https://meet.example.org/secret-room"


def _event(make_event, organiser_id: int, **overrides):
    values = {"start_local": local("2027-02-28 18:00"), "owner_id": organiser_id}
    return make_event(**{**values, **overrides})


def _edit(client, event_id: int, **overrides):
    """Save the event form with the sample event's time and place unless overridden."""
    data = event_form_data(
        start_date="2027-02-28",
        start_time="18:00",
        end_date="2027-02-28",
        end_time="19:30",
        online_url=MEETING,
        capacity="",
    )
    data.update(overrides)
    return client.post(f"/organiser/events/{event_id}/edit", data=data)


def _change_mails(smtp_server, before: int) -> dict:
    """The change emails received after `before`, by recipient: (text, html, message)."""
    found = {}
    for mail in smtp_server.messages[before:]:
        message = mail.message
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = message.get_body(("html",)).get_content()
        found[mail.rcpt_tos[0]] = (text, html, message)
    return found


def test_a_new_hour_reads_was_and_now_in_the_event_zone(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(make_event, signed_in_organiser)
    register(app, event.id, "ana@example.org")
    deliver(app)
    before = len(smtp_server.messages)
    first_invite = calendar_of(smtp_server.messages[0].message).walk("VEVENT")[0]

    response = _edit(client, event.id, start_time="17:00", end_time="18:30")
    assert response.status_code == 302
    deliver(app)
    text, html, message = _change_mails(smtp_server, before)["ana@example.org"]
    line = "Was: Sun 28 Feb 2027, 18:00–19:30 CET · Now: 17:00–18:30 CET"
    assert "What changed:" in text and f"- {line}" in text
    assert line in html
    assert "Message from the organiser" not in text  # none was given
    invite = calendar_of(message).walk("VEVENT")[0]
    assert invite["UID"] == first_invite["UID"]
    assert invite["SEQUENCE"] > first_invite["SEQUENCE"]


def test_across_summer_time_in_two_languages(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(make_event, signed_in_organiser, start_local=local("2027-03-20 18:00"))
    register(app, event.id, "ana@example.org")
    register(app, event.id, "mette@example.org", language="da")
    deliver(app)
    before = len(smtp_server.messages)

    _edit(
        client,
        event.id,
        start_date="2027-04-03",
        end_date="2027-04-03",
        start_time="18:00",
        end_time="19:30",
    )
    deliver(app)
    mails = _change_mails(smtp_server, before)
    english, danish = mails["ana@example.org"][0], mails["mette@example.org"][0]
    assert (
        "Was: Sat 20 Mar 2027, 18:00–19:30 CET · Now: Sat 3 Apr 2027, 18:00–19:30 CEST" in english
    )
    assert "Hvad er ændret:" in danish
    assert (
        "Før: lør. 20. mar. 2027 kl. 18.00–19.30 CET · Nu: lør. 3. apr. 2027 kl. 18.00–19.30 CEST"
        in danish
    )
    assert str(mails["mette@example.org"][2]["Subject"]).startswith("Ændret:")


def test_the_place_and_the_organiser_s_note(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(
        make_event,
        signed_in_organiser,
        format="in_person",
        venue_name="Hall A",
        address="Rue Belliard 1",
        city="Brussels",
        country="BE",
        online_url="",
    )
    register(app, event.id, "ana@example.org", attendance_mode=AttendanceMode.IN_PERSON)
    register(app, event.id, "sven@example.org", language="sv")
    deliver(app)
    before = len(smtp_server.messages)
    note = "The lift is broken: use the <b>stairs</b> on the left.\nSee you there!"

    _edit(
        client,
        event.id,
        format="hybrid",
        venue_name="Hall B",
        address="Rue Belliard 1",
        city="Ghent",
        country="BE",
        online_url=MEETING,
        change_message=note,
    )
    deliver(app)
    mails = _change_mails(smtp_server, before)
    text, html, _message = mails["ana@example.org"]
    assert "- Format: was In person, now Hybrid" in text
    assert "- Venue: was Hall A, now Hall B" in text
    assert "- City: was Brussels, now Ghent" in text
    assert "Address:" not in text  # unchanged
    assert "Message from the organiser:\n" + note in text
    assert "use the &lt;b&gt;stairs&lt;/b&gt;" in html and "<b>stairs" not in html
    swedish = mails["sven@example.org"][0]
    assert "Lokal: var Hall A, nu Hall B" in swedish
    assert "Meddelande från arrangören:" in swedish and note in swedish


def test_a_new_meeting_link_is_announced_but_never_printed(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(
        make_event, signed_in_organiser, format="hybrid", venue_name="Hall A", city="Brussels"
    )
    register(app, event.id, "online@example.org", attendance_mode=AttendanceMode.ONLINE)
    register(app, event.id, "room@example.org", attendance_mode=AttendanceMode.IN_PERSON)
    deliver(app)
    before = len(smtp_server.messages)

    _edit(
        client,
        event.id,
        format="hybrid",
        venue_name="Hall A",
        city="Brussels",
        online_url="https://meet.example.org/new-room",
        change_message="A new meeting room.",
    )
    deliver(app)
    mails = _change_mails(smtp_server, before)
    online_text = mails["online@example.org"][0]
    assert "The join link has changed: use your personal link below." in online_text
    for text, html, mail in mails.values():
        everything = text + html + mail.as_string()
        assert "new-room" not in everything and "secret-room" not in everything
    assert "https://convene.test/join/" in online_text
    assert "join link has changed" not in mails["room@example.org"][0]


def test_only_those_whose_email_carries_a_join_link_are_pointed_to_it(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(make_event, signed_in_organiser, capacity=1)
    register(app, event.id, "ana@example.org")
    register(app, event.id, "bo@example.org")  # online too, but on the waiting list
    deliver(app)
    before = len(smtp_server.messages)

    _edit(client, event.id, online_url="https://meet.example.org/new-room", capacity="1")
    deliver(app)
    mails = _change_mails(smtp_server, before)
    assert "use your personal link below" in mails["ana@example.org"][0]
    waiting_text, waiting_html, _ = mails["bo@example.org"]
    assert "/join/" not in waiting_text + waiting_html
    assert "personal link" not in waiting_text + waiting_html


def test_an_hour_span_across_the_spring_switch_names_each_end_s_zone(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(
        make_event,
        signed_in_organiser,
        start_local=local("2027-03-28 00:30"),
        end_local=local("2027-03-28 01:30"),
    )
    register(app, event.id, "ana@example.org")
    deliver(app)
    before = len(smtp_server.messages)

    dates = {"start_date": "2027-03-28", "end_date": "2027-03-28"}
    _edit(client, event.id, **dates, start_time="01:30", end_time="03:30")  # 2 hours, 1 on clocks
    deliver(app)
    text = _change_mails(smtp_server, before)["ana@example.org"][0]
    assert "Was: Sun 28 Mar 2027, 00:30–01:30 CET · Now: 01:30 CET–03:30 CEST" in text


def test_only_time_and_place_changes_send_mail_and_the_note_alone_sends_nothing(
    app, client, signed_in_organiser, smtp_server, make_event
):
    event = _event(make_event, signed_in_organiser)
    register(app, event.id, "ana@example.org")
    deliver(app)
    before = len(smtp_server.messages)
    response = _edit(client, event.id, title="A new title", change_message="Hello!")
    assert response.status_code == 302
    deliver(app)
    assert smtp_server.messages[before:] == []


def test_a_too_long_note_is_refused_and_nothing_is_stored(
    app, client, signed_in_organiser, make_event
):
    event = _event(make_event, signed_in_organiser)
    register(app, event.id, "ana@example.org")
    response = _edit(client, event.id, start_time="17:00", change_message="x" * 2001)
    assert response.status_code == 422
    assert "Message to attendees about this change" in response.get_data(as_text=True)
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds == ["confirmed"]


def test_a_large_audience_hears_the_same_change_from_the_sender(
    app, client, signed_in_organiser, smtp_server, make_event
):
    app.config["MAIL_INLINE_FANOUT_LIMIT"] = 1
    event = _event(make_event, signed_in_organiser)
    register(app, event.id, "ana@example.org")
    register(app, event.id, "mette@example.org", language="da")
    deliver(app)
    before = len(smtp_server.messages)

    _edit(client, event.id, start_time="17:00", end_time="18:30", change_message="Sorry!")
    with app.app_context():
        (announcement,) = db.session.scalars(sa.select(Announcement)).all()
        assert "Sorry!" in announcement.details
        fanout.expand_announcements()
    deliver(app)
    mails = _change_mails(smtp_server, before)
    assert (
        "Was: Sun 28 Feb 2027, 18:00–19:30 CET · Now: 17:00–18:30 CET"
        in (mails["ana@example.org"][0])
    )
    assert "Nu: 17.00–18.30 CET" in mails["mette@example.org"][0]
    assert "Sorry!" in mails["mette@example.org"][0]

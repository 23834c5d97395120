"""What attendees receive: asserted on the bytes a real SMTP server got."""

from __future__ import annotations

import logging
import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import local
from tests.mail_support import (
    calendar_of,
    deliver,
    header_block,
    leaf_parts,
    mailbox,
    outbox_rows,
    part_of_type,
    queue_row,
)
from tests.registration_support import register
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventKind, EventStatus
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.messages import MessageKind
from webapp.mail.models import OutboxMessage
from webapp.organiser.models import Organiser
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus


def _received_one(smtp_server):
    assert len(smtp_server.messages) == 1
    return smtp_server.messages[0]


def test_confirmation_carries_headers_bodies_and_invite(app, client, smtp_server, make_event):
    event = make_event(
        title="Clusters & regions",
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
        timezone="Europe/Brussels",
    )
    register(app, event.id, "zoe@example.org", first_name="Zoë", last_name="Lefèvre-Ødegård")
    report = deliver(app)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)

    mail = _received_one(smtp_server)
    assert mail.mail_from == "no-reply@convene.test"
    assert mail.rcpt_tos == ["zoe@example.org"]
    message = mail.message
    assert message["To"].addresses[0].display_name == "Zoë Lefèvre-Ødegård"
    assert message["To"].addresses[0].addr_spec == "zoe@example.org"
    assert str(message["From"]) == "Convene <no-reply@convene.test>"
    assert str(message["Reply-To"]) == "Cluster Policy Platform <events@cluster.example>"
    assert str(message["Subject"]) == "Registration confirmed: Clusters & regions"
    assert re.fullmatch(r"<[0-9a-f]{32}@convene\.test>", message["Message-ID"])
    assert message["Auto-Submitted"] == "auto-generated"
    assert parsedate_to_datetime(message["Date"]).utcoffset() is not None
    # Over plain SMTP every header byte is ASCII: names travel as RFC 2047 encoded words.
    header_block(mail.raw).decode("ascii")
    assert "=?utf-8?" in header_block(mail.raw).decode("ascii")

    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert b"\r\nContent-Type: text/calendar; charset=UTF-8; method=REQUEST\r\n" in mail.raw
    calendar = calendar_of(message)
    assert calendar["METHOD"] == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    inline = part_of_type(message, "text/calendar").get_payload(decode=True)
    assert attachment.get_payload(decode=True) == inline
    assert b"\r\nEND:VCALENDAR\r\n" in inline  # the file's CRLF lines survive

    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Sun 28 Feb 2027, 18:00–19:30 CET" in body
        assert "UTC+01:00, Europe/Brussels" in body
        assert "Online" in body
        assert "https://convene.test/join/" in body  # the person's own join link
        assert "secret-room" not in body  # never the meeting's URL
        assert "Zoë" in body
    assert "Clusters &amp; regions" in html
    # Calm and self-contained: inline styles only, nothing fetched from elsewhere.
    assert "<img" not in html and "<link" not in html and "<style" not in html
    assert "<script" not in html


def test_manage_link_in_the_mail_opens_the_registration(app, client, smtp_server, make_event):
    event = make_event()
    register(app, event.id, "ana@example.org", first_name="Ana")
    deliver(app)
    text = _received_one(smtp_server).message.get_body(("plain",)).get_content()
    links = re.findall(r"https://convene\.test/r/[A-Za-z0-9_-]+", text)
    assert links, text

    response = client.get(links[0].removeprefix("https://convene.test"))

    assert response.status_code == 200
    assert "Ana" in response.get_data(as_text=True)


def test_names_and_titles_in_non_latin_scripts(app, smtp_server, make_event):
    event = make_event(title="Вебинар: кластеры и регионы")
    register(app, event.id, "taro@example.jp", first_name="太郎", last_name="山田")
    deliver(app)
    message = _received_one(smtp_server).message
    assert str(message["Subject"]) == "Registration confirmed: Вебинар: кластеры и регионы"
    assert message["To"].addresses[0].display_name == "太郎 山田"
    assert "太郎" in message.get_body(("html",)).get_content()
    summary = str(calendar_of(message).walk("VEVENT")[0]["SUMMARY"])
    assert "кластеры" in summary


@pytest.fixture
def accented_sender(app_config):
    app_config["MAIL_DEFAULT_SENDER"] = "Convène Événements <no-reply@convene.test>"


def test_long_non_ascii_names_and_subject_arrive_decoded_and_folded(
    accented_sender, app, smtp_server, make_event
):
    title = (
        "Вебинар: кластеры и регионы — smart specialisation & green transitions in Europe’s regions"
    )
    organiser = "Plateforme européenne des clusters – Ørsted"
    event = make_event(title=title, organiser_name=organiser)
    first, last = "Zoë-Maëlle", "Lefèvre-Ødegård de la Fontaine y Muñoz 山田"
    register(app, event.id, "zoe@example.org", first_name=first, last_name=last)
    deliver(app)

    mail = _received_one(smtp_server)
    assert str(mail.message["Subject"]) == f"Registration confirmed: {title}"
    assert mailbox(mail.raw, "To") == (f"{first} {last}", "zoe@example.org")
    assert mailbox(mail.raw, "From") == ("Convène Événements", "no-reply@convene.test")
    assert mailbox(mail.raw, "Reply-To") == (organiser, "events@cluster.example")
    # ASCII only, folded to lines of at most 78 characters, readable words left readable.
    headers = header_block(mail.raw).decode("ascii")
    assert max(len(line) for line in headers.split("\r\n")) <= 78
    assert "\r\nSubject: Registration confirmed:" in headers


def test_a_body_line_longer_than_smtp_allows_arrives_intact(app, smtp_server):
    paragraph = "<p>" + "Zoë’s très long paragraphe, sans retour à la ligne. " * 40 + "</p>"
    html = f"<html><body>\n{paragraph}\n</body></html>\n"
    queue_row(app, text_body="Short lines: Zoë\nsecond line\n", html_body=html)
    deliver(app)

    mail = _received_one(smtp_server)
    assert max(len(line) for line in mail.raw.split(b"\r\n")) <= 998
    html_part = mail.message.get_body(("html",))
    assert html_part.get_content().splitlines() == html.splitlines()
    text_part = mail.message.get_body(("plain",))
    assert text_part.get_content().splitlines() == ["Short lines: Zoë", "second line"]


def test_a_name_with_line_breaks_cannot_add_headers(app, smtp_server, make_event):
    event = make_event(title="Launch\r\nBcc: victim@example.org")
    with app.app_context():
        begin_write(db.session)
        registration = Registration(
            event_id=event.id,
            status=RegistrationStatus.CONFIRMED,
            first_name="Eve\r\nBcc: victim@example.org\r\n",
            last_name="X\nCc: other@example.org",
            email="eve@example.org",
            email_key="eve@example.org",
            attendance_mode=AttendanceMode.ONLINE,
            consent_at=now_utc(),
            confirmed_at=now_utc(),
            privacy_notice_version="2026-01",
            token_salt="salt",
            manage_token_hash="hash",
        )
        db.session.add(registration)
        db.session.flush()
        messages.queue_for_registration(registration, MessageKind.CONFIRMED)
        db.session.commit()
    deliver(app)

    mail = _received_one(smtp_server)
    assert mail.rcpt_tos == ["eve@example.org"]
    headers = header_block(mail.raw)
    assert b"\r\nBcc:" not in headers and b"\r\nCc:" not in headers
    assert mail.message["Bcc"] is None and mail.message["Cc"] is None
    assert len(mail.message["To"].addresses) == 1
    assert mail.message["To"].addresses[0].addr_spec == "eve@example.org"
    assert str(mail.message["Subject"]) == "Registration confirmed: Launch Bcc: victim@example.org"


def test_waiting_list_message_has_position_and_no_invite_or_join_link(app, smtp_server, make_event):
    event = make_event(capacity=1)
    for index in range(3):
        register(app, event.id, f"p{index}@example.org")
    deliver(app)

    third = next(m for m in smtp_server.messages if m.rcpt_tos == ["p2@example.org"])
    assert str(third.message["Subject"]).startswith("Waiting list:")
    assert third.message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in leaf_parts(third.message)] == ["text/plain", "text/html"]
    text = third.message.get_body(("plain",)).get_content()
    assert "at position 2" in text
    assert "meet.example.org" not in text + third.message.get_body(("html",)).get_content()


def test_cancellation_by_the_attendee_sends_a_calendar_cancel(app, client, smtp_server, make_event):
    event = make_event()
    _, token, _ = register(app, event.id, "ana@example.org")
    response = client.post(f"/r/{token}/cancel")
    assert response.status_code in (200, 303)
    deliver(app)

    cancelled = smtp_server.messages[-1]
    assert str(cancelled.message["Subject"]).startswith("Registration cancelled:")
    assert b"\r\nContent-Type: text/calendar; charset=UTF-8; method=CANCEL\r\n" in cancelled.raw
    assert calendar_of(cancelled.message)["METHOD"] == "CANCEL"
    attachment = cancelled.message.get_payload()[1]
    assert b"METHOD:CANCEL" in attachment.get_payload(decode=True)
    assert "meet.example.org" not in cancelled.message.get_body(("plain",)).get_content()


def test_the_freed_seat_goes_to_the_first_waiting_with_an_invite(
    app, client, smtp_server, make_event
):
    event = make_event(capacity=1)
    _, token, _ = register(app, event.id, "first@example.org")
    register(app, event.id, "waiting@example.org", first_name="Wanda")
    client.post(f"/r/{token}/cancel")
    deliver(app)

    promoted = smtp_server.messages[-1]
    assert promoted.rcpt_tos == ["waiting@example.org"]
    assert str(promoted.message["Subject"]).startswith("A seat is yours:")
    assert calendar_of(promoted.message)["METHOD"] == "REQUEST"
    text = promoted.message.get_body(("plain",)).get_content()
    assert "Wanda" in text and "https://convene.test/join/" in text
    assert "secret-room" not in text


def _attendees(app, make_event, **event_values):
    event = make_event(capacity=2, **event_values)
    for index in range(4):
        register(app, event.id, f"a{index}@example.org")
    with app.app_context():
        begin_write(db.session)
        db.session.execute(
            sa.update(Registration)
            .where(Registration.email == "a3@example.org")
            .values(status=RegistrationStatus.CANCELLED)
        )
        db.session.commit()
    return event


def test_event_change_goes_to_confirmed_and_waitlisted_with_updated_invites(
    app, smtp_server, make_event
):
    event = _attendees(app, make_event)
    deliver(app)
    before = len(smtp_server.messages)
    with app.app_context():
        begin_write(db.session)
        stored = db.session.get(Event, event.id)
        stored.set_schedule(local("2027-05-04 10:00"), local("2027-05-04 11:00"), "Asia/Tokyo")
        stored.sequence += 1
        assert messages.queue_for_attendees(stored, MessageKind.EVENT_CHANGED) == 3
        db.session.commit()
    deliver(app)

    changed = {m.rcpt_tos[0]: m.message for m in smtp_server.messages[before:]}
    assert sorted(changed) == ["a0@example.org", "a1@example.org", "a2@example.org"]
    for address in ("a0@example.org", "a1@example.org"):
        assert calendar_of(changed[address])["METHOD"] == "REQUEST"
        text = changed[address].get_body(("plain",)).get_content()
        assert "Tue 4 May 2027, 10:00–11:00 JST" in text and "UTC+09:00, Asia/Tokyo" in text
        assert "https://convene.test/join/" in text and "meet.example.org" not in text
    waiting = changed["a2@example.org"]
    assert "text/calendar" not in [p.get_content_type() for p in leaf_parts(waiting)]
    assert "still on the waiting list" in waiting.get_body(("plain",)).get_content()


def test_event_cancellation_cancels_the_invites_of_confirmed_people(app, smtp_server, make_event):
    event = _attendees(
        app,
        make_event,
        format=EventFormat.IN_PERSON,
        kind=EventKind.WORKSHOP,
        venue_name="Maison des Clusters",
        address="Rue Royale 1",
        city="Brussels",
        country="BE",
        online_url="",
    )
    deliver(app)
    before = len(smtp_server.messages)
    with app.app_context():
        begin_write(db.session)
        stored = db.session.get(Event, event.id)
        stored.status = EventStatus.CANCELLED
        assert messages.queue_for_attendees(stored, MessageKind.EVENT_CANCELLED) == 3
        db.session.commit()
    deliver(app)

    received = {m.rcpt_tos[0]: m for m in smtp_server.messages[before:]}
    assert len(received) == 3
    confirmed = received["a0@example.org"]
    assert b"text/calendar; charset=UTF-8; method=CANCEL" in confirmed.raw
    assert "Maison des Clusters, Rue Royale 1, Brussels, Belgium" in (
        confirmed.message.get_body(("plain",)).get_content()
    )
    assert b"text/calendar" not in received["a2@example.org"].raw


@pytest.fixture
def two_hour_reset_links(app_config):
    app_config["PASSWORD_RESET_MAX_AGE"] = 2 * 3600


def test_password_reset_goes_to_the_organiser(two_hour_reset_links, app, smtp_server):
    with app.app_context():
        begin_write(db.session)
        organiser = Organiser(email="org@example.org", name="Inès Organiser", password_hash="x")
        db.session.add(organiser)
        db.session.flush()
        messages.queue_password_reset(organiser, "https://convene.test/organiser/reset/abc")
        db.session.commit()
    deliver(app)

    mail = _received_one(smtp_server)
    assert mail.rcpt_tos == ["org@example.org"]
    assert mail.message["Reply-To"] is None
    assert str(mail.message["Subject"]) == "Reset your Convene password"
    for body in (mail.message.get_body(("plain",)), mail.message.get_body(("html",))):
        assert "https://convene.test/organiser/reset/abc" in body.get_content()
        assert "Inès" in body.get_content()
    assert "works once, for 2 hours" in mail.message.get_body(("plain",)).get_content()


def test_without_mail_server_messages_become_eml_files(app, runner, make_event, caplog):
    caplog.set_level(logging.INFO, logger=app.logger.name)
    event = make_event()
    register(app, event.id, "ana@example.org")

    result = runner.invoke(args=["mail", "send-pending"])

    assert result.exit_code == 0, result.output
    folder = app.instance_path + "/mail"
    assert f"wrote 1 .eml file(s) to {folder}" in result.output
    (row,) = outbox_rows(app)
    assert row.status == "sent"
    files = list(Path(folder).glob("*.eml"))
    assert len(files) == 1
    assert b"method=REQUEST" in files[0].read_bytes()
    assert any(str(files[0]) in record.getMessage() for record in caplog.records)


def test_queueing_for_many_attendees_takes_a_few_statements_per_chunk(app, make_event, monkeypatch):
    monkeypatch.setattr(messages, "CHUNK", 50)
    app.config["MAIL_INLINE_FANOUT_LIMIT"] = 1000
    event = make_event(capacity=None)
    people = 120
    with app.app_context():
        begin_write(db.session)
        db.session.execute(
            sa.insert(Registration),
            [
                {
                    "event_id": event.id,
                    "status": RegistrationStatus.CONFIRMED,
                    "first_name": f"Person{index}",
                    "last_name": "Attendee",
                    "email": f"p{index}@example.org",
                    "email_key": f"p{index}@example.org",
                    "attendance_mode": AttendanceMode.ONLINE,
                    "consent_at": now_utc(),
                    "confirmed_at": now_utc(),
                    "privacy_notice_version": "2026-01",
                    "token_salt": f"salt{index}",
                    "manage_token_hash": f"hash{index}",
                }
                for index in range(people)
            ],
        )
        db.session.commit()

        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        begin_write(db.session)
        stored = db.session.get(Event, event.id)
        queued = messages.queue_for_attendees(stored, MessageKind.EVENT_CHANGED)
        db.session.commit()

        assert queued == people
        # Loading the event, the audience and the ids, then a select and an insert per 50.
        assert len(statements) <= 5 + 2 * 3
        count = db.session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.ics_method == "REQUEST")
        )
        assert count == people


def test_hybrid_join_link_only_for_people_attending_online(app, smtp_server, make_event):
    event = make_event(
        format=EventFormat.HYBRID,
        venue_name="Hub",
        city="Ghent",
        country="BE",
        kind=EventKind.SUMMIT,
    )
    register(app, event.id, "online@example.org", attendance_mode=AttendanceMode.ONLINE)
    register(app, event.id, "venue@example.org", attendance_mode=AttendanceMode.IN_PERSON)
    deliver(app)

    bodies = {
        m.rcpt_tos[0]: m.message.get_body(("plain",)).get_content() for m in smtp_server.messages
    }
    assert "https://convene.test/join/" in bodies["online@example.org"]
    assert "https://convene.test/join/" not in bodies["venue@example.org"]
    assert all("secret-room" not in body for body in bodies.values())
    assert "Hub, Ghent, Belgium (and online)" in bodies["venue@example.org"]

"""Announcements: an organiser writes to a group of an event's attendees, each gets their
own copy through the outbox and the real SMTP server."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.mail_support import deliver, part_of_type
from tests.organiser_support import add_registrations
from webapp.communication.models import EventAnnouncement
from webapp.db import begin_write, now_utc
from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.mail.delivery import send_pending
from webapp.mail.models import Announcement, OutboxMessage
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus
from webapp.registration.tokens import manage_token

IN_PERSON, ONLINE = AttendanceMode.IN_PERSON, AttendanceMode.ONLINE
PEOPLE = [
    {"email": "room@example.org", "first_name": "Rita", "attendance_mode": IN_PERSON},
    {"email": "online@example.org", "first_name": "Otto", "attendance_mode": ONLINE},
    {
        "email": "checked@example.org",
        "first_name": "Carl",
        "attendance_mode": IN_PERSON,
        "checked_in_at": now_utc(),
    },
    {
        "email": "waiting@example.org",
        "first_name": "Wanda",
        "attendance_mode": ONLINE,
        "status": RegistrationStatus.WAITLISTED,
    },
    {
        "email": "gone@example.org",
        "first_name": "Gina",
        "attendance_mode": ONLINE,
        "status": RegistrationStatus.CANCELLED,
        "cancelled_at": now_utc(),
    },
    # Places held until the address is confirmed: in no group, whatever their status.
    *(
        {
            "email": f"held-{n}@example.org",
            "first_name": "Hal",
            "hold_expires_at": now_utc() + timedelta(minutes=30),
            **person,
        }
        for n, person in enumerate(
            [
                {"attendance_mode": IN_PERSON, "checked_in_at": now_utc()},
                {"attendance_mode": ONLINE},
                {"attendance_mode": ONLINE, "status": RegistrationStatus.WAITLISTED},
            ]
        )
    ),
]
GROUPS = {
    "confirmed": {"room@example.org", "online@example.org", "checked@example.org"},
    "waitlisted": {"waiting@example.org"},
    "checked_in": {"checked@example.org"},
    "in_person": {"room@example.org", "checked@example.org"},
    "online": {"online@example.org"},
    "active": {
        "room@example.org",
        "online@example.org",
        "checked@example.org",
        "waiting@example.org",
    },
}


def _form(**overrides) -> dict:
    data = {
        "group": "active",
        "subject": "News about {event_title}",
        "body": "Hello {first_name} {last_name},\n\n**Bring** your badge. [Your page]({manage_link})",
        "send": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


_TOKEN = re.compile(r'name="preview_token" value="([^"]+)"')


def _preview_token(client, event_id: int, **overrides) -> str:
    """Preview the announcement as an organiser would, and return the token it issued."""
    data = _form(**overrides, send=None, preview="1")
    page = client.post(f"/organiser/events/{event_id}/announcements/new", data=data)
    found = _TOKEN.search(page.get_data(as_text=True))
    return found.group(1) if found else ""


def _send(client, event_id: int, **overrides):
    """Preview, then send what was previewed (the organiser's two clicks)."""
    token = _preview_token(client, event_id, **overrides)
    data = _form(**overrides, preview_token=token)
    return client.post(f"/organiser/events/{event_id}/announcements/new", data=data)


@pytest.fixture
def hybrid(event_with_attendees):
    event, _ = event_with_attendees(
        PEOPLE, format=EventFormat.HYBRID, venue_name="Hall", city="Aarhus", country="DK"
    )
    return event


def _sent_to(smtp_server) -> set[str]:
    return {address for mail in smtp_server.messages for address in mail.rcpt_tos}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_each_group_gets_it_and_cancelled_people_never(app, client, smtp_server, hybrid, group):
    response = _send(client, hybrid.id, group=group)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organiser/events/{hybrid.id}")
    deliver(app)
    assert _sent_to(smtp_server) == GROUPS[group]
    assert "gone@example.org" not in _sent_to(smtp_server)
    assert not [a for a in _sent_to(smtp_server) if a.startswith("held-")]
    with app.app_context():
        (row,) = db.session.scalars(sa.select(EventAnnouncement)).all()
        assert (row.audience_group.value, row.recipients) == (group, len(GROUPS[group]))


def test_online_group_of_an_online_event_is_everyone_confirmed(
    app, client, smtp_server, event_with_attendees
):
    event, _ = event_with_attendees(
        [{"email": "a@example.org"}, {"email": "b@example.org", "attendance_mode": IN_PERSON}]
    )

    _send(client, event.id, group="online")
    response = _send(client, event.id, group="in_person")

    assert response.status_code == 422
    assert "Nobody is in this group yet" in response.get_data(as_text=True)
    deliver(app)
    assert _sent_to(smtp_server) == {"a@example.org", "b@example.org"}


def test_each_message_is_personal_in_text_and_html(app, client, smtp_server, hybrid):
    _send(client, hybrid.id, group="in_person")
    deliver(app)

    mails = {mail.rcpt_tos[0]: mail.message for mail in smtp_server.messages}
    with app.app_context():
        rows = db.session.execute(
            sa.select(OutboxMessage.recipient, OutboxMessage.registration_id)
        ).all()
        tokens = {
            recipient: manage_token(db.session.get(Registration, registration_id))
            for recipient, registration_id in rows
        }
    room = mails["room@example.org"]
    assert str(room["Subject"]) == "News about Smart specialisation webinar"
    text = part_of_type(room, "text/plain").get_content()
    html = part_of_type(room, "text/html").get_content()
    assert "Hello Rita Martín 0," in text
    assert "**Bring** your badge" in text  # the text part is the Markdown as written
    assert f"https://convene.test/r/{tokens['room@example.org']}" in text
    assert "<strong>Bring</strong> your badge" in html
    assert f'href="https://convene.test/r/{tokens["room@example.org"]}"' in html
    checked = part_of_type(mails["checked@example.org"], "text/html").get_content()
    assert tokens["checked@example.org"] in checked
    assert tokens["room@example.org"] not in checked


@pytest.mark.parametrize(
    "body",
    [
        "Hi <script>alert(1)</script>",
        "<style>p{color:red}</style>Hello",
        '<img src="x" onerror="alert(1)">',
        '<a href="java\tscript:alert(1)">page</a>',
        "[page](javascript:alert(1))",
        '<a href="&#106;avascript:alert(1)">page</a>',
        "<iframe src=https://example.org></iframe>",
    ],
)
def test_a_script_in_the_body_is_refused_with_a_clear_message(app, client, hybrid, body):
    response = _send(client, hybrid.id, body=body)

    assert response.status_code == 422
    assert "Remove the script" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EventAnnouncement)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    "body",
    [
        "Entry: online = free",
        "Our talk on javascript: the good parts",
        "Sessions on=Monday, and one=Tuesday",
        "Write `<script>` in a code span to show it",
    ],
)
def test_prose_that_mentions_code_is_accepted(app, client, smtp_server, hybrid, body):
    response = _send(client, hybrid.id, body=body)

    assert response.status_code == 302
    deliver(app)
    text = part_of_type(smtp_server.messages[0].message, "text/plain").get_content()
    assert body in text


def test_other_markup_is_sanitised_and_names_are_escaped(app, client, smtp_server, make_event):
    event_id = _event_with(app, client, make_event, first_name="<b>Eve</b>")
    body = "Hi {first_name}\n\n<marquee>moving</marquee><u>underlined</u> <img src=x>"

    _send(client, event_id, body=body)
    deliver(app)

    (mail,) = smtp_server.messages
    html = part_of_type(mail.message, "text/html").get_content()
    assert "Hi &lt;b&gt;Eve&lt;/b&gt;" in html
    assert "<marquee" not in html and "<u>underlined</u>" in html


def test_a_filled_value_never_becomes_a_script_link(app, client, smtp_server, make_event):
    event_id = _event_with(
        app, client, make_event, title="javascript:alert(1)//", first_name="javascript:alert(2)"
    )
    body = "[Event]({event_title}) and [you]({first_name}) and [page]({manage_link})"

    _send(client, event_id, body=body)
    deliver(app)

    (mail,) = smtp_server.messages
    html = part_of_type(mail.message, "text/html").get_content()
    assert 'href="javascript' not in html
    assert 'href="https://convene.test/r/' in html  # the ordinary link is kept


def _event_with(app, client, make_event, title: str | None = None, **person) -> int:
    from tests.organiser_support import make_organiser, sign_in

    owner = make_organiser(app, "owner@cluster.example")
    sign_in(client, "owner@cluster.example")
    event = make_event(owner_id=owner, **({"title": title} if title else {}))
    add_registrations(app, event.id, [{"email": "eve@example.org", **person}])
    return event.id


def test_an_empty_subject_is_a_clear_form_error(app, client, hybrid):
    response = _send(client, hybrid.id, subject="  ")

    assert response.status_code == 422
    assert "Enter a subject." in response.get_data(as_text=True)


def test_an_unknown_placeholder_is_a_clear_form_error(app, client, hybrid):
    response = client.post(
        f"/organiser/events/{hybrid.id}/announcements/new",
        data=_form(body="Dear {name}, see {manage_link}"),
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unknown placeholder {name}." in page
    assert "{first_name}, {last_name}, {manage_link}, {event_title}" in page


def test_zero_recipients_stores_and_sends_nothing(app, client, smtp_server, event_with_attendees):
    event, _ = event_with_attendees([{"status": RegistrationStatus.CANCELLED}])

    response = _send(client, event.id)

    assert response.status_code == 422
    assert "Nobody is in this group yet" in response.get_data(as_text=True)
    deliver(app)
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EventAnnouncement)) == 0


def test_preview_shows_the_first_recipient_and_the_count_and_sends_nothing(
    app, client, smtp_server, hybrid
):
    response = client.post(
        f"/organiser/events/{hybrid.id}/announcements/new",
        data=_form(group="confirmed", send=None, preview="1"),
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This message will go to 3 people." in page
    assert "News about Smart specialisation webinar" in page
    assert "Hello Rita Martín 0," in page
    assert "<strong>Bring</strong>" in page
    assert 'name="send"' in page
    deliver(app)
    assert smtp_server.messages == []


def test_the_event_page_lists_past_announcements_with_delivery(app, client, smtp_server, hybrid):
    _send(client, hybrid.id, group="online")
    page = client.get(f"/organiser/events/{hybrid.id}").get_data(as_text=True)
    assert "News about {event_title}" in page
    assert "<td>0</td><td>1</td><td>0</td>" in page  # sent, pending, failed

    deliver(app)

    page = client.get(f"/organiser/events/{hybrid.id}").get_data(as_text=True)
    assert "<td>1</td><td>0</td><td>0</td>" in page


def test_a_get_never_sends(app, client, smtp_server, hybrid):
    response = client.get(f"/organiser/events/{hybrid.id}/announcements/new?send=1&group=active")

    assert response.status_code == 200
    deliver(app)
    assert smtp_server.messages == []


def test_other_organisers_events_are_not_found(app, client, signed_in_organiser, make_event):
    event = make_event()  # nobody's event: Olga may not manage it
    add_registrations(app, event.id, [{"email": "a@example.org"}])

    response = _send(client, event.id)

    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_signed_out_visitors_are_sent_to_sign_in(app, client, make_event):
    event = make_event()

    response = _send(client, event.id)

    assert response.status_code == 302
    assert "/organiser/sign-in" in response.headers["Location"]


@pytest.fixture
def small_inline_limit(app_config):
    app_config["MAIL_INLINE_FANOUT_LIMIT"] = 3


def _sender(app, start: threading.Barrier, results: list) -> None:
    with app.app_context():
        start.wait()
        results.append(send_pending(batch_size=4).sent)


def test_a_large_group_goes_through_the_fan_out_exactly_once_under_two_workers(
    small_inline_limit, app, client, smtp_server, event_with_attendees
):
    people = [{"email": f"p{n}@example.org"} for n in range(12)]
    people.append({"email": "x@example.org", "status": RegistrationStatus.CANCELLED})
    event, _ = event_with_attendees(people)

    response = _send(client, event.id)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        (fanout,) = db.session.scalars(sa.select(Announcement)).all()
        assert (fanout.kind, fanout.audience) == ("announcement", 12)

    start, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_sender, args=(app, start, results)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    deliver(app)  # whatever the two passes left for a next round

    recipients = Counter(address for mail in smtp_server.messages for address in mail.rcpt_tos)
    assert set(recipients) == {f"p{n}@example.org" for n in range(12)}
    assert set(recipients.values()) == {1}


def test_someone_leaving_before_the_fan_out_is_not_pending_forever(
    small_inline_limit, app, client, smtp_server, event_with_attendees
):
    event, ids = event_with_attendees([{"email": f"p{n}@example.org"} for n in range(5)])
    _send(client, event.id)
    page = client.get(f"/organiser/events/{event.id}").get_data(as_text=True)
    assert "<td>5</td><td>0</td><td>5</td><td>0</td>" in page  # recipients, sent, pending, failed

    with app.app_context():
        begin_write(db.session)
        left = db.session.get(Registration, ids[0])
        left.status, left.cancelled_at = RegistrationStatus.CANCELLED, now_utc()
        db.session.commit()
    deliver(app)

    assert len(smtp_server.messages) == 4
    page = client.get(f"/organiser/events/{event.id}").get_data(as_text=True)
    assert "<td>5</td><td>4</td><td>0</td><td>0</td>" in page


def _stored(app) -> tuple[int, int]:
    with app.app_context():
        announcements = db.session.scalar(sa.select(sa.func.count()).select_from(EventAnnouncement))
        messages = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    return announcements, messages


def test_sending_the_same_preview_twice_sends_it_once(app, client, smtp_server, hybrid):
    token = _preview_token(client, hybrid.id, group="waitlisted")
    url = f"/organiser/events/{hybrid.id}/announcements/new"

    first = client.post(url, data=_form(group="waitlisted", preview_token=token))
    second = client.post(url, data=_form(group="waitlisted", preview_token=token))

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].endswith(f"/organiser/events/{hybrid.id}")
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already sent; it was not sent again" in page
    assert _stored(app) == (1, 1)
    deliver(app)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["waiting@example.org"]]


@pytest.mark.parametrize(
    "changed",
    [{"group": "active"}, {"subject": "Other news"}, {"body": "Something else entirely"}],
)
def test_sending_anything_but_the_preview_is_refused_with_a_new_preview(
    app, client, hybrid, changed
):
    token = _preview_token(client, hybrid.id, group="waitlisted")
    data = _form(**{"group": "waitlisted", **changed}, preview_token=token)

    response = client.post(f"/organiser/events/{hybrid.id}/announcements/new", data=data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "changed since the preview" in page
    assert _TOKEN.search(page).group(1) != token  # a new preview of what was submitted
    assert _stored(app) == (0, 0)


@pytest.mark.parametrize("token", [None, "", "forged.token"])
def test_sending_without_a_valid_preview_token_is_refused(app, client, hybrid, token):
    data = _form(preview_token=token)

    response = client.post(f"/organiser/events/{hybrid.id}/announcements/new", data=data)

    assert response.status_code == 422
    assert "changed since the preview" in response.get_data(as_text=True)
    assert _stored(app) == (0, 0)


def test_a_group_that_grew_since_the_preview_is_refused(app, client, hybrid):
    token = _preview_token(client, hybrid.id, group="waitlisted")
    add_registrations(
        app, hybrid.id, [{"email": "w2@example.org", "status": RegistrationStatus.WAITLISTED}]
    )

    data = _form(group="waitlisted", preview_token=token)
    response = client.post(f"/organiser/events/{hybrid.id}/announcements/new", data=data)

    assert response.status_code == 422
    assert "This message will go to 2 people." in response.get_data(as_text=True)
    assert _stored(app) == (0, 0)
    assert _send(client, hybrid.id, group="waitlisted").status_code == 302  # a new preview
    assert _stored(app) == (1, 2)

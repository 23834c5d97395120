"""Double opt-in: a place is taken at once and held until the address is confirmed; the
expiry job releases unconfirmed holds and promotes the next in line, exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.mail_support import deliver
from tests.registration_support import outbox, register
from webapp import PROJECT_ROOT
from webapp.communication.digest import DailyRun
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat
from webapp.extensions import db
from webapp.mail import cli as mail_cli
from webapp.mail import messages, reminders
from webapp.mail.delivery import send_pending
from webapp.mail.messages import MessageKind
from webapp.registration import holds, services
from webapp.registration.cli import run_hold_expiry
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus


def _held_event(make_event, **overrides):
    return make_event(requires_email_confirmation=True, hold_minutes=30, **overrides)


def _get(app, registration_id: int) -> Registration:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        db.session.expunge(registration)
        return registration


def _kinds(app) -> list[tuple[str, int]]:
    return [(kind, rid) for kind, _, rid in outbox(app)]


def _expire(app, now):
    with app.app_context():
        return run_hold_expiry(now)


def test_a_submission_takes_its_place_at_once_and_is_held(app, smtp_server, make_event):
    event = _held_event(make_event, capacity=1)
    before = now_utc()
    first, token, _ = register(app, event.id)
    second = register(app, event.id)[0]

    held = _get(app, first)
    assert held.status == RegistrationStatus.CONFIRMED
    assert held.hold_expires_at - before >= timedelta(minutes=30)
    assert held.hold_expires_at - before < timedelta(minutes=31)
    assert _get(app, second).status == RegistrationStatus.WAITLISTED  # queue order kept
    assert _kinds(app) == [("confirm_email", first), ("confirm_email", second)]

    deliver(app)
    mail = smtp_server.messages[0].message
    assert mail["Subject"].startswith("Confirm your email address")
    body = mail.get_body(("plain",)).get_content()
    assert f"https://convene.test/r/{token}/confirm" in body
    assert not [part for part in mail.walk() if part.get_content_type() == "text/calendar"]


def test_the_confirm_page_changes_nothing_and_its_button_confirms(app, client, make_event):
    event = _held_event(make_event, capacity=5)
    registration_id, token, _ = register(app, event.id)
    queued = len(outbox(app))

    for method in (client.get, client.head):
        assert method(f"/r/{token}/confirm").status_code == 200  # a mail scanner's visit
    page = client.get(f"/r/{token}/confirm").text
    assert f'action="/r/{token}/confirm"' in page and 'method="post"' in page
    assert _get(app, registration_id).hold_expires_at is not None
    assert len(outbox(app)) == queued
    assert "status-held" in client.get(f"/r/{token}").text

    response = client.post(f"/r/{token}/confirm")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{token}")
    confirmed = _get(app, registration_id)
    assert confirmed.hold_expires_at is None and confirmed.email_confirmed_at is not None
    assert _kinds(app)[-1] == ("confirmed", registration_id)
    assert client.post(f"/r/{token}/confirm").status_code == 303  # twice: nothing more
    assert len(outbox(app)) == queued + 1
    assert client.get(f"/r/{token}/confirm").status_code == 303  # nothing left to confirm


def test_the_language_prefixed_confirm_page_works_too(app, client, make_event):
    event = _held_event(make_event, capacity=5)
    _, token, _ = register(app, event.id, language="da")
    page = client.get(f"/da/r/{token}/confirm")
    assert page.status_code == 200 and "Bekræft min e-mailadresse" in page.text
    assert client.post(f"/da/r/{token}/confirm").status_code == 303


def test_expiry_releases_the_hold_and_promotes_the_next_in_line(app, smtp_server, make_event):
    event = _held_event(make_event, capacity=1)
    late, late_token, _ = register(app, event.id)
    waiter = register(app, event.id)[0]
    with app.app_context():
        begin_write(db.session)
        holds.confirm_email(db.session.get(Registration, waiter))
        db.session.commit()

    assert _expire(app, now_utc() + timedelta(minutes=29)) == 0
    assert _expire(app, now_utc() + timedelta(minutes=31)) == 1

    released = _get(app, late)
    assert released.status == RegistrationStatus.CANCELLED and released.hold_expired
    assert _get(app, waiter).status == RegistrationStatus.CONFIRMED
    assert _kinds(app)[-2:] == [("hold_expired", late), ("promoted", waiter)]
    assert _expire(app, now_utc() + timedelta(minutes=40)) == 0  # idempotent
    deliver(app)
    subjects = [m.message["Subject"] for m in smtp_server.messages]
    assert any(s.startswith("Your place was released") for s in subjects)
    assert "released because the email address" in _manage(app, late_token)


def _manage(app, token: str) -> str:
    return app.test_client().get(f"/r/{token}").text


def test_a_held_place_promoted_gets_no_email_until_it_confirms(app, make_event):
    event = _held_event(make_event, capacity=1)
    seat = register(app, event.id)[0]
    held_waiter = register(app, event.id)[0]
    with app.app_context():  # the seat confirms, then its holder cancels
        begin_write(db.session)
        holds.confirm_email(db.session.get(Registration, seat))
        db.session.commit()
        begin_write(db.session)
        services.cancel(db.session.get(Registration, seat))
        db.session.commit()
    assert _get(app, held_waiter).status == RegistrationStatus.CONFIRMED
    assert ("promoted", held_waiter) not in _kinds(app)
    with app.app_context():
        begin_write(db.session)
        holds.confirm_email(db.session.get(Registration, held_waiter))
        db.session.commit()
    assert _kinds(app)[-1] == ("confirmed", held_waiter)


def test_expiry_after_confirmation_does_nothing(app, make_event):
    event = _held_event(make_event, capacity=1)
    registration_id, token, _ = register(app, event.id)
    app.test_client().post(f"/r/{token}/confirm")
    assert _expire(app, now_utc() + timedelta(hours=2)) == 0
    assert _get(app, registration_id).status == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("job_ran", [False, True])
def test_confirming_after_the_hold_passed_is_refused(app, client, clock, make_event, job_ran):
    event = _held_event(make_event, capacity=1)
    registration_id, token, _ = register(app, event.id)
    queued = len(outbox(app))
    clock.shift(timedelta(minutes=31))
    if job_ran:
        assert _expire(app, now_utc()) == 1
        queued += 1

    page = client.get(f"/r/{token}/confirm")
    response = client.post(f"/r/{token}/confirm")

    assert page.status_code == 200 and "Please register again" in page.text
    assert response.status_code == 409 and "Please register again" in response.text
    registration = _get(app, registration_id)
    assert registration.status == (
        RegistrationStatus.CANCELLED if job_ran else RegistrationStatus.CONFIRMED
    )
    assert registration.email_confirmed_at is None
    assert len(outbox(app)) == queued


def test_registering_again_while_held_resends_the_confirm_email_once_per_window(app, make_event):
    event = _held_event(make_event, capacity=1)
    first = register(app, event.id, "held@example.org")
    again = register(app, event.id, "Held@example.org")
    once_more = register(app, event.id, "held@example.org")
    assert first[0] == again[0] == once_more[0] and not again[2]
    assert _kinds(app) == [("confirm_email", first[0])] * 2


def test_held_registrations_get_no_reminders(app, make_event):
    event = _held_event(make_event, capacity=5)
    held = register(app, event.id)[0]
    confirmed, token, _ = register(app, event.id)
    app.test_client().post(f"/r/{token}/confirm")
    with app.app_context():
        begin_write(db.session)
        reminders.queue_due_reminders(now=event.starts_at - timedelta(hours=23))
        db.session.commit()
    reminded = [rid for kind, rid in _kinds(app) if kind.startswith("reminder")]
    assert reminded == [confirmed] and held not in reminded


def _expire_in_own_session(app, now, start: threading.Barrier) -> int:
    with app.app_context():
        start.wait()
        return run_hold_expiry(now)


def test_two_expiry_jobs_at_once_release_each_hold_once(app, make_event):
    rooms = _held_event(make_event, capacity=3, format=EventFormat.HYBRID, online_capacity=2)
    other = _held_event(make_event, capacity=2)
    for mode in [AttendanceMode.IN_PERSON] * 6 + [AttendanceMode.ONLINE] * 5:
        register(app, rooms.id, attendance_mode=mode)
    for _ in range(4):
        register(app, other.id)
    with app.app_context():  # the waiting lists confirmed their addresses; the seats did not
        begin_write(db.session)
        for registration in db.session.scalars(
            sa.select(Registration).where(Registration.status == RegistrationStatus.WAITLISTED)
        ):
            holds.confirm_email(registration)
        db.session.commit()

    later = now_utc() + timedelta(minutes=31)
    start = threading.Barrier(2)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(_expire_in_own_session(app, later, start)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert sorted(results)[-1] + sorted(results)[0] == 3 + 2 + 2  # every seat's hold, once
    kinds = [kind for kind, _ in _kinds(app)]
    assert kinds.count("hold_expired") == 7
    assert kinds.count("promoted") == 7  # as many waiters as seats freed, per mode
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Registration.event_id,
                Registration.attendance_mode,
                Registration.status,
                sa.func.count(),
            ).group_by(Registration.event_id, Registration.attendance_mode, Registration.status)
        ).all()
    counts = {(e, m.value, s.value): n for e, m, s, n in rows}
    assert counts[(rooms.id, "in_person", "confirmed")] == 3
    assert counts[(rooms.id, "online", "confirmed")] == 2
    assert counts[(other.id, "online", "confirmed")] == 2  # online webinar: one pool


def test_the_cli_command_releases_passed_holds(app, runner, make_event):
    event = _held_event(make_event, capacity=1)
    register(app, event.id)
    later = (now_utc() + timedelta(minutes=31)).isoformat()
    result = runner.invoke(args=["registrations", "expire-holds", "--now", later])
    assert result.exit_code == 0, result.output
    assert "Released 1 hold(s)." in result.output
    assert runner.invoke(args=["registrations", "expire-holds", "--now", later]).output == (
        "Released 0 hold(s).\n"
    )
    bad = runner.invoke(args=["registrations", "expire-holds", "--now", "2027-01-01T10:00"])
    assert bad.exit_code != 0 and "UTC offset" in bad.output


def test_the_mail_worker_releases_passed_holds(app, smtp_server, make_event, tmp_path):
    event = _held_event(make_event, capacity=1)
    registration_id = register(app, event.id, "late@example.org")[0]
    with app.app_context():
        begin_write(db.session)
        db.session.get(Registration, registration_id).hold_expires_at = now_utc() - timedelta(
            minutes=1
        )
        db.session.commit()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "CONVENE_BASE_URL": app.config["CONVENE_BASE_URL"],
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": str(smtp_server.port),
    }
    flask = Path(sys.executable).parent / "flask"
    with (tmp_path / "worker.log").open("w+") as log:
        worker = subprocess.Popen(
            [str(flask), "mail", "worker", "--interval", "0.2"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(
                m.message["Subject"].startswith("Your place was released")
                for m in smtp_server.messages
            ):
                time.sleep(0.1)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    subjects = [m.message["Subject"] for m in smtp_server.messages]
    assert any(s.startswith("Your place was released") for s in subjects), subjects
    assert _get(app, registration_id).hold_expired


def test_the_organiser_sees_who_awaits_confirmation(app, client, event_with_attendees):
    event, _ = event_with_attendees(requires_email_confirmation=True, capacity=5)
    register(app, event.id, "held@example.org")
    _, token, _ = register(app, event.id, "done@example.org")
    client.post(f"/r/{token}/confirm")
    page = client.get(f"/organiser/events/{event.id}/attendees?status=awaiting_confirmation")
    assert page.status_code == 200
    assert "held@example.org" in page.text and "done@example.org" not in page.text
    assert "Awaiting email confirmation" in page.text
    csv = client.get(f"/organiser/events/{event.id}/attendees.csv").text
    assert "awaiting_confirmation" in csv and "held@example.org" in csv


def test_a_passed_hold_is_released_when_its_person_registers_again(app, clock, make_event):
    event = _held_event(make_event, capacity=1)
    first = register(app, event.id, "late@example.org")[0]
    waiter, waiter_token, _ = register(app, event.id, "next@example.org")
    assert app.test_client().post(f"/r/{waiter_token}/confirm").status_code == 303
    clock.shift(timedelta(minutes=31))  # the job has not run yet

    again, _token, created = register(app, event.id, "late@example.org")

    assert created and again != first
    assert _get(app, first).status == RegistrationStatus.CANCELLED
    # The freed seat went to the next in line; the new submission queues behind them.
    assert _get(app, waiter).status == RegistrationStatus.CONFIRMED
    assert _get(app, again).status == RegistrationStatus.WAITLISTED
    assert ("hold_expired", first) in _kinds(app)
    assert _expire(app, now_utc()) == 0  # nothing left for the job


def test_a_held_seat_gets_no_meeting_link_or_invite_until_confirmed(
    app, client, smtp_server, make_event
):
    event = _held_event(make_event, capacity=5, format=EventFormat.ONLINE)
    _rid, token, _ = register(app, event.id)
    with app.app_context():
        begin_write(db.session)
        messages.queue_for_attendees(db.session.get(Event, event.id), MessageKind.EVENT_CHANGED)
        db.session.commit()
    deliver(app)
    changed = [m for m in smtp_server.messages if m.message["Subject"].startswith("Updated")]
    assert len(changed) == 1
    body = changed[0].message.as_string()
    assert event.online_url not in body and "text/calendar" not in body
    assert client.get(f"/r/{token}/invite.ics").status_code == 404
    client.post(f"/r/{token}/confirm")
    assert client.get(f"/r/{token}/invite.ics").status_code == 200


def test_a_failing_hold_release_never_stops_delivery(app, smtp_server, make_event, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a template failed to render")

    monkeypatch.setattr(mail_cli, "run_hold_expiry", broken)
    event = make_event(capacity=5)
    register(app, event.id, "someone@example.org")
    with app.app_context():
        mail_cli._run_periodic_jobs(DailyRun())  # logged and rolled back, not raised
        report = send_pending()
    assert report.sent == 1
    assert [m.rcpt_tos for m in smtp_server.messages] == [["someone@example.org"]]

"""The follow-up email: due a set time after the end, once per confirmed registration, in
one wording for those who came and another for those who did not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.after_event_support import (
    AFTER,
    ENDS_AT,
    follow_up_form,
    materials_form,
    past_event_scene,
    set_event,
    statuses,
)
from tests.conftest import ORGANISER_EMAIL
from tests.mail_support import deliver
from tests.organiser_support import add_registrations, make_organiser, sign_in
from webapp import PROJECT_ROOT
from webapp.communication import follow_up
from webapp.communication.after_models import FollowUp
from webapp.communication.follow_up import run_follow_ups
from webapp.db import begin_write, now_utc
from webapp.events.models import EventStatus
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.registration.models import Registration, RegistrationStatus

DUE = ENDS_AT + timedelta(hours=2)


@pytest.fixture
def scene(app, client, make_event, clock, signed_in_organiser):
    return past_event_scene(app, client, make_event, clock, signed_in_organiser)


def _save(client, scene, **overrides):
    return client.post(
        f"/organiser/events/{scene.event_id}/follow-up", data=follow_up_form(**overrides)
    )


def _run(runner, now) -> str:
    result = runner.invoke(args=["communication", "follow-ups", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def _follow_ups(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(OutboxMessage.kind, OutboxMessage.recipient)
            .where(OutboxMessage.kind.like("follow_up%"))
            .order_by(OutboxMessage.recipient)
        )
        return [tuple(row) for row in rows]


def _follow_up_rows(app) -> list:
    with app.app_context():
        return db.session.scalars(sa.select(FollowUp)).all()


def test_sent_once_when_due_to_confirmed_people_in_two_wordings(
    app, client, runner, smtp_server, scene
):
    response = _save(client, scene)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/organiser/events/{scene.event_id}/after")
    assert statuses(app, scene.event_id) == {
        "came@example.org": "confirmed",
        "missed@example.org": "confirmed",
        "gone@example.org": "cancelled",
        "waiting@example.org": "waitlisted",
    }
    deliver(app)  # the confirmations and waiting-list emails of the registrations
    sent_before = len(smtp_server.messages)

    assert "Queued 0" in _run(runner, DUE - timedelta(seconds=1))  # not early
    assert _follow_ups(app) == []
    assert "Queued 2" in _run(runner, DUE)
    assert "Queued 0" in _run(runner, DUE + timedelta(hours=5))  # once only
    assert _follow_ups(app) == [
        ("follow_up_came", "came@example.org"),
        ("follow_up_missed", "missed@example.org"),
    ]

    mails = {m.rcpt_tos[0]: m.message for m in smtp_server.messages[sent_before:]}
    assert set(mails) == {"came@example.org", "missed@example.org"}  # never gone or waiting
    came, missed = mails["came@example.org"], mails["missed@example.org"]
    assert came["Subject"] == "Thank you for coming: Smart Regions Summit"
    assert missed["Subject"] == "Sorry we missed you: Smart Regions Summit"

    came_text = came.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Thank you <b>all</b>!\nSee you next year." in came_text
    assert f"https://convene.test/r/{scene.came.token}/certificate.pdf" in came_text
    assert "https://forms.example.org/feedback" in came_text
    came_html = came.get_body(("html",)).get_content()
    assert "Thank you &lt;b&gt;all&lt;/b&gt;!<br>See you next year." in came_html
    assert "<b>all</b>" not in came_html
    assert f"/r/{scene.came.token}/certificate.pdf" in came_html

    missed_text = missed.get_body(("plain",)).get_content()
    assert "The recording is online." in missed_text
    assert "Thank you <b>all</b>" not in missed_text
    assert "certificate" not in missed_text.lower()
    assert f"https://convene.test/r/{scene.missed.token}" in missed_text


def test_two_jobs_at_once_queue_each_message_once(app, client, smtp_server, scene):
    assert _save(client, scene).status_code == 303
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def job():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                counts.append(run_follow_ups(now=DUE))
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(counts) == [0, 2]
    assert len(_follow_ups(app)) == 2
    with app.app_context():
        begin_write(db.session)
        db.session.execute(sa.delete(OutboxMessage).where(~OutboxMessage.kind.like("follow_up%")))
        db.session.commit()
    before = len(smtp_server.messages)
    deliver(app)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages[before:]) == [
        "came@example.org",
        "missed@example.org",
    ]


def test_large_events_are_queued_in_chunks_and_point_to_the_materials(
    app, client, runner, smtp_server, scene, monkeypatch
):
    monkeypatch.setattr(follow_up, "CHUNK", 1)  # a transaction per registration
    assert _save(client, scene).status_code == 303
    response = client.post(f"/organiser/events/{scene.event_id}/materials", data=materials_form())
    assert response.status_code == 303
    deliver(app)
    before = len(smtp_server.messages)
    assert "Queued 2" in _run(runner, DUE)
    for mail in smtp_server.messages[before:]:
        text = mail.message.get_body(("plain",)).get_content()
        assert "materials (slides, recording and notes) are on your personal page" in text


def test_never_sent_when_off_long_overdue_or_the_event_was_cancelled(app, client, runner, scene):
    assert _save(client, scene, enabled=None).status_code == 303
    assert "Queued 0" in _run(runner, DUE)
    assert _save(client, scene).status_code == 303
    assert "Queued 0" in _run(runner, DUE + timedelta(days=8))  # too late to be useful
    set_event(app, scene.event_id, status=EventStatus.CANCELLED)
    assert "Queued 0" in _run(runner, DUE)
    assert _follow_ups(app) == []


def test_the_message_is_in_each_registrations_language(app, client, runner, smtp_server, scene):
    with app.app_context():
        begin_write(db.session)
        db.session.get(Registration, scene.came.id).language = "da"
        db.session.commit()
    assert _save(client, scene).status_code == 303
    deliver(app)
    before = len(smtp_server.messages)
    _run(runner, DUE)
    mails = {m.rcpt_tos[0]: m.message for m in smtp_server.messages[before:]}
    assert mails["came@example.org"]["Subject"] == "Tak, fordi du kom: Smart Regions Summit"
    assert f"https://convene.test/da/r/{scene.came.token}/certificate.pdf" in (
        mails["came@example.org"].get_body(("plain",)).get_content()
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours_after", "-1", "Enter a whole number of hours from 0 to 720."),
        ("hours_after", "721", "Enter a whole number of hours from 0 to 720."),
        ("hours_after", "nan", None),
        ("hours_after", "soon", None),
        ("hours_after", "", "Enter a number of hours."),
        ("feedback_url", "http://forms.example.org/x", "starting with https://"),
        ("feedback_url", "javascript:alert(1)", "starting with https://"),
        ("came_message", "x" * 4001, "Use at most 4000 characters."),
        ("missed_message", "bad\x07bell", "Please remove control characters."),
    ],
)
def test_bad_settings_are_refused_clearly_and_nothing_is_stored(
    app, client, scene, field, value, message
):
    response = _save(client, scene, **{field: value})
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert _follow_up_rows(app) == []


def test_the_organiser_page_shows_the_settings_and_when_they_go_out(app, client, scene, clock):
    assert _save(client, scene).status_code == 303
    clock.move_to(AFTER)
    sign_in(client, ORGANISER_EMAIL)
    page = client.get(f"/organiser/events/{scene.event_id}/after").get_data(as_text=True)
    assert "Goes out at" in page and "21:30 CET" in page  # 20:30 UTC in Brussels
    assert "https://forms.example.org/feedback" in page
    assert "1 person came (checked in)." in page


def test_other_organisers_cannot_see_or_change_it(app, scene):
    other = app.test_client()
    make_organiser(app, "other@cluster.example", name="Otto")
    sign_in(other, "other@cluster.example")
    assert other.get(f"/organiser/events/{scene.event_id}/after").status_code == 404
    assert _save(other, scene).status_code == 404
    assert _follow_up_rows(app) == []


def test_the_mail_worker_queues_and_delivers_due_follow_ups(
    app, smtp_server, make_event, signed_in_organiser, tmp_path
):
    zone = ZoneInfo("Europe/Brussels")
    ended = now_utc().astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    event = make_event(start_local=ended - timedelta(hours=3), end_local=ended - timedelta(hours=1))
    add_registrations(
        app,
        event.id,
        [
            {"email": "came@example.org", "checked_in_at": now_utc() - timedelta(hours=2)},
            {"email": "missed@example.org"},
            {"email": "gone@example.org", "status": RegistrationStatus.CANCELLED},
        ],
    )
    with app.app_context():
        begin_write(db.session)
        db.session.add(FollowUp(event_id=event.id, enabled=True, hours_after=0))
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
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "mail", "worker", "--interval", "0.2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert len(smtp_server.wait_for(2, timeout=60)) == 2
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()
    assert sorted((m.rcpt_tos[0], m.message["Subject"]) for m in smtp_server.messages) == [
        ("came@example.org", "Thank you for coming: Smart specialisation webinar"),
        ("missed@example.org", "Sorry we missed you: Smart specialisation webinar"),
    ]

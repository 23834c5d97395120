"""The outbox under faults: a dead, refusing or silent SMTP server loses nothing."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.conftest import free_port
from tests.mail_support import PickyHandler, deliver, outbox_rows, queue_row
from tests.registration_support import applicant, form_data, register
from webapp.db import begin_write, now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail.background import EXTENSION_KEY
from webapp.mail.delivery import backoff, send_pending
from webapp.mail.models import OutboxMessage, OutboxStatus
from webapp.registration import services
from webapp.registration.models import Registration


@pytest.fixture
def silent_server(app_config):
    """A listener that accepts connections and never says a word (no SMTP greeting)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port()))
    listener.listen(50)
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT=1)
    yield listener
    listener.close()


@pytest.fixture
def picky_server(app_config) -> Iterator[PickyHandler]:
    """A real SMTP server that refuses the recipients the test names (see PickyHandler)."""
    handler = PickyHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TIMEOUT=5)
    yield handler
    controller.stop()


def _queue(app, make_event, count: int) -> None:
    event = make_event()
    for index in range(count):
        register(app, event.id, f"person{index}@example.org")


def test_smtp_down_while_twenty_register_then_each_is_delivered_once(
    app, client, smtp_server, make_event
):
    event = make_event()
    smtp_server.stop()
    for index in range(20):
        response = client.post(
            f"/events/{event.slug}/register", data=form_data(email=f"p{index}@example.org")
        )
        assert response.status_code == 303

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 20
    assert [row.status for row in outbox_rows(app)] == [OutboxStatus.QUEUED] * 20

    down = deliver(app)
    assert (down.sent, down.retried, down.failed) == (0, 20, 0)
    rows = outbox_rows(app)
    assert {row.status for row in rows} == {OutboxStatus.RETRY}
    assert all("Connection refused" in row.last_error for row in rows)

    smtp_server.start()
    later = now_utc() + timedelta(minutes=2)
    assert deliver(app, now=later).sent == 20
    assert deliver(app, now=later + timedelta(hours=1)).sent == 0

    recipients = Counter(m.rcpt_tos[0] for m in smtp_server.messages)
    assert recipients == Counter(f"p{index}@example.org" for index in range(20))
    assert {row.status for row in outbox_rows(app)} == {OutboxStatus.SENT}


def test_a_4xx_answer_is_retried_with_growing_delays(app, smtp_server, make_event):
    _queue(app, make_event, 1)
    smtp_server.respond_with("451 4.3.0 Mailbox busy, try again later")
    start = now_utc()

    deliver(app, now=start)
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts) == (OutboxStatus.RETRY, 1)
    assert row.last_error == "451 4.3.0 Mailbox busy, try again later"
    assert row.next_attempt_at == start + timedelta(minutes=1)

    assert deliver(app, now=start + timedelta(seconds=30)).retried == 0  # not due yet
    second = start + timedelta(minutes=1)
    deliver(app, now=second)
    (row,) = outbox_rows(app)
    assert row.attempts == 2
    assert row.next_attempt_at == second + timedelta(minutes=2)

    smtp_server.respond_with(None)
    assert deliver(app, now=row.next_attempt_at).sent == 1
    assert len(smtp_server.messages) == 1
    assert outbox_rows(app)[0].status == OutboxStatus.SENT


def test_backoff_doubles_up_to_six_hours_and_spans_about_a_day():
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(20) == timedelta(hours=6)
    total = sum((backoff(n) for n in range(1, 12)), timedelta())  # 12 attempts, 11 waits
    assert timedelta(hours=18) < total < timedelta(hours=30)


def test_a_5xx_answer_fails_the_message_with_the_server_text(app, smtp_server, make_event):
    _queue(app, make_event, 1)
    smtp_server.respond_with("550 5.1.1 No such user here")

    report = deliver(app)

    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert row.last_error == "550 5.1.1 No such user here"
    assert deliver(app, now=now_utc() + timedelta(days=2)).failed == 0  # never tried again
    assert smtp_server.data_commands == 1


@pytest.fixture
def three_attempts(app_config):
    app_config["MAIL_MAX_ATTEMPTS"] = 3


def test_temporary_failures_fail_after_the_configured_attempts(
    three_attempts, app, smtp_server, make_event
):
    _queue(app, make_event, 1)
    smtp_server.respond_with("421 4.7.0 Too many connections")
    when = now_utc()
    for _ in range(5):
        deliver(app, now=when)
        when += timedelta(days=1)

    (row,) = outbox_rows(app)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert row.last_error.startswith("Gave up after 3 attempts. Last error: 421")
    assert smtp_server.data_commands == 3


def test_a_silent_server_times_out_into_a_retry(silent_server, app, make_event):
    _queue(app, make_event, 2)

    report = deliver(app)

    assert (report.sent, report.retried) == (0, 2)
    rows = outbox_rows(app)
    assert {row.status for row in rows} == {OutboxStatus.RETRY}
    assert all("timed out" in row.last_error for row in rows)


def test_one_connection_carries_a_whole_batch(app, smtp_server, make_event):
    _queue(app, make_event, 5)

    assert deliver(app).sent == 5

    assert len({m.peer for m in smtp_server.messages}) == 1


def test_a_message_left_sending_by_a_crashed_sender_is_claimed_again(app, smtp_server, make_event):
    _queue(app, make_event, 2)
    with app.app_context():
        begin_write(db.session)
        db.session.execute(
            sa.update(OutboxMessage).values(
                status=OutboxStatus.SENDING, attempts=1, claimed_at=now_utc() - timedelta(hours=1)
            )
        )
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == 2)
            .values(claimed_at=now_utc() - timedelta(minutes=1))
        )
        db.session.commit()

    assert deliver(app).sent == 1  # the recent claim may still be in flight: left alone

    assert [row.status for row in outbox_rows(app)] == [OutboxStatus.SENT, OutboxStatus.SENDING]


def _sender(app, start: threading.Barrier, results: list) -> None:
    # Each thread has its own application context, hence its own session and connection.
    with app.app_context():
        start.wait()
        results.append(send_pending(batch_size=3).sent)


def test_two_senders_never_deliver_the_same_message(app, smtp_server, make_event):
    _queue(app, make_event, 30)
    start, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_sender, args=(app, start, results)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(results) == 30
    ids = Counter(m.message["Message-ID"] for m in smtp_server.messages)
    assert len(ids) == 30 and set(ids.values()) == {1}
    assert {row.status for row in outbox_rows(app)} == {OutboxStatus.SENT}


@pytest.fixture
def deliver_after_request(app_config):
    app_config["MAIL_DELIVER_AFTER_REQUEST"] = True


def test_development_mode_delivers_right_after_the_request(
    deliver_after_request, app, client, smtp_server, make_event
):
    event = make_event()

    response = client.post(f"/events/{event.slug}/register", data=form_data())

    assert response.status_code == 303
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["ana@example.org"]


def test_development_mode_survives_a_dead_mail_server(
    deliver_after_request, silent_server, app, client, make_event
):
    event = make_event()

    response = client.post(f"/events/{event.slug}/register", data=form_data())

    assert response.status_code == 303
    assert client.get(f"/events/{event.slug}").status_code == 200
    assert app.extensions[EXTENSION_KEY].wait_idle(timeout=30)
    (row,) = outbox_rows(app)
    assert row.status == OutboxStatus.RETRY
    assert "timed out" in row.last_error


def test_a_change_that_is_rolled_back_sends_nothing(app, smtp_server, make_event):
    event = make_event()
    with app.app_context():
        services.register(db.session.get(Event, event.id), applicant("ana@example.org"))
        db.session.rollback()

    assert deliver(app).sent == 0
    assert outbox_rows(app) == []
    assert smtp_server.messages == []


def _by_recipient(app) -> dict[str, OutboxMessage]:
    return {row.recipient: row for row in outbox_rows(app)}


def test_each_message_of_a_batch_keeps_its_own_outcome(picky_server, app, make_event):
    _queue(app, make_event, 5)
    picky_server.rcpt_replies = {
        "person1@example.org": "550 5.1.1 No such user here",
        "person3@example.org": "452 4.2.2 Mailbox full",
    }
    start = now_utc()

    report = deliver(app, now=start)

    assert (report.sent, report.retried, report.failed) == (3, 1, 1)
    rows = _by_recipient(app)
    for address in ("person0@example.org", "person2@example.org", "person4@example.org"):
        row = rows[address]
        assert (row.status, row.sent_at, row.last_error) == (OutboxStatus.SENT, start, "")
    refused = rows["person1@example.org"]
    assert (refused.status, refused.sent_at) == (OutboxStatus.FAILED, None)
    assert refused.last_error == "550 5.1.1 No such user here"
    full = rows["person3@example.org"]
    assert (full.status, full.sent_at, full.attempts) == (OutboxStatus.RETRY, None, 1)
    assert full.last_error == "452 4.2.2 Mailbox full"
    assert full.next_attempt_at == start + timedelta(minutes=1)
    received = [m.rcpt_tos for m in picky_server.messages]
    assert received == [["person0@example.org"], ["person2@example.org"], ["person4@example.org"]]
    assert len({m.peer for m in picky_server.messages}) == 1


def test_a_server_hanging_up_mid_batch_gets_the_rest_back_untried(picky_server, app, make_event):
    _queue(app, make_event, 4)
    picky_server.rcpt_replies = {"person1@example.org": "421 4.3.2 Shutting down"}
    start = now_utc()

    report = deliver(app, now=start)

    assert (report.sent, report.retried, report.failed) == (1, 1, 0)
    rows = _by_recipient(app)
    assert rows["person0@example.org"].status == OutboxStatus.SENT
    hung_up = rows["person1@example.org"]
    assert (hung_up.status, hung_up.attempts) == (OutboxStatus.RETRY, 1)
    for address in ("person2@example.org", "person3@example.org"):
        untried = rows[address]
        assert (untried.status, untried.attempts, untried.claimed_at) == (
            OutboxStatus.QUEUED,
            0,
            None,
        )

    picky_server.rcpt_replies = {}
    assert deliver(app, now=start + timedelta(minutes=2)).sent == 3
    received = Counter(m.rcpt_tos[0] for m in picky_server.messages)
    assert received == Counter(f"person{index}@example.org" for index in range(4))
    assert {row.status for row in outbox_rows(app)} == {OutboxStatus.SENT}


def test_an_outcome_is_never_written_over_a_newer_claim(picky_server, app, make_event):
    _queue(app, make_event, 2)
    newer_claim = now_utc() + timedelta(hours=1)

    def another_sender_claims_the_second_message() -> None:
        with app.app_context():
            begin_write(db.session)
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.recipient == "person1@example.org")
                .values(claimed_at=newer_claim)
            )
            db.session.commit()

    picky_server.on_first_data = another_sender_claims_the_second_message

    assert deliver(app).sent == 2

    first, second = outbox_rows(app)
    assert first.status == OutboxStatus.SENT
    assert (second.status, second.claimed_at, second.sent_at) == (
        OutboxStatus.SENDING,
        newer_claim,
        None,
    )


def test_outcomes_are_written_once_per_batch(app, smtp_server, make_event):
    _queue(app, make_event, 12)
    commits = []
    with app.app_context():
        sa.event.listen(db.engine, "commit", lambda connection: commits.append(connection))
        report = send_pending(batch_size=6)

    assert report.sent == 12
    # Two batches: each claim and its outcomes, then the claim that finds nothing left.
    assert len(commits) <= 2 * 2 + 1
    assert {row.status for row in outbox_rows(app)} == {OutboxStatus.SENT}


def test_a_header_value_with_a_line_break_fails_the_message_unsent(app, smtp_server):
    queue_row(app, subject="Hello\nBcc: victim@example.org")

    deliver(app)

    (row,) = outbox_rows(app)
    assert row.status == OutboxStatus.FAILED
    assert row.last_error.startswith("Cannot build message:")
    assert smtp_server.messages == []


def test_outcomes_whose_first_write_fails_are_written_again(
    app, smtp_server, make_event, monkeypatch
):
    _queue(app, make_event, 3)
    from webapp.mail import delivery

    real_begin_write, calls = delivery.begin_write, []

    def busy_once_after_the_claim(session):
        calls.append(session)
        if len(calls) == 2:  # the first outcome write
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", (), Exception("database is locked"))
        real_begin_write(session)

    monkeypatch.setattr(delivery, "begin_write", busy_once_after_the_claim)
    with app.app_context():
        report = send_pending()

    assert report.sent == 3
    assert {row.status for row in outbox_rows(app)} == {OutboxStatus.SENT}
    assert len(smtp_server.messages) == 3


def test_messages_are_built_only_after_their_claim_has_committed(
    app, smtp_server, make_event, monkeypatch
):
    _queue(app, make_event, 3)
    from webapp.db import begin_write
    from webapp.mail import mime

    real_build, built = mime.build, []

    def build_while_another_writer_locks_the_row(letter, **options):
        assert not db.session().in_transaction()
        # Another writer can take the write lock and the row itself right now, without
        # waiting: nothing of the claim is held while the message is built.
        with sa.orm.Session(db.engine) as other:
            begin_write(other)
            other.execute(
                sa.select(OutboxMessage.id)
                .where(OutboxMessage.message_id == letter.message_id)
                .with_for_update(nowait=True)
            ).one()
            other.rollback()
        built.append(letter.recipient)
        return real_build(letter, **options)

    monkeypatch.setattr(mime, "build", build_while_another_writer_locks_the_row)

    assert deliver(app).sent == 3
    assert len(built) == 3


def test_a_message_that_cannot_be_built_fails_with_its_batch_outcomes(app, smtp_server):
    queue_row(app, recipient="first@example.org")
    queue_row(app, recipient="broken@example.org", recipient_name="Eve\nBcc: x@example.org")
    queue_row(app, recipient="third@example.org")
    commits = []
    with app.app_context():
        sa.event.listen(db.engine, "commit", lambda connection: commits.append(connection))
        report = send_pending()

    assert (report.sent, report.retried, report.failed) == (2, 0, 1)
    first, broken, third = outbox_rows(app)
    assert (first.status, third.status) == (OutboxStatus.SENT, OutboxStatus.SENT)
    assert (broken.status, broken.attempts) == (OutboxStatus.FAILED, 1)
    assert broken.last_error.startswith(
        "Cannot build message: line break or control character in a header value"
    )
    assert [m.rcpt_tos for m in smtp_server.messages] == [
        ["first@example.org"],
        ["third@example.org"],
    ]
    assert len(commits) == 2  # the claim, then every outcome of the batch in one write
    assert deliver(app, now=now_utc() + timedelta(days=2)).failed == 0  # never tried again

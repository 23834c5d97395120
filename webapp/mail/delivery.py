"""How mail leaves: claim due outbox rows, send them with Flask-Mail, record the outcome.

- Claiming marks rows `sending` in a short write transaction of its own (FOR UPDATE SKIP
  LOCKED on PostgreSQL, so several workers share the work; BEGIN IMMEDIATE on SQLite, one
  sender at a time). No transaction stays open while SMTP talks.
- The outcomes of a batch are written together: one transaction when the batch is done
  or its connection failed (in a slow batch also as soon as the oldest held outcome is
  older than OUTCOME_HOLD). A message the server accepted is never claimed again in the
  normal path. A crash before that write leaves the batch's rows `sending`; rows left `sending`
  longer than STALE_CLAIM are claimed again, so a crash repeats at most the messages of
  the batch in hand. An outcome is written only to a row still under this claim (status
  `sending`, same claimed_at), never over a newer claim by another sender.
- One SMTP connection per batch, with a socket timeout (MAIL_TIMEOUT) on every connection.
- Temporary failures (refused connection, timeout, 4xx) retry with exponential backoff;
  5xx answers and exhausted attempts mark the row `failed` with the server's text.
- Without MAIL_SERVER the messages are written to instance/mail/*.eml instead.
"""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from threading import Event

import sqlalchemy as sa
from flask import current_app

from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.mail import mime, smtp
from webapp.mail.fanout import expand_announcements
from webapp.mail.models import OutboxMessage, OutboxStatus

BATCH_SIZE = 50
# Backoff doubles from one minute up to six hours: with the default 12 attempts the last
# one happens about 20 hours after the first.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
STALE_CLAIM = timedelta(minutes=30)
# How long outcomes of a slow batch are held before they are written with the next one.
OUTCOME_HOLD = timedelta(seconds=10)


@dataclass
class DeliveryReport:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    """A claimed message, detached from the session: everything SMTP needs."""

    id: int
    attempts: int
    kind: str
    sender: str
    recipient: str
    subject: str
    raw: bytes
    filename: str
    claimed_at: datetime


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def send_pending(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, stop: Event | None = None
) -> DeliveryReport:
    """One pass: deliver every message due now, batch by batch; returns what happened.

    `stop` (set by a worker's signal handler) ends the pass after the current batch.
    """
    report = DeliveryReport()
    expand_announcements(now=now)
    while stop is None or not stop.is_set():
        batch = claim(batch_size, now=now)
        if not batch:
            break
        connection_ok = _deliver(batch, report, now)
        if not connection_ok or len(batch) < batch_size:
            break
    return report


def claim(limit: int, *, now: datetime | None = None) -> list[Claimed]:
    """Mark up to `limit` due messages as `sending` (committed) and return them."""
    now = now or now_utc()
    session = db.session
    begin_write(session)
    due = sa.or_(
        sa.and_(
            OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.RETRY)),
            OutboxMessage.next_attempt_at <= now,
        ),
        sa.and_(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - STALE_CLAIM,
        ),
    )
    rows = session.scalars(
        sa.select(OutboxMessage)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    attach = current_app.config["MAIL_ICS_ATTACHMENT"]
    claimed = []
    for row in rows:
        row.attempts += 1
        try:
            raw = mime.as_bytes(row, attach_ics=attach)
        except (ValueError, UnicodeError) as exc:
            row.status, row.last_error = OutboxStatus.FAILED, f"Cannot build message: {exc}"
            continue
        row.status, row.claimed_at = OutboxStatus.SENDING, now
        claimed.append(_claimed(row, raw, now))
    session.commit()
    return claimed


def _claimed(row: OutboxMessage, raw: bytes, claimed_at: datetime) -> Claimed:
    stamp = row.created_at.strftime("%Y%m%d-%H%M%S")
    return Claimed(
        id=row.id,
        attempts=row.attempts,
        kind=row.kind,
        sender=row.sender,
        recipient=mime.envelope_recipient(row),
        subject=row.subject,
        raw=raw,
        filename=f"{stamp}-{row.id:06d}-{row.kind}.eml",
        claimed_at=claimed_at,
    )


# Sets the columns named in each parameter set, only on a row still under this claim.
_OUTBOX = OutboxMessage.__table__
_OUTCOME_UPDATE = sa.update(_OUTBOX).where(
    _OUTBOX.c.id == sa.bindparam("row_id"),
    _OUTBOX.c.status == OutboxStatus.SENDING,
    _OUTBOX.c.claimed_at == sa.bindparam("row_claimed_at"),
)


class Outcomes:
    """The outcomes of a batch, held to be written together in one transaction."""

    def __init__(self) -> None:
        self._pending: list[tuple[Claimed, dict[str, object]]] = []
        self._oldest = 0.0

    def record(self, item: Claimed, **values: object) -> None:
        """Hold the row's new values; write all held ones if they have waited too long."""
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append((item, values))
        if time.monotonic() - self._oldest > OUTCOME_HOLD.total_seconds():
            self.write()

    def write(self) -> None:
        """One transaction; rows that set the same columns share one executemany UPDATE."""
        if not self._pending:
            return
        by_columns: dict[tuple[str, ...], list[dict[str, object]]] = {}
        for item, values in self._pending:
            parameters = {"row_id": item.id, "row_claimed_at": item.claimed_at, **values}
            by_columns.setdefault(tuple(values), []).append(parameters)
        session = db.session
        try:
            begin_write(session)
            for parameters in by_columns.values():
                session.execute(_OUTCOME_UPDATE, parameters)
            session.commit()
        except Exception:
            session.rollback()
            raise  # the outcomes stay held for another write
        self._pending = []


def _deliver(batch: list[Claimed], report: DeliveryReport, now: datetime | None) -> bool:
    """Send a claimed batch and write its outcomes; False if the connection failed."""
    outcomes = Outcomes()
    try:
        return _send_batch(batch, outcomes, report, now)
    finally:
        try:
            outcomes.write()
        except sa.exc.OperationalError:
            # A busy or briefly unavailable database: once more, or messages the server
            # accepted would be sent again when their claim goes stale.
            outcomes.write()


def _send_batch(
    batch: list[Claimed], outcomes: Outcomes, report: DeliveryReport, now: datetime | None
) -> bool:
    """Send a claimed batch over one connection; False if the connection failed."""
    if not current_app.config.get("MAIL_SERVER"):
        for item in batch:
            report.files.append(_write_eml(item))
            _record_sent(item, outcomes, report, now)
        return True
    state = current_app.extensions["mail"]
    connection = smtp.TimeoutConnection(state, current_app.config["MAIL_TIMEOUT"])
    try:
        connection.host = None if state.suppress else connection.configure_host()
    except (smtplib.SMTPException, OSError) as exc:
        # Whatever the server said while we connected, greeted, or logged in is about the
        # server or our settings, not this message: always worth another try later.
        failure = smtp.Failure(smtp.describe(exc), permanent=False)
        for item in batch:
            _record_failure(item, failure, outcomes, report, now)
        return False
    try:
        for index, item in enumerate(batch):
            try:
                connection.send(
                    smtp.OutboxMail(
                        sender=item.sender,
                        recipient=item.recipient,
                        subject=item.subject,
                        raw=item.raw,
                    )
                )
            except Exception as exc:
                _record_failure(item, smtp.classify(exc), outcomes, report, now)
                if connection.host is not None and connection.host.sock is None:
                    # The server hung up (timeout, 421): give the rest back untried.
                    _release(batch[index + 1 :], outcomes)
                    return False
            else:
                _record_sent(item, outcomes, report, now)
    finally:
        connection.close()
    return True


def _write_eml(item: Claimed) -> Path:
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / item.filename
    path.write_bytes(item.raw)
    current_app.logger.info("Mail: no MAIL_SERVER set, wrote %s", path)
    return path


def _record_sent(
    item: Claimed, outcomes: Outcomes, report: DeliveryReport, now: datetime | None
) -> None:
    outcomes.record(item, status=OutboxStatus.SENT, sent_at=now or now_utc(), last_error="")
    report.sent += 1


def _record_failure(
    item: Claimed,
    failure: smtp.Failure,
    outcomes: Outcomes,
    report: DeliveryReport,
    now: datetime | None,
) -> None:
    now = now or now_utc()
    text = str(failure)[:2000]
    if failure.permanent:
        outcomes.record(item, status=OutboxStatus.FAILED, last_error=text)
        report.failed += 1
    elif item.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        outcomes.record(
            item,
            status=OutboxStatus.FAILED,
            last_error=f"Gave up after {item.attempts} attempts. Last error: {text}",
        )
        report.failed += 1
    else:
        outcomes.record(
            item,
            status=OutboxStatus.RETRY,
            last_error=text,
            next_attempt_at=now + backoff(item.attempts),
        )
        report.retried += 1
    current_app.logger.warning("Mail: message %s to %s: %s", item.id, item.recipient, text)


def _release(items: list[Claimed], outcomes: Outcomes) -> None:
    """Give claimed, untried messages back, without counting an attempt."""
    for item in items:
        outcomes.record(
            item,
            status=OutboxStatus.RETRY if item.attempts > 1 else OutboxStatus.QUEUED,
            attempts=item.attempts - 1,
            claimed_at=None,
        )

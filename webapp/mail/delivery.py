"""How mail leaves: claim due outbox rows, build and send each message, record the outcome.

- Claiming marks rows `sending` in a short write transaction of its own (FOR UPDATE SKIP
  LOCKED on PostgreSQL, so several workers share the work; BEGIN IMMEDIATE on SQLite, one
  sender at a time) and returns their values as plain data. No transaction stays open
  while messages are built or SMTP talks: a message is built after its claim committed,
  and one that cannot be built fails for good in the outcome write, saying why.
- The outcomes of a batch are written together: one transaction when the batch is done
  or its connection failed (in a slow batch also as soon as the oldest held outcome is
  older than OUTCOME_HOLD). A message the server accepted is never claimed again in the
  normal path. A crash before that write leaves the batch's rows `sending`; rows left `sending`
  longer than STALE_CLAIM are claimed again, so a crash repeats at most the messages of
  the batch in hand. An outcome is written only to a row still under this claim (status
  `sending`, same claimed_at), never over a newer claim by another sender.
- One SMTP connection per batch through Flask-Mail, with a socket timeout (MAIL_TIMEOUT)
  on every connection (webapp.mail.smtp). A message to an address with non-ASCII
  characters before the @ cannot be built, and fails for good (webapp.mail.addresses).
- Temporary failures (refused connection, timeout, 4xx) retry with exponential backoff;
  5xx answers and exhausted attempts mark the row `failed` with the server's text.
- Without MAIL_SERVER the messages are written to instance/mail/*.eml instead.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from pathlib import Path
from threading import Event

import flask_mail
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
# The outbox columns a message is built from (mime.Letter names them alike).
_LETTER_FIELDS = tuple(f.name for f in fields(mime.Letter))


@dataclass
class DeliveryReport:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    """A claimed message as plain data, detached from the session: everything to build it."""

    id: int
    attempts: int
    kind: str
    claimed_at: datetime
    letter: mime.Letter

    @property
    def filename(self) -> str:
        """The name of its .eml file when there is no mail server."""
        stamp = self.letter.created_at.strftime("%Y%m%d-%H%M%S")
        return f"{stamp}-{self.id:06d}-{self.kind}.eml"


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
    for row in rows:
        row.attempts += 1
        row.status, row.claimed_at = OutboxStatus.SENDING, now
    claimed = [_claimed(row) for row in rows]
    session.commit()
    return claimed


def _claimed(row: OutboxMessage) -> Claimed:
    letter = mime.Letter(**{name: getattr(row, name) for name in _LETTER_FIELDS})
    return Claimed(row.id, row.attempts, row.kind, row.claimed_at, letter)


# Sets the columns named in each parameter set, only on a row still under this claim.
_OUTBOX = OutboxMessage.__table__
_OUTCOME_UPDATE = sa.update(_OUTBOX).where(
    _OUTBOX.c.id == sa.bindparam("row_id"),
    _OUTBOX.c.status == OutboxStatus.SENDING,
    _OUTBOX.c.claimed_at == sa.bindparam("row_claimed_at"),
)


class Outcomes:
    """The outcomes of a batch, held to be written together in one transaction."""

    def __init__(self, report: DeliveryReport, now: datetime | None) -> None:
        self.report = report
        self.now = now
        self._pending: list[tuple[Claimed, dict[str, object]]] = []
        self._oldest = 0.0

    def sent(self, item: Claimed) -> None:
        """The server accepted the message."""
        self.record(item, status=OutboxStatus.SENT, sent_at=self.now or now_utc(), last_error="")
        self.report.sent += 1

    def failed(self, item: Claimed, failure: smtp.Failure) -> None:
        """Failed for good, or to be retried after a backoff unless attempts are used up."""
        text = str(failure)[:2000]
        if failure.permanent:
            self.record(item, status=OutboxStatus.FAILED, last_error=text)
            self.report.failed += 1
        elif item.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            text = f"Gave up after {item.attempts} attempts. Last error: {text}"
            self.record(item, status=OutboxStatus.FAILED, last_error=text)
            self.report.failed += 1
        else:
            retry_at = (self.now or now_utc()) + backoff(item.attempts)
            self.record(item, status=OutboxStatus.RETRY, last_error=text, next_attempt_at=retry_at)
            self.report.retried += 1
        current_app.logger.warning(
            "Mail: message %s to %s: %s", item.id, item.letter.recipient, text
        )

    def release(self, items: list[Claimed]) -> None:
        """Give claimed, untried messages back, without counting an attempt."""
        for item in items:
            status = OutboxStatus.RETRY if item.attempts > 1 else OutboxStatus.QUEUED
            self.record(item, status=status, attempts=item.attempts - 1, claimed_at=None)

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
    """Build and send a claimed batch, then write its outcomes; False if the connection failed."""
    outcomes = Outcomes(report, now)
    try:
        return _send_batch(batch, outcomes)
    finally:
        try:
            outcomes.write()
        except sa.exc.OperationalError:
            # A busy or briefly unavailable database: once more, or messages the server
            # accepted would be sent again when their claim goes stale.
            outcomes.write()


def _send_batch(batch: list[Claimed], outcomes: Outcomes) -> bool:
    """Send a claimed batch over one connection (or into .eml files); False if it failed."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        for item in batch:
            built = _build(item, outcomes)
            if built is not None:
                outcomes.report.files.append(_write_eml(item, built))
                outcomes.sent(item)
        return True
    with ExitStack() as stack:
        try:
            connection = stack.enter_context(smtp.connection(config["MAIL_TIMEOUT"]))
        except OSError as exc:  # smtplib.SMTPException included
            # Whatever the server said while we connected, greeted, or logged in is about
            # the server or our settings, not this message: always worth another try later.
            failure = smtp.Failure(smtp.describe(exc), permanent=False)
            for item in batch:
                outcomes.failed(item, failure)
            return False
        return _send_over(connection, batch, outcomes)


def _send_over(connection: flask_mail.Connection, batch: list[Claimed], outcomes: Outcomes) -> bool:
    """Build and send each message in turn; False if the server hung up."""
    for index, item in enumerate(batch):
        built = _build(item, outcomes)
        if built is None:
            continue
        try:
            smtp.send(connection, built)
        except Exception as exc:
            failure = smtp.classify(exc)
            outcomes.failed(item, failure)
            if failure.lost_connection:
                outcomes.release(batch[index + 1 :])
                return False
        else:
            outcomes.sent(item)
    return True


def _build(item: Claimed, outcomes: Outcomes) -> mime.Built | None:
    """The item's message; None if it cannot be built, which fails it for good."""
    try:
        return mime.build(item.letter, attach_ics=current_app.config["MAIL_ICS_ATTACHMENT"])
    except mime.BuildError as exc:
        outcomes.failed(item, smtp.Failure(f"Cannot build message: {exc}", permanent=True))
        return None


def _write_eml(item: Claimed, built: mime.Built) -> Path:
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / item.filename
    path.write_bytes(built.as_bytes())
    current_app.logger.info("Mail: no MAIL_SERVER set, wrote %s", path)
    return path

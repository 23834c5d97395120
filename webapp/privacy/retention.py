"""Retention: erase what Convene no longer needs, on a schedule (`flask privacy purge`).

- An event's registrations (names, addresses, organisation, role, needs, answers) are
  erased once its end plus its retention period has passed: Event.retention_months, else
  PERSONAL_DATA_RETENTION_MONTHS. Months are calendar months added to the end as a UTC
  instant, the day kept where the month has it and else the month's last day (an event
  ending 31 January 18:00 UTC is due 28 or 29 February 18:00 UTC with one month). Counts
  per status, mode, country, check-in and online attendance are kept (privacy.statistics).
  A postponed event waits for its new date: its registrations still count on it.
- An outbox message keeps its address, subject, bodies and invite until
  OUTBOX_BODY_RETENTION_DAYS after it was sent, or after its last attempt failed; never
  while it may still go out.
- Unconfirmed organiser imports (they list names) are dropped after IMPORT_RETENTION.
- Audit entries go after AUDIT_RETENTION_DAYS.

Each event is purged in its own transaction under its row lock, re-checked under the lock,
so a crash leaves every event either purged or untouched and two runs at once purge each
event once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from webapp import audit
from webapp.db import begin_write, lock_row, now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail.models import OutboxMessage, OutboxStatus
from webapp.privacy import erasure, statistics
from webapp.registration.models import PendingImport, Registration
from webapp.webhooks import services as webhooks

# No retention period is shorter than one month, and no month is shorter than this.
SHORTEST_MONTH = timedelta(days=28)
IMPORT_RETENTION = timedelta(days=2)
# Registrations erased, and outbox rows blanked, per statement.
CHUNK = 1000


def add_months(instant: datetime, months: int) -> datetime:
    """`instant` moved by whole calendar months, on the month's last day if it is shorter."""
    year, month = divmod(instant.month - 1 + months, 12)
    year += instant.year
    day = min(instant.day, calendar.monthrange(year, month + 1)[1])
    return instant.replace(year=year, month=month + 1, day=day)


def retention_months(event: Event) -> int:
    """The event's own retention period, else the site's."""
    return event.retention_months or int(current_app.config["PERSONAL_DATA_RETENTION_MONTHS"])


def purge_due_at(event: Event) -> datetime:
    """When the event's registrations' personal data is to be erased."""
    return add_months(event.ends_at, retention_months(event))


def _is_due(event: Event, now: datetime) -> bool:
    return (
        event.personal_data_purged_at is None
        and event.postponed_at is None
        and purge_due_at(event) <= now
    )


def due_events(now: datetime) -> list[Event]:
    """The events not purged yet whose retention period has passed, in id order."""
    candidates = db.session.scalars(
        sa.select(Event)
        .where(Event.personal_data_purged_at.is_(None), Event.ends_at <= now - SHORTEST_MONTH)
        .order_by(Event.id)
    )
    return [event for event in candidates if _is_due(event, now)]


@dataclass(frozen=True)
class EventPurge:
    """One event's purge, or what it would be."""

    event_id: int
    title: str
    ends_at: datetime
    registrations: int
    messages: int


def preview(event: Event) -> EventPurge:
    """What purging `event` would erase, read without changing anything."""
    registrations = db.session.scalar(
        sa.select(sa.func.count()).where(Registration.event_id == event.id)
    )
    messages = db.session.scalar(
        sa.select(sa.func.count()).where(_event_messages(event.id), _kept())
    )
    return EventPurge(event.id, event.title, event.ends_at, registrations, messages)


def _event_messages(event_id: int) -> sa.ColumnElement[bool]:
    ids = sa.select(Registration.id).where(Registration.event_id == event_id)
    return sa.or_(OutboxMessage.event_id == event_id, OutboxMessage.registration_id.in_(ids))


def _kept() -> sa.ColumnElement[bool]:
    return OutboxMessage.erased_at.is_(None)


def purge_event(event_id: int, *, now: datetime) -> EventPurge | None:
    """Erase one due event's personal data and keep its counts, in one committed
    transaction; None (nothing changed) if it is not due or already purged."""
    event = lock_row(db.session, Event, event_id)
    if event is None or not _is_due(event, now):
        db.session.rollback()
        return None
    statistics.snapshot(event.id)
    ids = list(
        db.session.scalars(sa.select(Registration.id).where(Registration.event_id == event.id))
    )
    registrations = messages = 0
    for start in range(0, len(ids), CHUNK):
        erased = erasure.erase_registrations(ids[start : start + CHUNK], now=now, mentions=False)
        registrations += erased.registrations
        messages += erased.messages
    messages += erasure.blank_messages(OutboxMessage.event_id == event.id, now)
    db.session.execute(
        sa.delete(PendingImport)
        .where(PendingImport.event_id == event.id)
        .execution_options(synchronize_session=False)
    )
    event.personal_data_purged_at = now
    audit.record(
        "privacy.purged",
        object_type="event",
        object_id=event.id,
        event_id=event.id,
        details={"registrations": registrations, "messages": messages},
        now=now,
    )
    result = EventPurge(event.id, event.title, event.ends_at, registrations, messages)
    db.session.commit()
    return result


def outbox_cutoff(now: datetime) -> datetime:
    """Messages delivered or failed before this instant lose their personal data."""
    return now - timedelta(days=int(current_app.config["OUTBOX_BODY_RETENTION_DAYS"]))


def _outbox_expired(now: datetime) -> sa.ColumnElement[bool]:
    # A failed message's last attempt is when it was last claimed for sending (claimed_at
    # stays on the row); one that failed without an attempt has only its creation date.
    cutoff = outbox_cutoff(now)
    last_attempt = sa.func.coalesce(OutboxMessage.claimed_at, OutboxMessage.created_at)
    return sa.and_(
        _kept(),
        sa.or_(
            sa.and_(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < cutoff),
            sa.and_(OutboxMessage.status == OutboxStatus.FAILED, last_attempt < cutoff),
        ),
    )


def count_expired_messages(now: datetime) -> int:
    """How many delivered or failed messages are past the outbox retention period."""
    return db.session.scalar(sa.select(sa.func.count()).where(_outbox_expired(now)))


def purge_outbox(now: datetime) -> int:
    """Blank the expired messages, a committed chunk at a time; returns how many."""
    total = 0
    while True:
        begin_write(db.session)
        ids = list(
            db.session.scalars(
                sa.select(OutboxMessage.id)
                .where(_outbox_expired(now))
                .order_by(OutboxMessage.id)
                .limit(CHUNK)
            )
        )
        done = erasure.blank_messages(OutboxMessage.id.in_(ids), now) if ids else 0
        db.session.commit()
        total += done
        if len(ids) < CHUNK:
            return total


def _stale_imports(now: datetime) -> sa.ColumnElement[bool]:
    return PendingImport.created_at < now - IMPORT_RETENTION


def purge_imports(now: datetime) -> int:
    """Delete organiser imports older than IMPORT_RETENTION (they list people)."""
    begin_write(db.session)
    deleted = db.session.execute(
        sa.delete(PendingImport)
        .where(_stale_imports(now))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return deleted or 0


def audit_cutoff(now: datetime) -> datetime:
    """Audit entries older than this are deleted."""
    return now - timedelta(days=int(current_app.config.get("AUDIT_RETENTION_DAYS", 730)))


def purge_audit(now: datetime) -> int:
    """Delete the audit entries past AUDIT_RETENTION_DAYS, recording the purge."""
    days = int(current_app.config.get("AUDIT_RETENTION_DAYS", 730))
    deleted = audit.purge_expired(days, now=now)
    db.session.commit()
    return deleted


@dataclass
class PurgeReport:
    """What one run erased (or, in a dry run, would erase)."""

    events: list[EventPurge] = field(default_factory=list)
    messages: int = 0
    imports: int = 0
    audit_entries: int = 0
    webhook_payloads: int = 0
    # Steps that failed (a lock not obtained, the database away), e.g. "event 12".
    failures: list[str] = field(default_factory=list)


def run(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Every retention rule, in order: events, outbox, webhook payloads, imports, audit log.

    A step that cannot get its lock or its database (OperationalError) is rolled back,
    logged and named in `report.failures`; the steps after it still run, and the next run
    takes it up again.
    """
    now = now or now_utc()
    due = due_events(now)
    if dry_run:
        return _preview_run(due, now)
    report = PurgeReport()
    for event_id in [event.id for event in due]:
        purged = _attempt(report, f"event {event_id}", purge_event, event_id, now=now)
        if purged is not None:
            report.events.append(purged)
    report.messages = _attempt(report, "outbox", purge_outbox, now) or 0
    report.webhook_payloads = _attempt(report, "webhook payloads", _purge_payloads, now) or 0
    report.imports = _attempt(report, "imports", purge_imports, now) or 0
    report.audit_entries = _attempt(report, "audit log", purge_audit, now) or 0
    return report


def _attempt(report: PurgeReport, step: str, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except sa.exc.OperationalError as exc:
        db.session.rollback()
        current_app.logger.warning("Retention: %s not purged this time: %s", step, exc.orig)
        report.failures.append(step)
        return None


def _purge_payloads(now: datetime) -> int:
    erased = webhooks.purge_delivered_payloads(now)
    db.session.commit()
    return erased


def _preview_run(due: list[Event], now: datetime) -> PurgeReport:
    """What a run would erase now; reads only."""
    report = PurgeReport(
        events=[preview(event) for event in due],
        messages=count_expired_messages(now),
        webhook_payloads=webhooks.count_expired_payloads(now),
        imports=_count(PendingImport, _stale_imports(now)),
        audit_entries=_count(audit.AuditEntry, audit.AuditEntry.occurred_at < audit_cutoff(now)),
    )
    db.session.rollback()
    return report


def _count(model, where: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where))

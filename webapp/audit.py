"""The audit log: who did what, when, to which object. A low floor every feature may call.

`record()` adds one entry to the session inside the action's own write transaction, so an
action and its entry are committed together or not at all. Entries name people by id
(organiser, registration), never by name or address; `details` carries only what an
auditor needs (the fields that changed, an export's format and row count). The app never
changes an entry: an update or delete through the ORM raises. Only the retention job
removes entries older than AUDIT_RETENTION_DAYS, with one bulk statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import UTCDateTime, begin_write, now_utc
from webapp.extensions import db


class ImmutableAuditEntry(RuntimeError):
    """Something tried to change or delete an audit entry through the ORM."""


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_event_id_id", "event_id", "id"),
        sa.Index("ix_audit_entry_occurred_at", "occurred_at"),
        sa.Index("ix_audit_entry_action", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The organiser who acted; None for the system (a cron job) or an unknown sign-in name.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="SET NULL"), default=None, index=True
    )
    # Dotted verb, e.g. "event.edited", "attendee.checked_in", "auth.sign_in_failed".
    action: Mapped[str] = mapped_column(sa.String(60))
    # What was acted on: ("event", 12), ("registration", 345), ("organiser", 3), ...
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[int | None] = mapped_column(default=None)
    # The event the action concerns, so its organisers see it on the event page. Not a
    # foreign key: the entry outlives a deleted event.
    event_id: Mapped[int | None] = mapped_column(default=None)
    # JSON object of non-personal facts (changed field names, format, row count, ...).
    details: Mapped[str] = mapped_column(sa.Text, default="{}")

    @property
    def details_dict(self) -> dict[str, Any]:
        return json.loads(self.details or "{}")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"


@sa.event.listens_for(AuditEntry, "before_update")
@sa.event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper, _connection, entry: AuditEntry) -> None:
    raise ImmutableAuditEntry(f"audit entry {entry.id} cannot be changed")


def record(
    action: str,
    *,
    actor: Any = None,
    object_type: str = "",
    object_id: int | None = None,
    event_id: int | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add an audit entry to the current write transaction (beginning one if none is open).

    `actor` is an Organiser (or anything with an `id`), or None for the system.
    """
    begin_write(db.session)
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=object_id,
        event_id=event_id,
        details=json.dumps(details or {}, sort_keys=True, ensure_ascii=False, default=str),
        occurred_at=now or now_utc(),
    )
    db.session.add(entry)
    return entry


def purge_older_than(cutoff: datetime) -> int:
    """Delete the entries that occurred before `cutoff`; the caller commits. Returns the count."""
    begin_write(db.session)
    result = db.session.execute(sa.delete(AuditEntry).where(AuditEntry.occurred_at < cutoff))
    return result.rowcount or 0


def snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    """The current values of `names` on `obj`, to compare with after a change."""
    return {name: getattr(obj, name) for name in names}


def changed_fields(before: dict[str, Any], obj: Any) -> list[str]:
    """The names in `before` (a snapshot) whose value on `obj` differs now, sorted."""
    return sorted(name for name, value in before.items() if getattr(obj, name) != value)


def purge_expired(retention_days: int, *, now: datetime | None = None) -> int:
    """Delete entries older than `retention_days` and record the purge (no names, a count).

    Returns the count; the caller commits. A run that finds nothing records nothing, so
    running it again changes nothing.
    """
    now = now or now_utc()
    count = purge_older_than(now - timedelta(days=retention_days))
    if count:
        record(
            "audit.purged",
            object_type="audit",
            details={"count": count, "retention_days": retention_days},
            now=now,
        )
    return count

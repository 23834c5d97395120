"""Reading the audit log for the organiser area: filters, pages by id, rows to show, CSV.

Pages are keyed by the entry id (newest first), never by time: entries of one
transaction share their time, and ids only grow.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp import timezones
from webapp.audit import AuditEntry
from webapp.events.models import Event
from webapp.extensions import db
from webapp.organiser.audit_labels import (
    ACTION_LABELS,
    OBJECT_LABELS,
    PREFIX_LABELS,
    action_label,
    describe,
    object_label,
)
from webapp.organiser.export import neutralise
from webapp.organiser.models import Organiser
from webapp.registration.models import Registration

SYSTEM = "system"
CSV_BATCH = 500


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to show; every part is optional. Instants are UTC, `until` exclusive."""

    action: str = ""  # one action, or a family ending in "." ("event.")
    actor: str = ""  # an organiser id as text, or SYSTEM
    event_id: int | None = None
    object_type: str = ""
    object_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def used(self) -> list[str]:
        """The names of the parts that filter, for the log of a download."""
        return [name for name, value in vars(self).items() if value not in ("", None)]


def _conditions(query: AuditQuery) -> list[sa.ColumnElement[bool]]:
    found = []
    if query.action.endswith("."):
        found.append(AuditEntry.action.startswith(query.action, autoescape=True))
    elif query.action:
        found.append(AuditEntry.action == query.action)
    if query.actor == SYSTEM:
        found.append(AuditEntry.actor_id.is_(None))
    elif query.actor:
        found.append(AuditEntry.actor_id == int(query.actor))
    for column, value in (
        (AuditEntry.event_id, query.event_id),
        (AuditEntry.object_id, query.object_id),
    ):
        if value is not None:
            found.append(column == value)
    if query.object_type:
        found.append(AuditEntry.object_type == query.object_type)
    if query.since is not None:
        found.append(AuditEntry.occurred_at >= query.since)
    if query.until is not None:
        found.append(AuditEntry.occurred_at < query.until)
    return found


@dataclass(frozen=True)
class AuditPage:
    """A page of entries, newest first, with the cursors to the pages around it."""

    items: list[AuditEntry]
    older: int | None  # the id to read older entries below, if there are any
    newer: int | None  # the id to read newer entries above, if there are any


def entries_page(
    query: AuditQuery, *, per_page: int, older: int | None = None, newer: int | None = None
) -> AuditPage:
    """One page: the newest entries, those below id `older`, or those just above `newer`."""
    stmt = sa.select(AuditEntry).where(*_conditions(query))
    if newer is not None:
        stmt = stmt.where(AuditEntry.id > newer).order_by(AuditEntry.id.asc())
    else:
        if older is not None:
            stmt = stmt.where(AuditEntry.id < older)
        stmt = stmt.order_by(AuditEntry.id.desc())
    found = list(db.session.scalars(stmt.limit(per_page + 1)))
    more = len(found) > per_page
    items = found[:per_page]
    if newer is not None:
        items.reverse()
    if not items:
        return AuditPage([], None, None)
    has_older = more if newer is None else True
    has_newer = (older is not None) or (newer is not None and more)
    return AuditPage(items, items[-1].id if has_older else None, items[0].id if has_newer else None)


def _stored(column) -> list[str]:
    return [value for value in db.session.scalars(sa.select(column).distinct()) if value]


def action_choices() -> list[tuple[str, str]]:
    """Families and actions to filter by: the named ones and any stored, labelled."""
    actions = sorted(set(ACTION_LABELS) | set(_stored(AuditEntry.action)))
    prefixes = sorted(set(PREFIX_LABELS) | {a.split(".")[0] + "." for a in actions if "." in a})
    return [
        ("", _("All actions")),
        *((p, str(PREFIX_LABELS.get(p, p + "*"))) for p in prefixes),
        *((a, action_label(a)) for a in actions),
    ]


def object_type_choices() -> list[tuple[str, str]]:
    """Object types to filter by: the named ones and any stored."""
    types = sorted(set(OBJECT_LABELS) | set(_stored(AuditEntry.object_type)))
    return [("", _("Any object")), *((t, object_label(t)) for t in types)]


def actor_choices() -> list[tuple[str, str]]:
    """Everyone who may have acted: the system, then every organiser account by email."""
    organisers = db.session.execute(
        sa.select(Organiser.id, Organiser.email, Organiser.name).order_by(Organiser.email)
    )
    return [
        ("", _("Anyone")),
        (SYSTEM, _("System")),
        *((str(i), f"{name} <{email}>" if name else email) for i, email, name in organisers),
    ]


@dataclass(frozen=True)
class Row:
    """One entry ready to show: times in the viewer's zone, names, a link if still there."""

    entry: AuditEntry
    when: str
    actor: str
    action: str
    object: str
    link: tuple[str, dict[str, Any]] | None  # endpoint and its values
    details: list[tuple[str, str]]


def _names(ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(
        sa.select(Organiser.id, Organiser.email, Organiser.name).where(Organiser.id.in_(ids))
    )
    return {i: f"{name} <{email}>" if name else email for i, email, name in rows}


def _existing(entries: list[AuditEntry]) -> tuple[set[int], dict[int, int]]:
    """The events still there, and the registrations still there (with their event)."""
    event_ids = {e.event_id for e in entries if e.event_id} | {
        e.object_id for e in entries if e.object_type == "event" and e.object_id
    }
    registration_ids = {e.object_id for e in entries if e.object_type == "registration"}
    events = set(db.session.scalars(sa.select(Event.id).where(Event.id.in_(event_ids))))
    registrations = dict(
        db.session.execute(
            sa.select(Registration.id, Registration.event_id).where(
                Registration.id.in_(registration_ids)
            )
        ).all()
    )
    return events, registrations


def _link(entry: AuditEntry, events: set[int], registrations: dict[int, int], admin: bool):
    kind, oid = entry.object_type, entry.object_id
    if kind == "registration" and oid in registrations:
        return "organiser.attendee_detail", {"event_id": registrations[oid], "registration_id": oid}
    if kind == "question" and entry.event_id in events:
        return "organiser.questions", {"event_id": entry.event_id}
    if kind == "organiser" and admin:
        return "organiser.account_list", {}
    event_id = oid if kind == "event" else entry.event_id
    if event_id in events:
        return "organiser.event_detail", {"event_id": event_id}
    return None


def rows_for(entries: list[AuditEntry], zone: str, *, admin: bool) -> list[Row]:
    """The entries as rows for a table, in the viewer's zone."""
    names = _names({e.actor_id for e in entries if e.actor_id is not None})
    events, registrations = _existing(entries)
    return [
        Row(
            entry=entry,
            when=timezones.format_table_time(entry.occurred_at, zone),
            actor=names.get(entry.actor_id, _("System")) if entry.actor_id else _("System"),
            action=action_label(entry.action),
            object=" ".join(
                part for part in (object_label(entry.object_type), _id(entry.object_id)) if part
            ),
            link=_link(entry, events, registrations, admin),
            details=describe(entry.details_dict),
        )
        for entry in entries
    ]


def _id(value: int | None) -> str:
    return f"#{value}" if value is not None else ""


CSV_HEADERS = ("id", "occurred_at_utc", "actor_id", "actor", "action", "object_type")
CSV_HEADERS += ("object_id", "event_id", "details")


def csv_rows(query: AuditQuery) -> Iterator[tuple]:
    """The matching entries, newest first, as CSV rows (the actor by id and address)."""
    stmt = (
        sa.select(AuditEntry, Organiser.email)
        .outerjoin(Organiser, Organiser.id == AuditEntry.actor_id)
        .where(*_conditions(query))
        .order_by(AuditEntry.id.desc())
        .execution_options(yield_per=CSV_BATCH)
    )
    with db.session.execute(stmt) as result:
        yield from (_csv_row(entry, email) for entry, email in result)


def _csv_row(entry: AuditEntry, email: str | None) -> tuple:
    return (
        entry.id,
        timezones.iso_utc(entry.occurred_at),
        entry.actor_id if entry.actor_id is not None else "",
        email or SYSTEM,
        entry.action,
        entry.object_type,
        entry.object_id if entry.object_id is not None else "",
        entry.event_id if entry.event_id is not None else "",
        entry.details,
    )


def csv_stream(rows: Iterable[tuple]) -> Iterator[bytes]:
    """CSV as UTF-8 byte chunks with a BOM; text cells neutralised against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADERS)
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(c) if isinstance(c, str) else c for c in row])
        if count % CSV_BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")

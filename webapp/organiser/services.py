"""Event management for organisers: create, edit, duplicate, publish, unpublish, cancel.

Every function changes the session without committing; the view commits once, so an
event change and the emails it causes are stored together or not at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import audit, timezones
from webapp.communication import changes, notifications, postpone
from webapp.communication.models import NotifyChoice
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventKind, EventStatus
from webapp.extensions import db
from webapp.mail import fanout, messages
from webapp.mail.messages import MessageKind
from webapp.mail.models import OutboxMessage, OutboxStatus
from webapp.organiser.models import Organiser
from webapp.organiser.questions import copy_questions
from webapp.organiser.translations import TextData, apply_translations, copies_of
from webapp.webhooks import services as webhooks

SLUG_TAKEN = _l("Another event already uses this web address.")
# Lost races for a free web address before giving up (each loses only to a new event).
SLUG_ATTEMPTS = 5
# What attendees' calendars hold: a change to any of these is a change to announce.
PLACE_FIELDS = ("format", "venue_name", "address", "city", "country", "online_url")


class EventStateError(ValueError):
    """An event change that is not allowed in the event's current state."""


class SlugTaken(EventStateError):
    """The requested web address already belongs to another event."""


@dataclass
class EventData:
    """Validated values from the event form."""

    PLAIN_FIELDS: ClassVar[tuple[str, ...]] = (
        "title",
        "slug",
        "summary",
        "description",
        "timezone",
        "venue_name",
        "address",
        "city",
        "country",
        "online_url",
        "capacity",
        "online_capacity",
        "requires_email_confirmation",
        "hold_minutes",
        "organiser_name",
        "organiser_email",
        "confirmation_note",
        "retention_months",
    )

    title: str
    slug: str
    kind: EventKind
    format: EventFormat
    summary: str
    description: str
    start_local: datetime
    end_local: datetime
    timezone: str
    venue_name: str = ""
    address: str = ""
    city: str = ""
    country: str = ""
    online_url: str = ""
    capacity: int | None = None
    online_capacity: int | None = None  # hybrid events: the online seats (None: no limit)
    requires_email_confirmation: bool = False
    hold_minutes: int = 30
    confirmation_note: str = ""
    retention_months: int | None = None  # None: the site's default
    registration_opens_local: datetime | None = None
    registration_closes_local: datetime | None = None
    organiser_name: str = ""
    organiser_email: str = ""
    language: str = "en"  # of title, summary and description
    # The other languages the organiser filled in; any language missing here has no text.
    translations: dict[str, TextData] = field(default_factory=dict)
    # The organiser's note to attendees, sent only if the edit changes the time or place.
    change_message: str = ""


@dataclass(frozen=True)
class ChangeOutcome:
    """What an edit did: whether attendees must hear of it and how many emails were queued."""

    announced: bool
    queued: int
    # The time changed: the waiting list may have opened again (a later date, or the end
    # of a postponement), so the view fills free seats from it.
    moved: bool = False
    # The names of the event's columns the edit changed ("translations" for its other
    # languages), for the audit log; and whether it gave a postponed event its new date.
    fields: tuple[str, ...] = ()
    rescheduled: bool = False


def slugify(text: str) -> str:
    """'Smart Regions – Brussels 2027' -> 'smart-regions-brussels-2027'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].rstrip("-") or "event"


def _slug_exists(slug: str, except_id: int | None = None) -> bool:
    stmt = sa.select(Event.id).where(Event.slug == slug)
    if except_id is not None:
        stmt = stmt.where(Event.id != except_id)
    return db.session.scalar(stmt) is not None


def free_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken yet."""
    candidate, number = base, 1
    while _slug_exists(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _add_with_free_slug(event: Event, base: str, *, exact: bool) -> None:
    """Add a new event under the web address `base` (exactly, or the first free `base-N`).

    PostgreSQL does not serialise writers as SQLite does, so another organiser may take the
    same address between our look-up and our insert: the unique index decides, and a lost
    race tries the next free address (or, for an address the organiser chose, says so).
    """
    for _attempt in range(SLUG_ATTEMPTS):
        event.slug = base if exact else free_slug(base)
        if exact and _slug_exists(base):
            raise SlugTaken(str(SLUG_TAKEN))
        try:
            with db.session.begin_nested():
                db.session.add(event)
            return
        except sa.exc.IntegrityError:
            if not _slug_exists(event.slug):
                raise
    raise SlugTaken(str(SLUG_TAKEN))


# What an edit may change, as the audit log names it: the rest is the event's bookkeeping,
# set elsewhere, or derived (the UTC start and end follow the wall times and the zone).
EDITABLE_COLUMNS = tuple(
    column.key
    for column in Event.__table__.columns
    if column.key
    not in {"id", "owner_id", "status", "sequence", "created_at", "updated_at", "search_text"}
    | {"postponed_at", "previous_starts_at", "notify_each", "starts_at", "ends_at"}
)


def _apply(event: Event, data: EventData) -> bool:
    """Copy the form onto the event; whether its translations changed."""
    for name in EventData.PLAIN_FIELDS:
        if name != "slug":
            setattr(event, name, getattr(data, name))
    event.kind, event.format = data.kind, data.format
    event.set_schedule(data.start_local, data.end_local, data.timezone)
    event.registration_opens_at = _instant(data.registration_opens_local, data.timezone)
    event.registration_closes_at = _instant(data.registration_closes_local, data.timezone)
    event.language = data.language
    translated = apply_translations(event, data.translations)
    if translated and event.id is not None:
        # The event row may not change otherwise, but its pages and calendar entries
        # (stored per updated_at) must be rebuilt with the new words.
        event.updated_at = now_utc()
    return translated


def _instant(local: datetime | None, zone: str) -> datetime | None:
    return timezones.to_utc(local, zone) if local is not None else None


def create_event(organiser: Organiser, data: EventData) -> Event:
    """A new draft event owned by `organiser`; remembers the zone as their next default."""
    begin_write(db.session)
    event = Event(owner_id=organiser.id, status=EventStatus.DRAFT)
    _apply(event, data)
    _add_with_free_slug(event, data.slug or slugify(data.title), exact=bool(data.slug))
    organiser.last_timezone = data.timezone
    event.notify_each = organiser.notify_default == NotifyChoice.EACH
    return event


def _time_and_place(event: Event) -> tuple:
    return (event.starts_at, event.ends_at, *(getattr(event, name) for name in PLACE_FIELDS))


def update_event(event: Event, organiser: Organiser, data: EventData) -> ChangeOutcome:
    """Apply the form; a published event whose time or place moved tells its attendees,
    and any stored change of a published event tells its webhooks."""
    if event.status == EventStatus.CANCELLED:
        raise EventStateError(_("A cancelled event can no longer be edited."))
    if event.status == EventStatus.DRAFT and data.slug and data.slug != event.slug:
        _rename(event, data.slug)
    before, was = _time_and_place(event), changes.snapshot(event)
    columns = audit.snapshot(event, EDITABLE_COLUMNS)
    translated = _apply(event, data)
    fields = (*audit.changed_fields(columns, event), *(["translations"] if translated else []))
    organiser.last_timezone = data.timezone
    if event.status != EventStatus.PUBLISHED or _time_and_place(event) == before:
        if event.status == EventStatus.PUBLISHED and fields:  # receivers hear of any edit
            webhooks.event_event("event.changed", event)
        return ChangeOutcome(announced=False, queued=0, fields=fields)
    moved = (event.starts_at, event.ends_at) != before[:2]
    rescheduled = postpone.reschedule_if_postponed(event, was["starts_at"], moved)
    event.sequence += 1
    db.session.flush()
    notice = changes.compare(was, event, data.change_message)
    notice.rescheduled = rescheduled
    webhooks.event_event("event.changed", event)
    queued = messages.queue_for_attendees(
        event, MessageKind.EVENT_CHANGED, details=notice.to_json()
    )
    return ChangeOutcome(
        announced=True, queued=queued, moved=moved, fields=fields, rescheduled=rescheduled
    )


def _rename(event: Event, slug: str) -> None:
    """Give a draft another web address, unless another event has it (or takes it now)."""
    if _slug_exists(slug, except_id=event.id):
        raise SlugTaken(str(SLUG_TAKEN))
    event.slug = slug
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise SlugTaken(str(SLUG_TAKEN)) from None


def seats_added(
    capacity_before: int | None, event: Event, online_capacity_before: int | None = None
) -> bool:
    """Whether an edit freed seats (in the room, or online at a hybrid event) that people on
    the waiting list should now get."""
    if event.status != EventStatus.PUBLISHED:
        return False
    online = event.is_hybrid and _raised(online_capacity_before, event.online_capacity)
    return _raised(capacity_before, event.capacity) or online


def _raised(before: int | None, after: int | None) -> bool:
    return before is not None and (after is None or after > before)


# What belongs to one event's life rather than to its content: a copy starts as a new draft,
# never postponed nor rescheduled, and notify_each is worked out again for its owner.
_NOT_COPIED = frozenset(
    {"id", "slug", "owner_id", "status", "sequence", "created_at", "updated_at"}
    | {"postponed_at", "previous_starts_at", "notify_each", "personal_data_purged_at"}
)


def duplicate_event(event: Event, organiser: Organiser) -> Event:
    """A draft copy with a fresh web address, owned by whoever duplicated it; its shown
    registration questions come along (their answers do not)."""
    begin_write(db.session)
    copy = Event(
        owner_id=organiser.id,
        status=EventStatus.DRAFT,
        sequence=0,
    )
    for column in Event.__table__.columns:
        if column.key not in _NOT_COPIED:
            setattr(copy, column.key, getattr(event, column.key))
    copy.title = f"{event.title} (copy)"[:200]
    copy.co_organisers = list(event.co_organisers)
    copy.translations = copies_of(event)
    _add_with_free_slug(copy, f"{event.slug[:100]}-copy", exact=False)
    copy_questions(event, copy)
    notifications.refresh(copy)  # another owner, and no per-event choices yet
    return copy


def publish(event: Event) -> None:
    """Show a draft in the public catalogue."""
    if event.status != EventStatus.DRAFT:
        raise EventStateError(_("Only a draft can be published."))
    event.status = EventStatus.PUBLISHED


def unpublish(event: Event, active_registrations: int) -> None:
    """Take a published event back to draft, unless people already registered for it."""
    if event.status != EventStatus.PUBLISHED:
        raise EventStateError(_("Only a published event can be unpublished."))
    if active_registrations:
        # Their confirmations, calendar entries and manage links point at the event page.
        raise EventStateError(
            _(
                "People have registered for this event, so it cannot be unpublished. "
                "Cancel the event instead: they will be told."
            )
        )
    event.status = EventStatus.DRAFT


def cancel_event(event: Event) -> int:
    """Cancel a published event and queue the cancellation for everyone registered."""
    if event.status != EventStatus.PUBLISHED:
        raise EventStateError(_("Only a published event can be cancelled."))
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    db.session.flush()
    webhooks.event_event("event.cancelled", event)
    return messages.queue_for_attendees(event, MessageKind.EVENT_CANCELLED)


def add_co_organiser(event: Event, organiser: Organiser | None) -> None:
    """Let another organiser manage the event."""
    if organiser is None or not organiser.is_active_account:
        raise EventStateError(_("There is no organiser account with that email address."))
    if organiser.id == event.owner_id or organiser in event.co_organisers:
        raise EventStateError(_("%(email)s already manages this event.", email=organiser.email))
    event.co_organisers.append(organiser)
    notifications.refresh(event)


def remove_co_organiser(event: Event, organiser_id: int) -> bool:
    """Stop a co-organiser from managing the event (unknown ids change nothing); whether
    they were one."""
    kept = [co for co in event.co_organisers if co.id != organiser_id]
    removed = len(kept) != len(event.co_organisers)
    event.co_organisers = kept
    notifications.refresh(event)
    return removed


@dataclass(frozen=True)
class SchedulePreview:
    """The event's times as the organiser entered them, and as UTC instants."""

    start_local: str
    end_local: str
    start_utc: str
    end_utc: str
    utc_offset: str
    ambiguous: bool


def schedule_preview(event: Event) -> SchedulePreview:
    """What the form's local times mean in UTC, with the zone abbreviation in force."""
    zone = event.timezone
    return SchedulePreview(
        start_local=timezones.format_instant(event.starts_at, zone),
        end_local=timezones.format_instant(event.ends_at, zone),
        start_utc=timezones.format_instant(event.starts_at, "UTC"),
        end_utc=timezones.format_instant(event.ends_at, "UTC"),
        utc_offset=timezones.utc_offset_label(event.starts_at, zone),
        ambiguous=timezones.is_ambiguous(event.start_local, zone)
        or timezones.is_ambiguous(event.end_local, zone),
    )


@dataclass(frozen=True)
class DeliverySummary:
    """Emails about one event: counts per kind and status, and the latest failures."""

    totals: dict[OutboxStatus, int]
    by_kind: dict[str, dict[OutboxStatus, int]]
    failures: list[OutboxMessage]
    preparing: int  # people of a large announcement whose emails the sender is still writing


def delivery_summary(event_id: int) -> DeliverySummary:
    """How the emails about an event are doing, read from the outbox."""
    rows = db.session.execute(
        sa.select(OutboxMessage.kind, OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.event_id == event_id)
        .group_by(OutboxMessage.kind, OutboxMessage.status)
        .order_by(OutboxMessage.kind)
    )
    by_kind: dict[str, dict[OutboxStatus, int]] = {}
    totals = dict.fromkeys(OutboxStatus, 0)
    for kind, status, count in rows:
        by_kind.setdefault(kind, dict.fromkeys(OutboxStatus, 0))[status] = count
        totals[status] += count
    failures = db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.event_id == event_id,
            OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.RETRY]),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(20)
    )
    return DeliverySummary(
        totals=totals,
        by_kind=by_kind,
        failures=list(failures),
        preparing=fanout.pending_audience(event_id),
    )

"""The event: what, when (wall time + IANA zone, with derived UTC instants), where, how many."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from webapp import search, timezones
from webapp.db import UTCDateTime, enum_column, now_utc
from webapp.extensions import db


class EventKind(enum.StrEnum):
    SUMMIT = "summit"
    WEBINAR = "webinar"
    WORKSHOP = "workshop"
    CONFERENCE = "conference"


class EventFormat(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


# What the catalogue search looks at: these fields of the event, and the title and summary
# of each of its translations.
SEARCHED_FIELDS = ("title", "summary", "city", "venue_name", "organiser_name")
SEARCHED_TRANSLATION_FIELDS = ("title", "summary")


def search_text_for(
    values: Mapping[str, str | None], translations: Iterable[EventTranslation] = ()
) -> str:
    """The folded text the catalogue search matches: each searched field, one per line,
    then the searched fields of every translation (in language order, so it is stable)."""
    lines = [values.get(name) or "" for name in SEARCHED_FIELDS]
    for translation in sorted(translations, key=lambda t: t.language or ""):
        lines += [getattr(translation, name) or "" for name in SEARCHED_TRANSLATION_FIELDS]
    return "\n".join(search.fold(line) for line in lines)


CONFIRMATION_NOTE_LIMIT = 1000

event_organisers = sa.Table(
    "event_organiser",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organiser_id", sa.ForeignKey("organiser.id", ondelete="CASCADE"), primary_key=True),
)


class Event(db.Model):
    __tablename__ = "event"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint(
            "online_capacity IS NULL OR online_capacity >= 0", name="online_capacity_not_negative"
        ),
        sa.CheckConstraint("hold_minutes BETWEEN 1 AND 1440", name="hold_minutes_bounded"),
        sa.CheckConstraint(
            "retention_months IS NULL OR retention_months BETWEEN 1 AND 120",
            name="retention_months_bounded",
        ),
        sa.Index("ix_event_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")

    # The organiser's truth: wall-clock times in `timezone` (naive by design).
    start_local: Mapped[datetime] = mapped_column(sa.DateTime)
    end_local: Mapped[datetime] = mapped_column(sa.DateTime)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    # Derived from the above by set_schedule(); used for sorting and queries.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    format: Mapped[EventFormat] = mapped_column(enum_column(EventFormat, "event_format"))
    venue_name: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")

    # Seats: for a hybrid event `capacity` is the room's and `online_capacity` the online
    # one's (None: unlimited); other events have one pool, `capacity`.
    capacity: Mapped[int | None] = mapped_column(default=None)
    online_capacity: Mapped[int | None] = mapped_column(default=None)
    # Double opt-in: a registration holds its place for `hold_minutes` until the person
    # confirms their address (webapp/registration/holds.py).
    requires_email_confirmation: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    hold_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.DRAFT
    )
    organiser_name: Mapped[str] = mapped_column(sa.String(200), default="")
    organiser_email: Mapped[str] = mapped_column(sa.String(254), default="")
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="SET NULL"), index=True, default=None
    )

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    # Raised whenever the time or place of a published event changes (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    # Postponed (date to be announced): set while the organiser looks for a new date; the
    # status stays published, so registrations, pages and links keep working.
    postponed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Once postponed and given a new date: the start it had before (schema.org
    # EventRescheduled, previousStartDate).
    previous_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # search_text_for(...), kept current on every change: by _keep_search_text() as soon as
    # a field is set, and by refresh_search_texts() before every flush (translations added,
    # edited or removed by any code path).
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The language of title, summary and description; `translations` holds the others.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    # Plain text the organiser adds to the confirmation email (directions, what to bring).
    confirmation_note: Mapped[str] = mapped_column(
        sa.String(CONFIRMATION_NOTE_LIMIT), default="", server_default=""
    )
    # Whether any of the event's organisers wants an email per registration and
    # cancellation (webapp.communication.notifications keeps it current): read from the row
    # a registration loads anyway, so nobody's choice costs the registration a query.
    notify_each: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Calendar months after the end when the registrations' personal data is erased
    # (webapp/privacy/retention.py); None: the site's PERSONAL_DATA_RETENTION_MONTHS.
    retention_months: Mapped[int | None] = mapped_column(default=None)
    # When the retention job erased them; the anonymous counts live in event_statistics.
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    owner = relationship("Organiser", foreign_keys=[owner_id])
    co_organisers = relationship("Organiser", secondary=event_organisers)
    translations: Mapped[list[EventTranslation]] = relationship(
        back_populates="event", cascade="all, delete-orphan", lazy="selectin"
    )

    def set_schedule(self, start_local: datetime, end_local: datetime, zone: str) -> None:
        """Set wall times and zone, deriving the UTC instants; raises TimezoneError/ValueError."""
        starts_at = timezones.to_utc(start_local, zone)
        ends_at = timezones.to_utc(end_local, zone)
        if ends_at <= starts_at:
            raise ValueError("The event must end after it starts.")
        self.start_local, self.end_local, self.timezone = start_local, end_local, zone
        self.starts_at, self.ends_at = starts_at, ends_at

    @validates(*SEARCHED_FIELDS)
    def _keep_search_text(self, key: str, value: str | None) -> str | None:
        # Runs whenever a searched field is set (the constructor included), so no code
        # path that changes an event through the ORM can leave its search text stale.
        values = {name: getattr(self, name) for name in SEARCHED_FIELDS}
        values[key] = value
        # Translations as far as loaded (never a query mid-assignment); refresh_search_texts
        # completes them before the flush.
        unloaded = "translations" in sa.inspect(self).unloaded
        self.search_text = search_text_for(values, () if unloaded else self.translations)
        return value

    def searched_values(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in SEARCHED_FIELDS}

    @property
    def is_online(self) -> bool:
        return self.format == EventFormat.ONLINE

    @property
    def is_hybrid(self) -> bool:
        return self.format == EventFormat.HYBRID

    @property
    def is_public(self) -> bool:
        return self.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED)

    @property
    def is_postponed(self) -> bool:
        return self.postponed_at is not None and self.status == EventStatus.PUBLISHED

    @property
    def closes_at(self) -> datetime:
        """When registration closes: the configured time, or the start."""
        return self.registration_closes_at or self.starts_at

    def text_in(self, language: str) -> EventText:
        """Title, summary and description in `language` where the organiser gave them,
        else in the event's main language; `language` says which one it is."""
        for translation in self.translations:
            if translation.language == language and translation.title:
                return EventText(
                    translation.title, translation.summary, translation.description, language
                )
        return EventText(self.title, self.summary, self.description, self.language)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


@dataclass(frozen=True)
class EventText:
    """An event's words in one language, and which language that is (for `lang`)."""

    title: str
    summary: str
    description: str
    language: str


class EventTranslation(db.Model):
    """An event's title, summary and description in a language besides its main one."""

    __tablename__ = "event_translation"
    __table_args__ = (sa.UniqueConstraint("event_id", "language", name="uq_event_translation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")

    event: Mapped[Event] = relationship(back_populates="translations")


def _events_touched(session: Session) -> set[Event]:
    """The events in the session whose search text may have changed: changed themselves,
    or a translation of theirs added, changed or deleted."""
    events: set[Event] = set()
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Event):
            events.add(obj)
        elif isinstance(obj, EventTranslation):
            event = obj.event
            if event is None and obj.event_id is not None:
                event = session.get(Event, obj.event_id)
            if event is not None:
                events.add(event)
    return {event for event in events if event not in session.deleted}


def _translations_of(event: Event, session: Session) -> list[EventTranslation]:
    """The translations `event` will have once the session is flushed: its collection (the
    backref keeps it current), and new ones given only an `event_id`; deleted ones go."""
    found = list(event.translations)
    if event.id is not None:
        found += [
            obj
            for obj in session.new
            if isinstance(obj, EventTranslation)
            and obj.event is None
            and obj.event_id == event.id
            and obj not in found
        ]
    return [t for t in found if t not in session.deleted]


@sa.event.listens_for(Session, "before_flush")
def refresh_search_texts(session: Session, _flush_context, _instances) -> None:
    """Bring each touched event's search text up to date with its translations, whatever
    added, edited or removed them (relationship, constructor, session.delete)."""
    for event in _events_touched(session):
        text = search_text_for(event.searched_values(), _translations_of(event, session))
        if event.search_text != text:
            event.search_text = text

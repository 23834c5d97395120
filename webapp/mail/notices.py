"""Messages to organisers about their events: a notice per registration or cancellation,
and the daily digest. Each is in the organiser's own language (Organiser.language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp import i18n
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail import content, messages
from webapp.mail.messages import MessageKind
from webapp.mail.models import OutboxMessage
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus
from webapp.text import one_line

NOTICE_KINDS = (MessageKind.NEW_REGISTRATION_NOTICE, MessageKind.CANCELLATION_NOTICE)


class Organiser(Protocol):
    """An organiser account: a name, an address and a language."""

    name: str
    email: str
    language: str


def seat_counts(event: Event) -> dict[AttendanceMode, dict[RegistrationStatus, int]]:
    """The event's registrations per attendance mode and status (one query)."""
    rows = db.session.execute(
        sa.select(Registration.attendance_mode, Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.attendance_mode, Registration.status)
    ).all()
    count: dict[AttendanceMode, dict[RegistrationStatus, int]] = {m: {} for m in AttendanceMode}
    for mode, status, number in rows:
        count[mode][status] = number
    return count


def seat_lines(event: Event, count: dict | None = None) -> list[str]:
    """Confirmed, waiting and seats left, in the current language."""
    count = count if count is not None else seat_counts(event)
    pools = {None: (event.capacity, [AttendanceMode.IN_PERSON, AttendanceMode.ONLINE])}
    if event.is_hybrid:
        pools = {
            _("In the room"): (event.capacity, [AttendanceMode.IN_PERSON]),
            _("Online"): (event.online_capacity, [AttendanceMode.ONLINE]),
        }
    lines = []
    for name, (capacity, modes) in pools.items():
        confirmed = sum(count[m].get(RegistrationStatus.CONFIRMED, 0) for m in modes)
        waiting = sum(count[m].get(RegistrationStatus.WAITLISTED, 0) for m in modes)
        if capacity is None:
            line = _("%(confirmed)d confirmed (no limit), %(waiting)d waiting")
        else:
            line = _("%(confirmed)d confirmed, %(left)d seats left, %(waiting)d waiting")
        line = line % {
            "confirmed": confirmed,
            "waiting": waiting,
            "left": max((capacity or 0) - confirmed, 0),
        }
        lines.append(f"{name}: {line}" if name else line)
    return lines


def event_page(event: Event, language: str) -> str:
    """The event's page in the organiser area."""
    return f"{content.base_url(language)}/organiser/events/{event.id}"


def queue_notices(
    registration: Registration,
    kind: MessageKind,
    organisers: list[Organiser],
    *,
    by_organiser: bool = False,
) -> None:
    """One notice per organiser about this registration or cancellation, in one INSERT;
    `by_organiser` says a cancellation was an organiser's, not the person's own."""
    if not organisers:
        return
    if registration.id is None:
        db.session.flush()
    event = registration.event
    facts = messages.EventFactsByLanguage(event)
    counts = seat_counts(event)  # once, whatever the number of organisers
    rows = []
    for organiser in organisers:
        language = i18n.supported(organiser.language)
        with i18n.language(language):
            context = {
                "event": facts[language],
                "person": registration.full_name,
                "email": registration.email,
                "waitlisted": registration.status == RegistrationStatus.WAITLISTED,
                "cancelled": kind == MessageKind.CANCELLATION_NOTICE,
                "by_organiser": by_organiser,
                "online": registration.attends_online if event.is_hybrid else None,
                "seats": seat_lines(event, counts),
                "page_url": event_page(event, language),
            }
            subject = str(messages.SUBJECTS[kind]) % {"title": facts[language].title}
            rows.append(_row(kind, organiser, language, subject, context, event.id))
    db.session.execute(sa.insert(OutboxMessage), rows)
    messages.note_queued()


@dataclass
class DigestSection:
    """One event's day in a digest: who registered and who cancelled."""

    event: Event
    registered: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


def queue_digest(
    organiser: Organiser, day_label: str, sections: list[DigestSection], *, dedupe_key: str
) -> OutboxMessage:
    """The organiser's daily digest of their events' registrations (no commit)."""
    kind = MessageKind.DAILY_DIGEST
    language = i18n.supported(organiser.language)
    with i18n.language(language):
        parts = [
            {
                "event": content.event_facts(section.event, language),
                "registered": section.registered,
                "cancelled": section.cancelled,
                "seats": seat_lines(section.event),
                "page_url": event_page(section.event, language),
            }
            for section in sections
        ]
        context = {"day": day_label, "sections": parts}
        subject = str(messages.SUBJECTS[kind]) % {"title": day_label}
        values = _row(kind, organiser, language, subject, context, None)
    message = OutboxMessage(**values, dedupe_key=dedupe_key)
    db.session.add(message)
    messages.note_queued()
    return message


def _row(kind, organiser, language, subject, context, event_id) -> dict[str, Any]:
    text, html = messages.render_kind(kind, {**context, "name": organiser.name}, language)
    return {
        **messages.envelope(kind, organiser.email, organiser.name, "", language=language),
        "subject": one_line(subject, 300),
        "text_body": text,
        "html_body": html,
        "event_id": event_id,
    }

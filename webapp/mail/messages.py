"""What to send: renders each lifecycle email into an outbox row, in the caller's transaction.

Nothing here sends or commits: the caller's unit of work commits the change and its
messages together, and delivery (webapp.mail.delivery) happens afterwards. Each row holds
everything needed to send it (addresses, subject, both bodies, the calendar file), so a
later change to the event or the templates never alters a message already queued.

An attendee's message is in the registration's language (Registration.language, the
language of the page they registered on), whoever causes it and from whichever page: an
organiser editing the Danish page still sends a Swedish registrant a Swedish email. Subject,
bodies, dates and calendar file are rendered inside i18n.language(), links go to the pages
in that language, and the row keeps the language for the Content-Language header.
"""

from __future__ import annotations

import enum
import re
import uuid
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import orm

from webapp import i18n, timezones
from webapp.calendar.ics import registration_invite
from webapp.communication.changes import ChangeNotice, describe
from webapp.communication.join import attendee_join_url
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail import content
from webapp.mail.models import Announcement, OutboxMessage, OutboxStatus
from webapp.registration.availability import waitlist_position
from webapp.registration.models import (
    ACTIVE_STATUSES,
    Registration,
    RegistrationStatus,
)
from webapp.registration.tokens import manage_token
from webapp.text import one_line


class MessageKind(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"  # by the attendee (or an organiser on their behalf)
    EVENT_CHANGED = "event_changed"
    EVENT_CANCELLED = "event_cancelled"
    REMINDER_24H = "reminder_24h"
    REMINDER_1H = "reminder_1h"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a message kind, not a secret)
    CONFIRM_EMAIL = "confirm_email"  # double opt-in: the place is held until confirmed
    HOLD_EXPIRED = "hold_expired"
    MODE_CHANGED = "mode_changed"  # hybrid: now attending in person, or online
    EVENT_POSTPONED = "event_postponed"  # date to be announced
    ANNOUNCEMENT = "announcement"  # an organiser's own words to a group of attendees
    NEW_REGISTRATION_NOTICE = "new_registration_notice"  # to organisers who asked
    CANCELLATION_NOTICE = "cancellation_notice"  # to organisers who asked
    DAILY_DIGEST = "daily_digest"  # to organisers who asked
    FOLLOW_UP_CAME = "follow_up_came"  # after the event, to those who came
    FOLLOW_UP_MISSED = "follow_up_missed"  # after the event, to those who did not
    DATA_REQUEST = "data_request"  # a link to see or erase one's data (webapp/privacy)


SUBJECTS = {
    MessageKind.CONFIRMED: _l("Registration confirmed: %(title)s"),
    MessageKind.WAITLISTED: _l("Waiting list: %(title)s"),
    MessageKind.PROMOTED: _l("A seat is yours: %(title)s"),
    MessageKind.CANCELLED: _l("Registration cancelled: %(title)s"),
    MessageKind.EVENT_CHANGED: _l("Updated: %(title)s"),
    MessageKind.EVENT_CANCELLED: _l("Cancelled: %(title)s"),
    MessageKind.REMINDER_24H: _l("Reminder: %(title)s"),
    MessageKind.REMINDER_1H: _l("Starting in one hour: %(title)s"),
    MessageKind.PASSWORD_RESET: _l("Reset your Convene password"),
    MessageKind.CONFIRM_EMAIL: _l("Confirm your email address: %(title)s"),
    MessageKind.HOLD_EXPIRED: _l("Your place was released: %(title)s"),
    MessageKind.MODE_CHANGED: _l("How you attend has changed: %(title)s"),
    MessageKind.EVENT_POSTPONED: _l("Postponed: %(title)s"),
    MessageKind.NEW_REGISTRATION_NOTICE: _l("New registration: %(title)s"),
    MessageKind.CANCELLATION_NOTICE: _l("Cancellation: %(title)s"),
    MessageKind.DAILY_DIGEST: _l("Your events on %(title)s"),
    MessageKind.FOLLOW_UP_CAME: _l("Thank you for coming: %(title)s"),
    MessageKind.FOLLOW_UP_MISSED: _l("Sorry we missed you: %(title)s"),
}
# The calendar METHOD each kind carries, for people who hold (or held) a seat.
INVITE_METHODS = {
    MessageKind.CONFIRMED: "REQUEST",
    MessageKind.PROMOTED: "REQUEST",
    MessageKind.EVENT_CHANGED: "REQUEST",
    MessageKind.MODE_CHANGED: "REQUEST",
    MessageKind.EVENT_POSTPONED: "REQUEST",  # the same entry, now TENTATIVE
    MessageKind.CANCELLED: "CANCEL",
    MessageKind.EVENT_CANCELLED: "CANCEL",
}
# Kinds that may show the webinar join link (to confirmed registrations only).
JOIN_LINK_KINDS = {
    MessageKind.CONFIRMED,
    MessageKind.PROMOTED,
    MessageKind.EVENT_CHANGED,
    MessageKind.MODE_CHANGED,
    MessageKind.REMINDER_24H,
    MessageKind.REMINDER_1H,
}
# Kinds that carry the organiser's note for confirmed people (directions, what to bring).
NOTE_KINDS = {MessageKind.CONFIRMED, MessageKind.PROMOTED}
ATTENDEE_KINDS = (
    MessageKind.EVENT_CHANGED,
    MessageKind.EVENT_CANCELLED,
    MessageKind.EVENT_POSTPONED,
)
CHUNK = 500
_METHOD_LINE = re.compile(r"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def queue_for_registration(
    registration: Registration,
    kind: MessageKind,
    *,
    dedupe_key: str | None = None,
    extra: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Render the `kind` email for a registration and add it to the outbox (no commit).

    `extra` adds values for the kind's templates (a follow-up's organiser text, say)."""
    kind = MessageKind(kind)
    if registration.id is None:
        db.session.flush()  # the row links to the registration
    facts = EventFactsByLanguage(registration.event)
    values = _registration_values(registration, kind, facts, extra=extra)
    message = OutboxMessage(**values, dedupe_key=dedupe_key)
    db.session.add(message)
    _note_queued()
    return message


def queue_for_attendees(event: Event, kind: MessageKind, *, details: str = "") -> int:
    """Queue `kind` for every confirmed and waitlisted registration of the event (no commit).

    For organiser changes (EVENT_CHANGED) and cancellation (EVENT_CANCELLED); returns how
    many people it addresses. Up to MAIL_INLINE_FANOUT_LIMIT people get their rows now;
    a larger audience gets one Announcement row instead, in the same transaction, which
    the sender expands in committed chunks (webapp.mail.fanout). `details` is a change's
    ChangeNotice as JSON (webapp.communication.changes), worded in each person's language.
    """
    kind = MessageKind(kind)
    if kind not in ATTENDEE_KINDS:
        raise ValueError(f"{kind} is not a message for all attendees")
    audience, last_id = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Registration.id)).where(
            Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES)
        )
    ).one()
    if audience > current_app.config["MAIL_INLINE_FANOUT_LIMIT"]:
        db.session.add(
            Announcement(
                event_id=event.id,
                kind=kind.value,
                up_to_registration_id=last_id,
                audience=audience,
                details=details,
            )
        )
        _note_queued()
        return audience
    ids = db.session.scalars(
        sa.select(Registration.id)
        .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))
        .order_by(Registration.id)
    ).all()
    queue_for_registration_ids(event, kind, ids, details=details)
    return len(ids)


def queue_for_registration_ids(
    event: Event, kind: MessageKind, ids: list[int], *, details: str = ""
) -> None:
    """Insert the `kind` rows for these registrations of the event, a chunk per statement."""
    facts = EventFactsByLanguage(event)
    notice = ChangeNotice.from_json(details)
    for start in range(0, len(ids), CHUNK):
        registrations = db.session.scalars(
            sa.select(Registration)
            .where(Registration.id.in_(ids[start : start + CHUNK]))
            .options(orm.lazyload(Registration.event))  # the event is already loaded
        ).all()
        rows = [_registration_values(r, kind, facts, notice) for r in registrations]
        db.session.execute(sa.insert(OutboxMessage), rows)
    if ids:
        _note_queued()


class Person(Protocol):
    """Someone with a name and an address, such as an organiser account."""

    name: str
    email: str


def queue_password_reset(
    organiser: Person, reset_url: str, *, language: str | None = None
) -> OutboxMessage:
    """Render the password reset email for an organiser and add it to the outbox (no commit).

    In `language`, by default the current one: the page the organiser asked from, whose
    prefix `reset_url` also carries.
    """
    kind = MessageKind.PASSWORD_RESET
    language = i18n.supported(language or i18n.current_language())
    max_age = current_app.config.get("PASSWORD_RESET_MAX_AGE")
    with i18n.language(language):
        context = {
            "name": organiser.name,
            "reset_url": reset_url,
            "valid_for": _duration(max_age) if max_age else _l("a short time"),
        }
        text, html = _render(kind, context, language)
        subject = str(SUBJECTS[kind])
    message = OutboxMessage(
        **_envelope(kind, organiser.email, organiser.name, reply_to="", language=language),
        subject=subject,
        text_body=text,
        html_body=html,
    )
    db.session.add(message)
    _note_queued()
    return message


class EventFactsByLanguage:
    """An event's facts for messages, worked out once per language the messages use."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self._found: dict[str, content.EventFacts] = {}

    def __getitem__(self, language: str) -> content.EventFacts:
        if language not in self._found:
            self._found[language] = content.event_facts(self.event, language)
        return self._found[language]


def _registration_values(
    registration: Registration,
    kind: MessageKind,
    facts: EventFactsByLanguage,
    notice: ChangeNotice | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every column of the outbox row for one registration and kind, in its language."""
    event = registration.event
    language = i18n.supported(registration.language)
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    method = _invite_method(registration, kind)
    with i18n.language(language):
        ics = _invite(registration, method, language) if method else None
        join_url = _join_url(registration, kind, language) if confirmed else ""
        context = {
            "kind": kind.value,
            "event": facts[language],
            "first_name": registration.first_name,
            "manage_url": _manage_url(registration, language),
            "cancel_url": _manage_url(registration, language) + "/cancel",
            "join_url": join_url,
            "position": _waitlist_position(registration) if kind == MessageKind.WAITLISTED else 0,
            "waitlisted": registration.status == RegistrationStatus.WAITLISTED,
            "invite_method": method or "",
            "online": registration.attends_online,
            "confirmation_note": event.confirmation_note if kind in NOTE_KINDS else "",
            **_hold_values(registration, kind, language),
            **_change_values(notice, language, join_link=bool(join_url)),
            **(extra or {}),
        }
        text, html = _render(kind, context, language)
        subject = str(SUBJECTS[kind]) % {"title": facts[language].title}
    return {
        **_envelope(
            kind,
            registration.email,
            registration.full_name,
            content.reply_to(event),
            language=language,
        ),
        "subject": one_line(subject, 300),
        "text_body": text,
        "html_body": html,
        "ics": ics,
        "ics_method": method,
        "event_id": event.id,
        "registration_id": registration.id,
    }


def _envelope(
    kind: MessageKind, address: str, name: str, reply_to: str, *, language: str
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "language": language,
        "status": OutboxStatus.QUEUED,
        "sender": content.default_sender(),
        "recipient": one_line(address, 320),
        "recipient_name": one_line(name, content.NAME_LIMIT),
        "reply_to": reply_to,
        "message_id": f"<{uuid.uuid4().hex}@{content.message_domain()}>",
    }


def _invite_method(registration: Registration, kind: MessageKind) -> str | None:
    """Only people who hold a seat get invites; only those who held one get cancellations."""
    method = INVITE_METHODS.get(kind)
    if kind == MessageKind.CANCELLED:
        return method if registration.confirmed_at is not None else None
    if registration.status != RegistrationStatus.CONFIRMED or registration.is_held:
        return None  # a held seat gets its invite once the address is confirmed
    return method


def _invite(registration: Registration, method: str, language: str) -> str:
    """The calendar file, checked so the MIME method always equals the file's METHOD."""
    data = registration_invite(
        registration,
        method=method,
        base_url=content.base_url(),
        pages_url=content.base_url(language),
        join_url=attendee_join_url(registration, content.base_url(language)),
    ).decode("utf-8")
    found = _METHOD_LINE.search(data)
    if found is None or found.group(1) != method:
        raise ValueError(f"calendar file has METHOD {found and found.group(1)}, not {method}")
    return data


def _manage_url(registration: Registration, language: str) -> str:
    return f"{content.base_url(language)}/r/{manage_token(registration)}"


def _join_url(registration: Registration, kind: MessageKind, language: str) -> str:
    """The person's own join link (never the meeting's URL): to those who follow online,
    in these kinds."""
    if kind not in JOIN_LINK_KINDS or registration.is_held:
        return ""  # held: not until the address is confirmed
    return attendee_join_url(registration, content.base_url(language))


def _change_values(
    notice: ChangeNotice | None, language: str, *, join_link: bool
) -> dict[str, Any]:
    """What changed and the organiser's note, in the current language (change emails);
    `join_link`: whether this email carries the person's join link."""
    if notice is None:
        return {}
    changes = describe(notice, join_link=join_link, language=language)
    return {"changes": changes, "organiser_message": notice.message}


def _hold_values(registration: Registration, kind: MessageKind, language: str) -> dict[str, str]:
    """The confirm link and until when the place is held, for the confirm-your-address email."""
    if kind != MessageKind.CONFIRM_EMAIL or registration.hold_expires_at is None:
        return {}
    event = registration.event
    return {
        "confirm_url": f"{_manage_url(registration, language)}/confirm",
        "held_until": timezones.format_instant(registration.hold_expires_at, event.timezone),
    }


def _waitlist_position(registration: Registration) -> int:
    return waitlist_position(registration) or 0


def _duration(seconds: int) -> str:
    """'2 hours', '1 hour', '30 minutes', in the current language."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    minutes = max(seconds // 60, 1)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def _render(kind: MessageKind, context: dict[str, Any], language: str) -> tuple[str, str]:
    """The text and HTML bodies in the current language, which `language` names (for the
    HTML's lang attribute)."""
    env = current_app.jinja_env
    context = {**context, "language": language}
    text = env.get_template(f"email/{kind.value}.txt").render(context)
    html = env.get_template(f"email/{kind.value}.html").render(context)
    text = _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("\n", text)).strip() + "\n"
    return text, html


def _note_queued() -> None:
    """Tell the development after-request sender (if enabled) that mail is waiting."""
    g.convene_mail_queued = True


# For the other message modules (announcements, organiser notices), which build their own
# rows with the same envelope, links and templates.
envelope = _envelope
render_kind = _render
note_queued = _note_queued


def manage_url(registration: Registration, language: str) -> str:
    """The registration's personal page, in `language`."""
    return _manage_url(registration, language)

"""The personal join link: /join/<token> opens the meeting for one online attendee.

The raw meeting URL is for organisers only; attendees get their own link, which opens the
meeting from JOIN_OPENS_MINUTES_BEFORE the start until the end, stops working when their
registration does, and counts how often they joined. Only a POST (the page's button) joins:
mail scanners fetch every link in an email, and their GET or HEAD must change nothing.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from webapp.db import UTCDateTime, begin_write, now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.registration.models import Registration, RegistrationStatus
from webapp.registration.tokens import join_token


class JoinState(enum.StrEnum):
    OPEN = "open"  # the button joins now
    EARLY = "early"  # a countdown until the window opens
    POSTPONED = "postponed"  # no date yet: nothing to count down to
    NOT_ONLINE = "not_online"  # attends in the room, or an in-person event
    NOT_CONFIRMED = "not_confirmed"  # waiting list, or a place held for an unconfirmed address
    CANCELLED = "cancelled"  # the registration was cancelled
    EVENT_OVER = "event_over"  # the event was cancelled or has ended

    @property
    def status_code(self) -> int:
        """The HTTP status of the page: refusals for good are 410, the others 403."""
        if self in (JoinState.OPEN, JoinState.EARLY, JoinState.POSTPONED):
            return 200
        if self in (JoinState.CANCELLED, JoinState.EVENT_OVER):
            return 410
        return 403


# The states in which the attendee's pages offer the join link.
USABLE_STATES = (JoinState.OPEN, JoinState.EARLY, JoinState.POSTPONED)


def opens_at(event: Event) -> datetime:
    """When the join link starts to open the meeting."""
    minutes = current_app.config["JOIN_OPENS_MINUTES_BEFORE"]
    return event.starts_at - timedelta(minutes=minutes)


def join_state(registration: Registration, *, now: datetime | None = None) -> JoinState:
    """Whether the person's join link opens the meeting now, and if not, why."""
    now = now or now_utc()
    event = registration.event
    if registration.status == RegistrationStatus.CANCELLED:
        return JoinState.CANCELLED
    if event.status == EventStatus.CANCELLED:
        return JoinState.EVENT_OVER
    # A postponed event's old end says nothing about when it is over.
    if now >= event.ends_at and not event.is_postponed:
        return JoinState.EVENT_OVER
    if event.status != EventStatus.PUBLISHED or not event.online_url:
        return JoinState.NOT_ONLINE
    if not registration.attends_online:
        return JoinState.NOT_ONLINE
    if registration.status != RegistrationStatus.CONFIRMED or registration.is_held:
        return JoinState.NOT_CONFIRMED
    if event.is_postponed:
        return JoinState.POSTPONED
    if now < opens_at(event):
        return JoinState.EARLY
    return JoinState.OPEN


def record_join(registration: Registration, *, now: datetime | None = None) -> str:
    """Count one join (the first one's time too) and return the meeting URL (no commit).

    One UPDATE does it, so two tabs joining at once both count."""
    now = now or now_utc()
    begin_write(db.session)
    db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id)
        .values(
            join_count=Registration.join_count + 1,
            first_joined_at=sa.func.coalesce(
                Registration.first_joined_at, sa.literal(now, UTCDateTime())
            ),
        )
    )
    return registration.event.online_url


def personal_join_url(registration: Registration, base_url: str) -> str:
    """The person's join link under `base_url` (the site, with a language prefix or not)."""
    return f"{base_url.rstrip('/')}/join/{join_token(registration)}"


def attendee_join_url(registration: Registration, base_url: str) -> str:
    """The join link to show this person, or '' when they do not follow the event online."""
    if not registration.attends_online or not registration.event.online_url:
        return ""
    return personal_join_url(registration, base_url)

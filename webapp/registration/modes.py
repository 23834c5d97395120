"""Hybrid events: an attendee moves between the room and online when the other mode has a
free seat; the seat they leave goes to the next on that mode's waiting list."""

from __future__ import annotations

from datetime import datetime

from webapp.db import lock_row, now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.messages import MessageKind
from webapp.registration.answers import drop_in_person_answers
from webapp.registration.availability import registration_state
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus
from webapp.registration.services import EventFull, InvalidTransition, promote_first


def other_mode(registration: Registration) -> AttendanceMode:
    """The mode the registration could switch to."""
    if registration.attendance_mode == AttendanceMode.ONLINE:
        return AttendanceMode.IN_PERSON
    return AttendanceMode.ONLINE


def may_switch(registration: Registration, *, now: datetime | None = None) -> bool:
    """Whether the switch may be offered: a hybrid event not started yet, an active
    registration whose address is confirmed (seats permitting, which switch_mode checks)."""
    event = registration.event
    return (
        event.is_hybrid
        and event.status == EventStatus.PUBLISHED
        and (now or now_utc()) < event.starts_at
        and registration.status != RegistrationStatus.CANCELLED
        and not registration.is_held
    )


def seat_free(event: Event, mode: AttendanceMode, now: datetime) -> bool:
    """Whether `mode` has a seat someone may move to: free, and past the waiting-list
    cut-off not owed to those waiting there (the rule newcomers follow)."""
    _state, free = registration_state(event, mode=mode, now=now)
    return free != 0


def switch_mode(registration: Registration, *, now: datetime | None = None) -> Registration:
    """Move the registration to the other mode's free seat and queue the email with the
    updated invite (no commit); a seat left behind goes to that mode's waiting list.

    A waitlisted person who moves takes the free seat. Raises EventFull when the other
    mode has no free seat, InvalidTransition when no switch is possible.
    """
    now = now or now_utc()
    registration_id = registration.id
    event = lock_row(db.session, Event, registration.event_id)
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if event is None or registration is None or not may_switch(registration, now=now):
        raise InvalidTransition("This registration cannot change how it attends.")
    target, left = other_mode(registration), registration.attendance_mode
    if not seat_free(event, target, now):
        raise EventFull("No seat is free in the other mode.")
    held_seat = registration.status == RegistrationStatus.CONFIRMED
    if target == AttendanceMode.ONLINE:
        # Needs and answers for the room no longer apply: catering counts stay true.
        registration.needs = ""
        drop_in_person_answers(registration.id, event.id)
    registration.attendance_mode = target
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = registration.confirmed_at or now
    registration.updated_at = now
    messages.queue_for_registration(registration, MessageKind.MODE_CHANGED)
    if held_seat:
        promote_first(event, left, now)
    return registration

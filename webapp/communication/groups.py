"""The groups of an event's attendees an announcement can go to, as SQL conditions.

Cancelled registrations are in no group, nor are places held until their person confirms
the email address (webapp.registration.holds): an unconfirmed address may be a bot's. "In person" and "online" are the confirmed
people who attend that way: everyone at an event of that format, and those who chose it
at a hybrid event.
"""

from __future__ import annotations

import sqlalchemy as sa

from webapp.communication.models import AudienceGroup
from webapp.events.models import Event, EventFormat
from webapp.registration.models import (
    ACTIVE_STATUSES,
    AttendanceMode,
    Registration,
    RegistrationStatus,
)

_MODE_FORMATS = {
    AudienceGroup.IN_PERSON: (EventFormat.IN_PERSON, AttendanceMode.IN_PERSON),
    AudienceGroup.ONLINE: (EventFormat.ONLINE, AttendanceMode.ONLINE),
}


def condition(event: Event, group: AudienceGroup) -> sa.ColumnElement[bool]:
    """The WHERE clause selecting the group's registrations of this event."""
    # Held places have hold_expires_at set; so do expired holds, but they are cancelled and
    # in no group anyway: "no hold" is the whole condition.
    of_event = sa.and_(Registration.event_id == event.id, Registration.hold_expires_at.is_(None))
    confirmed = Registration.status == RegistrationStatus.CONFIRMED
    if group == AudienceGroup.ACTIVE:
        return sa.and_(of_event, Registration.status.in_(ACTIVE_STATUSES))
    if group == AudienceGroup.WAITLISTED:
        return sa.and_(of_event, Registration.status == RegistrationStatus.WAITLISTED)
    if group == AudienceGroup.CONFIRMED:
        return sa.and_(of_event, confirmed)
    if group == AudienceGroup.CHECKED_IN:
        return sa.and_(of_event, confirmed, Registration.checked_in_at.is_not(None))
    whole_format, mode = _MODE_FORMATS[group]
    if event.format == whole_format:
        return sa.and_(of_event, confirmed)
    if event.format == EventFormat.HYBRID:
        return sa.and_(of_event, confirmed, Registration.attendance_mode == mode)
    return sa.false()

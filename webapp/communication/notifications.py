"""Who among an event's organisers hears about its registrations, and how.

Each organiser has a default (Organiser.notify_default) and may choose otherwise per event
(EventNotification). Event.notify_each caches whether anyone of the event wants an email
per registration or cancellation: the registration reads it from the event row it has
locked anyway, so while nobody wants one a registration costs no extra query. Every change
to a choice, to an account's default or to who manages an event refreshes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from webapp.communication.models import EventNotification, NotifyChoice
from webapp.events.models import Event, event_organisers
from webapp.extensions import db
from webapp.mail import notices
from webapp.mail.messages import MessageKind
from webapp.registration.models import Registration

if TYPE_CHECKING:
    from webapp.organiser.models import Organiser


def organisers_of(event: Event) -> list[Organiser]:
    """The event's owner and co-organisers with an active account, owner first."""
    people = [event.owner, *event.co_organisers] if event.owner else list(event.co_organisers)
    unique = {person.id: person for person in people if person.is_active_account}
    return list(unique.values())


def choices_for(event: Event) -> dict[int, NotifyChoice]:
    """Each organiser's effective choice for the event, by organiser id."""
    chosen = dict(
        db.session.execute(
            sa.select(EventNotification.organiser_id, EventNotification.choice).where(
                EventNotification.event_id == event.id
            )
        ).all()
    )
    return {
        person.id: NotifyChoice(chosen.get(person.id, person.notify_default))
        for person in organisers_of(event)
    }


def refresh(event: Event) -> None:
    """Bring the event's notify_each up to date with its organisers' choices."""
    wanted = NotifyChoice.EACH in choices_for(event).values()
    if event.notify_each != wanted:
        event.notify_each = wanted


def set_choice(event: Event, organiser: Organiser, choice: NotifyChoice) -> None:
    """The organiser's choice for this one event (no commit)."""
    row = db.session.get(EventNotification, (event.id, organiser.id))
    if row is None:
        db.session.add(
            EventNotification(event_id=event.id, organiser_id=organiser.id, choice=choice)
        )
    else:
        row.choice = choice
    db.session.flush()
    refresh(event)


def set_default(organiser: Organiser, choice: NotifyChoice) -> None:
    """The organiser's default for their events without a choice of their own (no commit)."""
    organiser.notify_default = choice.value
    refresh_managed_by(organiser)


def refresh_managed_by(organiser: Organiser) -> None:
    """Refresh every event the organiser owns or co-organises: after a change to their
    default or to their account being active (no commit)."""
    db.session.flush()
    shared = sa.select(event_organisers.c.event_id).where(
        event_organisers.c.organiser_id == organiser.id
    )
    events = db.session.scalars(
        sa.select(Event).where(sa.or_(Event.owner_id == organiser.id, Event.id.in_(shared)))
    )
    for event in events:
        refresh(event)


def queue_notices(
    registration: Registration, kind: MessageKind, *, by_organiser: bool = False
) -> None:
    """Queue the new-registration or cancellation notice for every organiser of the event
    who wants each one (no commit); nothing, and no query, when nobody does."""
    event = registration.event
    if not event.notify_each:
        return
    choices = choices_for(event)
    wanted = [p for p in organisers_of(event) if choices.get(p.id) == NotifyChoice.EACH]
    notices.queue_notices(registration, kind, wanted, by_organiser=by_organiser)

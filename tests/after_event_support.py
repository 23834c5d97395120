"""Helpers for the after-the-event tests: a past event with people who came, who did not,
who cancelled and who waited, and the organiser's forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from tests.conftest import ORGANISER_EMAIL, local
from tests.organiser_support import sign_in
from tests.registration_support import register
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db
from webapp.registration import services
from webapp.registration.models import Registration

# 18:00-19:30 in Brussels on 10 March 2027 is 17:00-18:30 UTC.
BEFORE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ENDS_AT = datetime(2027, 3, 10, 18, 30, tzinfo=UTC)
AFTER = datetime(2027, 3, 11, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    id: int
    token: str
    email: str


@dataclass(frozen=True)
class Scene:
    event_id: int
    came: Person  # confirmed and checked in
    missed: Person  # confirmed, never checked in
    gone: Person  # waitlisted, checked in (by mistake), then cancelled
    waiting: Person  # on the waiting list

    @property
    def everyone(self) -> list[Person]:
        return [self.came, self.missed, self.gone, self.waiting]


def past_event_scene(app, client, make_event, clock, owner_id: int, **event_values) -> Scene:
    """The event registered for on 1 March; the clock is left at BEFORE, and the organiser
    (ORGANISER_EMAIL) signed in again at that time on `client`."""
    clock.move_to(BEFORE)
    sign_in(client, ORGANISER_EMAIL)
    values = {
        "title": "Smart Regions Summit",
        "start_local": local("2027-03-10 18:00"),
        "end_local": local("2027-03-10 19:30"),
        "timezone": "Europe/Brussels",
        "capacity": 2,
        "organiser_name": "Cluster Policy Platform",
        "owner_id": owner_id,
    }
    event = make_event(**{**values, **event_values})
    people = {}
    for name, first, last in (
        ("came", "Łukasz", "Żółć"),
        ("missed", "Sven", "Ørsted"),
        ("gone", "Gina", "Gone"),
        ("waiting", "Wim", "Wait"),
    ):
        email = f"{name}@example.org"
        registration_id, token, _ = register(app, event.id, email, first_name=first, last_name=last)
        people[name] = Person(registration_id, token, email)
    check_in(app, people["came"].id, people["gone"].id)
    cancel(app, people["gone"].id)
    return Scene(event.id, **people)


def check_in(app, *registration_ids: int) -> None:
    with app.app_context():
        begin_write(db.session)
        db.session.execute(
            sa.update(Registration)
            .where(Registration.id.in_(registration_ids))
            .values(checked_in_at=BEFORE)
        )
        db.session.commit()


def cancel(app, registration_id: int) -> None:
    with app.app_context():
        services.cancel(db.session.get(Registration, registration_id))
        db.session.commit()


def statuses(app, event_id: int) -> dict[str, str]:
    """email -> status of the event's registrations."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Registration.email, Registration.status).where(
                Registration.event_id == event_id
            )
        )
        return {email: status.value for email, status in rows}


def set_event(app, event_id: int, **values) -> None:
    with app.app_context():
        begin_write(db.session)
        db.session.execute(sa.update(Event).where(Event.id == event_id).values(**values))
        db.session.commit()


def materials_form(**overrides) -> dict:
    """A valid materials submission: two links, published to attendees."""
    data = {
        "text": "Thanks for coming!\nThe <b>slides</b> are below.",
        "links-0-title": "Slides",
        "links-0-url": "https://files.example.org/slides.pdf",
        "links-1-title": "Recording",
        "links-1-url": "http://video.example.org/watch?v=1&t=2",
        "visibility": "attendees",
        "published": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def follow_up_form(**overrides) -> dict:
    """A valid follow-up submission: 2 hours after the end, with a feedback form."""
    data = {
        "enabled": "y",
        "hours_after": "2",
        "came_message": "Thank you <b>all</b>!\nSee you next year.",
        "missed_message": "The recording is online.",
        "feedback_url": "https://forms.example.org/feedback",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}

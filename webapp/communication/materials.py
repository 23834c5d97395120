"""An event's materials: saving the organiser's links and text, and who may see them.

Attendees (confirmed registrations) see published materials on their manage page as soon
as they are published, so slides can be shared before a session too; public materials
also appear on the event's public page once the event has ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa

from webapp.communication.after_models import (
    LINK_TITLE_LIMIT,
    MAX_LINKS,
    TEXT_LIMIT,
    URL_LIMIT,
    EventMaterials,
    MaterialLink,
    MaterialsVisibility,
)
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.registration.models import Registration, RegistrationStatus


class InvalidMaterials(ValueError):
    """Materials that break a bound the form should have caught."""


@dataclass(frozen=True)
class MaterialsData:
    text: str
    visibility: MaterialsVisibility
    published: bool
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, url)


def is_web_link(url: str) -> bool:
    """An absolute http or https URL with a host, and nothing that breaks out of an href."""
    if not url or len(url) > URL_LIMIT or any(char.isspace() or ord(char) < 32 for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def materials_of(event_id: int) -> EventMaterials | None:
    """The event's materials, published or not."""
    return db.session.scalar(sa.select(EventMaterials).where(EventMaterials.event_id == event_id))


def save_materials(event: Event, data: MaterialsData) -> EventMaterials:
    """Store the materials as given, replacing the links (no commit).

    The caller holds the event's lock (organiser edits of one event are serialised).
    """
    _check(data)
    materials = materials_of(event.id)
    if materials is None:
        materials = EventMaterials(event_id=event.id)
        db.session.add(materials)
    materials.text = data.text
    materials.visibility = data.visibility
    materials.published = data.published
    materials.links = [
        MaterialLink(position=number, title=title, url=url)
        for number, (title, url) in enumerate(data.links)
    ]
    return materials


def _check(data: MaterialsData) -> None:
    if len(data.text) > TEXT_LIMIT or len(data.links) > MAX_LINKS:
        raise InvalidMaterials("too long")
    for title, url in data.links:
        if not title or len(title) > LINK_TITLE_LIMIT or not is_web_link(url):
            raise InvalidMaterials("bad link")


def public_materials(event: Event, now: datetime) -> EventMaterials | None:
    """Materials for the event's public page: published, public, and the event is over."""
    if event.status != EventStatus.PUBLISHED or now < event.ends_at:
        return None
    materials = materials_of(event.id)
    if materials is None or not materials.published:
        return None
    return materials if materials.visibility == MaterialsVisibility.PUBLIC else None


def attendee_materials(registration: Registration) -> EventMaterials | None:
    """Materials for a registration's manage page: published, to confirmed people only."""
    if registration.status != RegistrationStatus.CONFIRMED or registration.is_held:
        return None
    materials = materials_of(registration.event_id)
    return materials if materials is not None and materials.published else None

"""Storing and removing an event's image, and which image a page shares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from webapp import audit
from webapp.db import begin_write
from webapp.events import services as events
from webapp.events.models import Event
from webapp.extensions import db
from webapp.images.models import EventImage
from webapp.images.processing import CardText, Prepared


@dataclass(frozen=True)
class ShareImage:
    """What og:image points to: the upload's digest, or the card's version, and its type."""

    version: str
    content_type: str
    uploaded: bool


def set_image(event: Event, prepared: Prepared, actor) -> None:
    """Store `prepared` as the event's image (replacing any), audited; the caller commits."""
    begin_write(db.session)
    image = db.session.get(EventImage, event.id)
    if image is None:
        image = EventImage(event_id=event.id)
        db.session.add(image)
    image.data = prepared.data
    image.content_type = prepared.content_type
    image.digest = hashlib.sha256(prepared.data).hexdigest()
    audit.record(
        "event.image_changed",
        actor=actor,
        object_type="event",
        object_id=event.id,
        event_id=event.id,
        details={"change": "uploaded", "bytes": len(prepared.data)},
    )


def remove_image(event: Event, actor) -> bool:
    """Remove the event's image (the card takes its place), audited; False if none."""
    begin_write(db.session)
    image = db.session.get(EventImage, event.id)
    if image is None:
        return False
    db.session.delete(image)
    audit.record(
        "event.image_changed",
        actor=actor,
        object_type="event",
        object_id=event.id,
        event_id=event.id,
        details={"change": "removed"},
    )
    return True


def uploaded_digest(event_id: int) -> str | None:
    """The digest of the event's uploaded image, if it has one (no image bytes read)."""
    return db.session.scalar(sa.select(EventImage.digest).where(EventImage.event_id == event_id))


def uploaded(event_id: int) -> EventImage | None:
    """The event's uploaded image with its bytes, if any."""
    return db.session.get(EventImage, event_id)


def card_text(event: Event, language: str, site: str) -> CardText:
    """The card's words for `event` in `language` (the current one)."""
    return CardText(
        title=event.text_in(language).title,
        kind=str(events.KIND_NAMES[event.kind]),
        when=events.event_time(event).when,
        place=events.place_label(event),
        site=site,
    )


def share_image(event: Event, language: str, site: str) -> ShareImage:
    """The image the event's page shares now, identified by a version for its URL."""
    digest = uploaded_digest(event.id)
    if digest is not None:
        return ShareImage(digest[:20], "image/jpeg", True)
    text = card_text(event, language, site)
    key = "|".join((language, text.title, text.kind, text.when, text.place, text.site))
    return ShareImage(hashlib.sha256(key.encode()).hexdigest()[:20], "image/png", False)

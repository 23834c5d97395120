"""What to send: renders each lifecycle email into an outbox row, in the caller's transaction.

Nothing here sends or commits: the caller's unit of work commits the change and its
messages together.
"""

from __future__ import annotations

import enum

from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.registration.models import Registration


class MessageKind(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"  # by the attendee (or an organiser on their behalf)
    EVENT_CHANGED = "event_changed"
    EVENT_CANCELLED = "event_cancelled"
    REMINDER_24H = "reminder_24h"
    REMINDER_1H = "reminder_1h"


def queue_for_registration(
    registration: Registration, kind: MessageKind, *, dedupe_key: str | None = None
) -> OutboxMessage:
    """Render the `kind` email for a registration and add it to the outbox (no commit)."""
    # Placeholder rendering; the email templates replace this.
    import uuid

    message = OutboxMessage(
        kind=kind.value,
        sender="Convene <no-reply@convene.localhost>",
        recipient=registration.email,
        subject=f"{kind.value}: {registration.event.title}",
        message_id=f"<{uuid.uuid4().hex}@convene.localhost>",
        text_body="",
        html_body="",
        event_id=registration.event_id,
        registration_id=registration.id,
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    return message

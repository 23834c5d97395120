"""Signed cursors for the registrations' pages: a position (updated_at, id) in one event.

Signed (itsdangerous) so that a client cannot forge positions or cross events, and opaque
so that the ordering may change without breaking clients' assumptions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from itsdangerous import BadData, URLSafeSerializer

SALT = "convene.api.registrations-cursor"


class BadCursor(ValueError):
    """The cursor was not made by this server for this event."""


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def encode(secret_key: str, event_id: int, updated_at: datetime, registration_id: int) -> str:
    """The cursor after the registration (updated_at, id) in event `event_id`."""
    stamp = updated_at.astimezone(UTC).isoformat()
    return _serializer(secret_key).dumps([event_id, stamp, registration_id])


def decode(secret_key: str, cursor: str, event_id: int) -> tuple[datetime, int]:
    """The position a cursor holds; BadCursor if it is forged, damaged or another event's."""
    try:
        value = _serializer(secret_key).loads(cursor)
    except BadData:
        raise BadCursor("The cursor is not valid: use the next_cursor of a page.") from None
    try:
        cursor_event, stamp, registration_id = value
        updated_at = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        raise BadCursor("The cursor is not valid: use the next_cursor of a page.") from None
    if cursor_event != event_id:
        raise BadCursor("The cursor belongs to another event.")
    if updated_at.tzinfo is None or not isinstance(registration_id, int):
        raise BadCursor("The cursor is not valid: use the next_cursor of a page.")
    return updated_at, registration_id

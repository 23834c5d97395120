"""The signed-in organiser's actions, written to the audit log in the action's transaction.

Views call these just before they commit, once the service has succeeded, so a refused
or failed action leaves no entry. Entries name people by id only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask_login import current_user

from webapp import audit


def _actor() -> Any:
    return current_user if current_user.is_authenticated else None


def event_action(action: str, event: Any, **details: Any) -> None:
    """An action on an event as a whole (created, edited, published, ...)."""
    audit.record(
        action,
        actor=_actor(),
        object_type="event",
        object_id=event.id,
        event_id=event.id,
        details=details,
    )


def attendee_action(action: str, registration: Any, **details: Any) -> None:
    """An action on one registration; the registration's id, never the person's name."""
    audit.record(
        action,
        actor=_actor(),
        object_type="registration",
        object_id=registration.id,
        event_id=registration.event_id,
        details=details,
    )


def object_action(
    action: str, object_type: str, object_id: int | None, event_id: int | None = None, **details
) -> None:
    """An action on another object (a question, an account, ...)."""
    audit.record(
        action,
        actor=_actor(),
        object_type=object_type,
        object_id=object_id,
        event_id=event_id,
        details=details,
    )


class Counted:
    """Rows passed through unchanged, counted as they are taken (an export's data rows)."""

    def __init__(self, rows: Iterable) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator:
        for row in self.rows:
            self.count += 1
            yield row


def logged_stream(chunks: Iterable[bytes], finish: Callable[[bool], None]) -> Iterator[bytes]:
    """Yield a streamed file's chunks, calling `finish(True)` before the last one goes out.

    So the audit entry, with the exact number of rows written, is committed before the
    download completes (if it cannot be, the file stays incomplete). A download the client
    abandons calls `finish(False)` with the rows written so far.
    """
    finished = False
    try:
        previous = None
        for chunk in chunks:
            if previous is not None:
                yield previous
            previous = chunk
        finished = True
        finish(True)
        if previous is not None:
            yield previous
    except GeneratorExit:
        if not finished:
            # The rows' query first lets go of its cursor, then the entry is written.
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            finish(False)
        raise

"""Organiser API tokens: create (shown once), revoke, list, and resolve a bearer token.

A token is `cvn_` plus 32 random bytes (URL-safe base64); only its SHA-256 is stored, so a
copy of the database lets nobody call the API. It is read-only, scoped to every event its
organiser may see or to one of them, and stops working when revoked, when its organiser is
deactivated, or (for a one-event token) when the organiser loses that event.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp import audit
from webapp.api.models import ApiToken
from webapp.db import begin_write, lock_row, now_utc
from webapp.events.models import Event
from webapp.extensions import db
from webapp.organiser.auth import can_manage, visible_to
from webapp.organiser.models import Organiser
from webapp.organiser.two_factor import needs_enrolment

TOKEN_PREFIX = "cvn_"  # noqa: S105 (a public marker that makes tokens recognisable)
# What a token looks like: the prefix and 43 URL-safe base64 characters.
TOKEN_LENGTH = len(TOKEN_PREFIX) + 43
SHOWN_PREFIX_LENGTH = 8
# last_used_at is written at most this often per token: a CRM polling every second must
# not turn each read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be created or revoked as asked."""


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(organiser: Organiser, name: str, event_id: int | None) -> tuple[ApiToken, str]:
    """A new token (and its one-time plain text) for `organiser`; the caller commits."""
    begin_write(db.session)
    if event_id is not None:
        event = db.session.get(Event, event_id)
        if event is None or not can_manage(organiser, event):
            raise TokenError("This event is not one of yours.")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organiser_id=organiser.id,
        event_id=event_id,
        name=name.strip(),
        token_hash=token_hash(plain),
        prefix=plain[:SHOWN_PREFIX_LENGTH],
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        actor=organiser,
        object_type="api_token",
        object_id=token.id,
        event_id=event_id,
        details={"scope": "event" if event_id else "all_events"},
    )
    return token, plain


def revoke_token(organiser: Organiser, token_id: int) -> ApiToken:
    """Revoke one of the organiser's own tokens; the caller commits. Idempotent."""
    token = lock_row(db.session, ApiToken, token_id)
    if token is None or token.organiser_id != organiser.id:
        raise TokenError("No such token.")
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        audit.record(
            "api_token.revoked",
            actor=organiser,
            object_type="api_token",
            object_id=token.id,
            event_id=token.event_id,
        )
    return token


def tokens_of(organiser: Organiser) -> list[ApiToken]:
    """The organiser's tokens, newest first, revoked ones included."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.organiser_id == organiser.id)
            .order_by(ApiToken.id.desc())
        )
    )


def scope_choices(organiser: Organiser) -> list[tuple[int, str]]:
    """(id, title) of the events a token may be limited to, soonest first."""
    rows = db.session.execute(
        sa.select(Event.id, Event.title).where(visible_to(organiser)).order_by(Event.starts_at)
    )
    return [(event_id, title) for event_id, title in rows]


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if it is well formed."""
    scheme, _, value = (header or "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(TOKEN_PREFIX):
        return None
    if len(value) != TOKEN_LENGTH or not value.isascii():
        return None
    return value


def resolve(plain: str) -> ApiToken | None:
    """The live token for `plain`: not revoked, its organiser active and enrolled in two-step
    sign-in if the site requires it of them (a token must not outlive that rule); else None."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(plain)))
    if token is None or token.revoked_at is not None or not token.organiser.is_active_account:
        return None
    if needs_enrolment(token.organiser):
        return None
    return token


def note_use(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Record that the token was used, at most once per LAST_USED_GRANULARITY; the caller
    commits when this returns True."""
    now = now or now_utc()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_GRANULARITY:
        return False
    token_id = token.id
    locked = lock_row(db.session, ApiToken, token_id)
    if locked is None:
        return False
    locked.last_used_at = now
    return True


def events_query(token: ApiToken) -> sa.Select:
    """The events the token may read: the organiser's, or its one event if still theirs."""
    stmt = sa.select(Event).where(visible_to(token.organiser))
    if token.event_id is not None:
        stmt = stmt.where(Event.id == token.event_id)
    return stmt

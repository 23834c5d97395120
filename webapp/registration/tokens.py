"""Manage tokens: the unguessable secret in each attendee's personal link.

The token is HMAC-SHA256(SECRET_KEY, "manage:" + token_salt), so every later email can
re-derive it from the registration; only its SHA-256 is stored, for look-ups. Finding a
registration is an indexed look-up of that hash, never a comparison of secrets, so a
wrong token takes the same path as any other unknown one. Rotating SECRET_KEY
invalidates every manage link already sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa
from flask import current_app

from webapp.extensions import db
from webapp.registration.models import Registration

# 32 bytes of HMAC output, urlsafe base64 without padding.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token_salt() -> str:
    """A fresh random salt (192 bits) for a new registration."""
    return secrets.token_urlsafe(24)


def manage_token(registration: Registration) -> str:
    """The registration's manage token, derived from SECRET_KEY and its salt."""
    return _derive("manage", registration.token_salt)


def _derive(purpose: str, salt: str) -> str:
    key = current_app.config["SECRET_KEY"]
    if isinstance(key, str):
        key = key.encode()
    digest = hmac.new(key, f"{purpose}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# The join token: '<registration id>.<HMAC of "join:" + salt>'. Separate from the manage
# token because the join link goes into calendar entries, which are shared with assistants
# and colleagues and must not let them cancel. Derived, so registrations made before join
# links existed have one too; the id finds the row, the HMAC is compared in constant time.
JOIN_TOKEN_PATTERN = re.compile(r"([0-9]{1,18})\.([A-Za-z0-9_-]{43})")


def join_token(registration: Registration) -> str:
    """The registration's join token (for /join/<token>)."""
    return f"{registration.id}.{_derive('join', registration.token_salt)}"


def find_by_join_token(token: str) -> Registration | None:
    """The registration a join token belongs to, or None for any unknown or malformed one."""
    found = JOIN_TOKEN_PATTERN.fullmatch(token) if isinstance(token, str) else None
    if found is None:
        return None
    registration = db.session.get(Registration, int(found.group(1)))
    if registration is None:
        return None
    expected = _derive("join", registration.token_salt)
    return registration if hmac.compare_digest(expected, found.group(2)) else None


def token_hash(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def assign_token(registration: Registration) -> str:
    """Give a new registration its salt and token hash; returns the token."""
    registration.token_salt = new_token_salt()
    token = manage_token(registration)
    registration.manage_token_hash = token_hash(token)
    return token


def find_by_token(token: str) -> Registration | None:
    """The registration a manage token belongs to, or None for any unknown or malformed one."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    return db.session.scalar(
        sa.select(Registration).where(Registration.manage_token_hash == token_hash(token))
    )

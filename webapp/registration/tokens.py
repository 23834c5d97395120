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
    key = current_app.config["SECRET_KEY"]
    if isinstance(key, str):
        key = key.encode()
    message = f"manage:{registration.token_salt}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


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

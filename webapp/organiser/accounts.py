"""Organiser accounts: creation, password checks, sign-out everywhere, password reset links."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.communication import notifications
from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.mail import messages
from webapp.organiser.models import Organiser

MIN_PASSWORD_LENGTH = 10
RESET_SALT = "convene.organiser.password-reset"


class AccountError(ValueError):
    """An account change that cannot be made, with a message for the person making it."""


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    """Raise AccountError unless the password is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH))
    if len(password) > 200:
        raise AccountError(_("Use at most %(max)d characters.", max=200))


def find_by_email(email: str) -> Organiser | None:
    """The organiser with this email, if any."""
    return db.session.scalar(sa.select(Organiser).where(Organiser.email == normalise_email(email)))


def create_organiser(
    email: str, password: str | None, *, name: str = "", is_admin: bool = False
) -> Organiser:
    """Add an organiser (no commit). Without a password the account waits for a reset link."""
    begin_write(db.session)
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise AccountError(_("An organiser with the email %(email)s already exists.", email=email))
    if password is None:
        # Nobody knows this random password: the owner sets theirs through the emailed link.
        password = secrets.token_urlsafe(32)
    check_password_rules(password)
    organiser = Organiser(
        email=email,
        name=name.strip(),
        password_hash=_hash(password),
        is_admin=is_admin,
    )
    db.session.add(organiser)
    db.session.flush()
    return organiser


def _hash(password: str) -> str:
    # werkzeug's scrypt by default; tests choose a cheaper method to stay fast.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(email: str, password: str) -> Organiser | None:
    """The active organiser with these credentials, or None.

    An unknown email still costs one password hash, so the answer takes about as long
    as for a wrong password and does not reveal which accounts exist.
    """
    organiser = find_by_email(email)
    if organiser is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not check_password_hash(organiser.password_hash, password):
        return None
    return organiser if organiser.is_active_account else None


def end_sessions(organiser: Organiser) -> None:
    """Invalidate every session cookie issued to the organiser so far (no commit)."""
    begin_write(db.session)
    organiser.session_version += 1


def set_active(organiser: Organiser, active: bool) -> None:
    """Deactivate an account (its sessions end at once) or reactivate it (no commit)."""
    begin_write(db.session)
    organiser.is_active_account = active
    if not active:
        end_sessions(organiser)
    # Only active accounts are told about registrations: their events' flag follows.
    notifications.refresh_managed_by(organiser)


def set_password(organiser: Organiser, password: str) -> None:
    """Change the password and sign the organiser out everywhere (no commit)."""
    check_password_rules(password)
    begin_write(db.session)
    organiser.password_hash = _hash(password)
    end_sessions(organiser)


def _fingerprint(organiser: Organiser) -> str:
    # Changes with the password hash and the session version, so a link works once.
    material = f"{organiser.password_hash}:{organiser.session_version}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=RESET_SALT)


def reset_token(organiser: Organiser, secret_key: str, *, now: datetime | None = None) -> str:
    """A signed token for the reset link: who, a fingerprint of the account, and when."""
    issued = int((now or now_utc()).timestamp())
    payload = {"id": organiser.id, "fp": _fingerprint(organiser), "iat": issued}
    return _serializer(secret_key).dumps(payload)


def organiser_for_reset(
    token: str, secret_key: str, *, max_age: int, now: datetime | None = None
) -> Organiser | None:
    """The organiser a valid, unexpired, unused reset token belongs to, or None."""
    try:
        payload = _serializer(secret_key).loads(token)
        organiser_id, fingerprint, issued = payload["id"], payload["fp"], payload["iat"]
    except (BadSignature, KeyError, TypeError):
        return None
    age = (now or now_utc()).timestamp() - issued
    if not isinstance(organiser_id, int) or not 0 <= age <= max_age:
        return None
    organiser = db.session.get(Organiser, organiser_id)
    if organiser is None or not organiser.is_active_account:
        return None
    if not hmac.compare_digest(str(fingerprint), _fingerprint(organiser)):
        return None
    return organiser


def send_password_reset(
    organiser: Organiser,
    secret_key: str,
    link_for: Callable[[str], str],
    *,
    now: datetime | None = None,
) -> None:
    """Queue the email carrying a reset link (no commit); `link_for` turns a token into a URL."""
    begin_write(db.session)
    messages.queue_password_reset(organiser, link_for(reset_token(organiser, secret_key, now=now)))

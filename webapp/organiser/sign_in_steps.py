"""The steps of signing in and their audit entries: the marker that the password step
passed, sign-in and sign-out, failed attempts, and password changes.

Between the password and the second step the session holds only a signed marker ("the
password of organiser X passed at T, for a code or for enrolment"), never Flask-Login's
sign-in. It stops working after TWO_FACTOR_STEP_MAX_AGE seconds, when the account's
session version changes (password changed, signed out everywhere), and after
TWO_FACTOR_MAX_ATTEMPTS wrong codes: those are counted on the account in the database,
so replaying an older cookie does not buy more guesses.
"""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from webapp import audit
from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.organiser import accounts
from webapp.organiser.models import Organiser

MARKER_SALT = "convene.organiser.password-passed"
PURPOSES = ("code", "enrol")


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=MARKER_SALT)


def issue_marker(
    organiser: Organiser, purpose: str, secret_key: str, *, now: datetime | None = None
) -> str:
    """A signed marker that `organiser`'s password passed, for a code or for enrolment."""
    payload = {
        "id": organiser.id,
        "v": organiser.session_version,
        "f": organiser.second_step_failures,
        "p": purpose,
        "iat": int((now or now_utc()).timestamp()),
    }
    return _serializer(secret_key).dumps(payload)


def _payload(token: str | None, secret_key: str) -> dict | None:
    if not token:
        return None
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        return None
    return payload


def marker_account(token: str | None, secret_key: str) -> int | None:
    """The organiser id a validly signed marker names (for rate limits), or None."""
    payload = _payload(token, secret_key)
    return payload["id"] if payload else None


def read_marker(
    token: str | None,
    secret_key: str,
    purpose: str,
    *,
    max_age: int,
    max_attempts: int,
    now: datetime | None = None,
) -> Organiser | None:
    """The organiser of a live marker for `purpose`, or None (tampered, expired, used up)."""
    payload = _payload(token, secret_key)
    if payload is None or payload.get("p") != purpose:
        return None
    issued, version, failures = payload.get("iat"), payload.get("v"), payload.get("f")
    if not all(isinstance(value, int) for value in (issued, version, failures)):
        return None
    if not 0 <= (now or now_utc()).timestamp() - issued <= max_age:
        return None
    organiser = db.session.get(Organiser, payload["id"])
    if organiser is None or not organiser.is_active_account:
        return None
    if organiser.session_version != version:
        return None
    if organiser.second_step_failures >= failures + max_attempts:
        return None
    return organiser


def _record(action: str, organiser: Organiser | None, details: dict | None = None) -> None:
    audit.record(
        action,
        actor=organiser,
        object_type="organiser",
        object_id=getattr(organiser, "id", None),
        details=details,
    )


def record_signed_in(organiser: Organiser, second_factor: str | None) -> None:
    """Audit a completed sign-in, saying which second factor was used (None: none)."""
    _record("auth.signed_in", organiser, {"second_factor": second_factor})


def record_sign_in_failed(email: str) -> None:
    """Audit a refused password step: the account if the address is known, never the address."""
    begin_write(db.session)
    _record("auth.sign_in_failed", accounts.find_by_email(email), {"step": "password"})


def sign_out(organiser: Organiser) -> None:
    """End every session of the organiser and audit it (no commit)."""
    accounts.end_sessions(organiser)
    _record("auth.signed_out", organiser)


def change_password(organiser: Organiser, password: str) -> None:
    """A signed-in organiser's new password; other sessions end (no commit)."""
    accounts.set_password(organiser, password)
    _record("auth.password_changed", organiser)


def reset_password(organiser: Organiser, password: str) -> None:
    """A new password chosen from an emailed link (no commit)."""
    accounts.set_password(organiser, password)
    _record("auth.password_reset", organiser)


def record_password_link_sent(organiser: Organiser) -> None:
    """Audit a reset link sent on the organiser's own request."""
    _record("auth.password_link_sent", organiser)

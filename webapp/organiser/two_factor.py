"""Two-step sign-in with TOTP (RFC 6238): enrolment, checking a code once, turning it off.

The secret is stored encrypted (webapp/organiser/two_factor_keys.py), so a copy of the
database alone cannot produce codes, and it is never shown after enrolment. A code is accepted for the time step before, at or after now (clock
drift), and only for a step later than the last one accepted for that organiser: the step
is kept in the database under the organiser's row lock, so every app server sees it and a
code cannot be used twice, even by two sign-ins racing each other.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from webapp import audit, site_settings
from webapp.db import lock_row, now_utc
from webapp.extensions import db
from webapp.organiser import accounts, recovery_codes
from webapp.organiser.models import Organiser
from webapp.organiser.two_factor_keys import decrypt_secret, encrypt_secret

REQUIREMENT_KEY = "security.require_two_factor"
REQUIREMENTS = ("none", "admins", "everyone")
DRIFT_STEPS = 1


class TwoFactorError(ValueError):
    """A two-step sign-in change that cannot be made, with a message for the organiser."""


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret to type and the QR code to scan."""

    secret: str
    uri: str
    qr_data_uri: str


def new_pending_secret() -> str:
    """A fresh random secret, encrypted, to keep until the organiser confirms a code."""
    return encrypt_secret(pyotp.random_base32())


def enrolment(organiser: Organiser, pending: str | None) -> Enrolment | None:
    """The QR code and secret to show for a pending enrolment, or None."""
    secret = decrypt_secret(pending)
    if secret is None:
        return None
    issuer = current_app.config["TWO_FACTOR_ISSUER"]
    uri = pyotp.TOTP(secret).provisioning_uri(name=organiser.email, issuer_name=issuer)
    qr_data_uri = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return Enrolment(secret=secret, uri=uri, qr_data_uri=qr_data_uri)


def required_for(organiser: Organiser) -> bool:
    """Whether the site's rule or an admin's reset makes two-step sign-in compulsory."""
    rule = site_settings.get(REQUIREMENT_KEY, "none")
    by_site = rule == "everyone" or (rule == "admins" and organiser.is_admin)
    return by_site or organiser.must_enrol_two_factor


def needs_enrolment(organiser: Organiser) -> bool:
    """Whether the organiser must enrol before doing anything else."""
    return not organiser.has_two_factor and required_for(organiser)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step within the drift window whose code is `code`, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_code(organiser: Organiser, secret: str, code: str, now: datetime) -> bool:
    """Accept a code once: its step must be later than the last accepted (row locked)."""
    step = matching_step(secret, code, now)
    if step is None or (organiser.totp_last_step is not None and step <= organiser.totp_last_step):
        return False
    organiser.totp_last_step = step
    return True


def _locked(organiser_id: int) -> Organiser:
    organiser = lock_row(db.session, Organiser, organiser_id)
    if organiser is None:
        raise TwoFactorError(_("This account no longer exists."))
    return organiser


def confirm_enrolment(
    organiser_id: int, pending: str | None, code: str, *, now: datetime | None = None
) -> list[str]:
    """Turn two-step sign-in on with the pending secret; returns the new recovery codes."""
    now = now or now_utc()
    organiser = _locked(organiser_id)
    secret = decrypt_secret(pending)
    if organiser.has_two_factor:
        raise TwoFactorError(_("Two-step sign-in is already turned on."))
    if secret is None:
        raise TwoFactorError(_("Start again: this setup has expired."))
    organiser.totp_last_step = None
    if not _accept_code(organiser, secret, code, now):
        raise TwoFactorError(_("That code is not right. Enter the current code from your app."))
    organiser.totp_secret = encrypt_secret(secret)
    organiser.totp_enabled_at = now
    organiser.second_step_failures = 0
    organiser.must_enrol_two_factor = False
    codes = recovery_codes.replace_codes(organiser, now=now)
    _record("auth.two_factor_enabled", organiser, organiser)
    return codes


def check_second_step(organiser_id: int, code: str, *, now: datetime | None = None) -> str | None:
    """'totp' or 'recovery' when the code is accepted (used up); None, counted, if not."""
    now = now or now_utc()
    organiser = _locked(organiser_id)
    secret = decrypt_secret(organiser.totp_secret)
    kind = None
    if secret is not None and _accept_code(organiser, secret, code, now):
        kind = "totp"
    elif recovery_codes.use_code(organiser, code, now=now):
        kind = "recovery"
        remaining = recovery_codes.remaining(organiser)
        _record("auth.recovery_code_used", organiser, organiser, {"remaining": remaining})
    if kind is None:
        organiser.second_step_failures += 1
        details = {"failures": organiser.second_step_failures}
        _record("auth.second_step_failed", organiser, organiser, details)
    else:
        organiser.second_step_failures = 0
    return kind


def _current_code_or_error(organiser: Organiser, code: str, now: datetime) -> None:
    secret = decrypt_secret(organiser.totp_secret)
    if secret is None:
        raise TwoFactorError(_("Two-step sign-in is not turned on."))
    if not _accept_code(organiser, secret, code, now):
        raise TwoFactorError(_("That code is not right. Enter the current code from your app."))


def regenerate_codes(organiser_id: int, code: str, *, now: datetime | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code."""
    now = now or now_utc()
    organiser = _locked(organiser_id)
    _current_code_or_error(organiser, code, now)
    codes = recovery_codes.replace_codes(organiser, now=now)
    _record("auth.recovery_codes_regenerated", organiser, organiser)
    return codes


def disable(organiser_id: int, password: str, code: str, *, now: datetime | None = None) -> None:
    """Turn two-step sign-in off after the password and a current code, unless required."""
    organiser = _locked(organiser_id)
    if required_for(organiser):
        raise TwoFactorError(_("Two-step sign-in is required on this site: it stays on."))
    if accounts.authenticate(organiser.email, password) is None:
        raise TwoFactorError(_("This is not your current password."))
    _current_code_or_error(organiser, code, now or now_utc())
    _clear(organiser)
    _record("auth.two_factor_disabled", organiser, organiser)


def reset_by_admin(admin: Organiser | None, organiser_id: int) -> Organiser:
    """An admin (None: the command line) clears an organiser's two-step sign-in; they
    enrol again at their next sign-in."""
    organiser = _locked(organiser_id)
    _clear(organiser)
    organiser.must_enrol_two_factor = True
    organiser.session_version += 1  # every session of theirs ends now
    _record("auth.two_factor_reset", admin, organiser)
    return organiser


def _clear(organiser: Organiser) -> None:
    organiser.totp_secret = None
    organiser.totp_enabled_at = None
    organiser.totp_last_step = None
    organiser.second_step_failures = 0
    db.session.execute(
        sa.delete(recovery_codes.RecoveryCode).where(
            recovery_codes.RecoveryCode.organiser_id == organiser.id
        )
    )


def save_requirement(value: str, admin: Organiser) -> list[str]:
    """Store the site's rule ('none', 'admins', 'everyone'); audited by site_settings."""
    if value not in REQUIREMENTS:
        raise TwoFactorError(_("Choose one of the offered options."))
    return site_settings.save({REQUIREMENT_KEY: value}, admin)


def _record(action: str, actor: Organiser | None, organiser: Organiser, details=None) -> None:
    audit.record(
        action, actor=actor, object_type="organiser", object_id=organiser.id, details=details
    )

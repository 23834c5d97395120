"""One-time recovery codes for two-step sign-in: made, shown once, stored only as hashes.

A code is 60 random bits (12 characters of an alphabet without look-alikes), so a slow
password hash buys nothing against guessing, and checking a typed code against ten scrypt
hashes would cost seconds. Each is stored as HMAC-SHA256 under a key derived from
TWO_FACTOR_KEY or SECRET_KEY: a copy of the database alone cannot even test guesses, and a
typed code is found with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa

from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.organiser.models import Organiser, RecoveryCode
from webapp.organiser.two_factor_keys import derived_key

__all__ = ["RecoveryCode", "normalise", "remaining", "replace_codes", "use_code"]

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LENGTH, COUNT = 3, 4, 10


def _new_code() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def normalise(code: str) -> str:
    """A typed code without spaces, hyphens or capitals."""
    return "".join(char for char in code.lower() if char not in " -\t")


def _hash(code: str) -> str:
    key = derived_key(b"recovery-codes")
    return hmac.new(key, normalise(code).encode(), hashlib.sha256).hexdigest()


def replace_codes(organiser: Organiser, *, now: datetime | None = None) -> list[str]:
    """Delete the organiser's codes and store COUNT new ones; returns them, readable, once."""
    begin_write(db.session)
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.organiser_id == organiser.id))
    codes = [_new_code() for _ in range(COUNT)]
    for code in codes:
        db.session.add(
            RecoveryCode(
                organiser_id=organiser.id, code_hash=_hash(code), created_at=now or now_utc()
            )
        )
    return codes


def use_code(organiser: Organiser, code: str, *, now: datetime | None = None) -> bool:
    """Use up one unused code of the organiser's; False if `code` is not one."""
    begin_write(db.session)
    if len(normalise(code)) != GROUPS * GROUP_LENGTH:
        return False
    row = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.organiser_id == organiser.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now or now_utc()
    return True


def remaining(organiser: Organiser) -> int:
    """How many unused codes the organiser has left."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.organiser_id == organiser.id, RecoveryCode.used_at.is_(None))
    )

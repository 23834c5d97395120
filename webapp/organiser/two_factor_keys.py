"""Keys for two-step sign-in, derived from TWO_FACTOR_KEY (or else SECRET_KEY) with HKDF.

The TOTP secret is stored encrypted with Fernet (AES with an HMAC): reading the database
is not enough to produce an organiser's codes. Keeping the key outside the database is
what makes that true, so losing or changing it means every organiser enrols again (an
admin resets them); set TWO_FACTOR_KEY to the old SECRET_KEY before rotating SECRET_KEY.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def derived_key(purpose: bytes) -> bytes:
    """32 bytes for `purpose`, derived from TWO_FACTOR_KEY or else SECRET_KEY."""
    material = current_app.config.get("TWO_FACTOR_KEY") or current_app.config["SECRET_KEY"]
    info = b"convene.two-factor." + purpose
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        str(material).encode()
    )


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(b"totp-secret")))


def encrypt_secret(secret: str) -> str:
    """The secret as stored (and as kept in the session while enrolment is pending)."""
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str | None) -> str | None:
    """The secret from its stored form, or None if it is missing or not ours."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None

"""Webhook signatures: HMAC-SHA256 of "<unix time>.<body>" with the webhook's secret.

Sent as `X-Convene-Signature: t=<unix time>,v1=<hex digest>`. Receivers recompute the
digest and refuse a timestamp older than five minutes (README, "Webhooks"), so a captured
request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_BYTES = 32
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh random signing secret."""
    return "whsec_" + secrets.token_urlsafe(SECRET_BYTES)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Convene-Signature header value for `body` sent at `timestamp`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def headers(secret: str, timestamp: int, body: bytes, event_type: str, delivery: str) -> dict:
    """Every header of a delivery."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Convene-Webhooks/1",
        "X-Convene-Event": event_type,
        "X-Convene-Delivery": delivery,
        "X-Convene-Signature": signature(secret, timestamp, body),
    }

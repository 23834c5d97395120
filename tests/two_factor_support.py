"""Helpers for the two-step sign-in tests: enrol through the pages, compute codes, read audit."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

import pyotp
import sqlalchemy as sa

from webapp.audit import AuditEntry
from webapp.db import now_utc
from webapp.extensions import db
from webapp.organiser.models import Organiser


def code_at(secret: str, when: datetime | None = None) -> str:
    """The TOTP code an authenticator app shows at `when` (default: the frozen now)."""
    return pyotp.TOTP(secret).at(when or now_utc())


def shown_secret(page: str) -> str:
    """The key shown for typing into the app, read from the enrolment page."""
    match = re.search(r'<code class="totp-secret">([A-Z2-7]+)</code>', page)
    assert match, page
    return match.group(1)


def shown_codes(page: str) -> list[str]:
    """The recovery codes shown once after enrolment."""
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)


def start_enrolment(client, csrf: dict | None = None) -> str:
    """Start enrolment and return the secret the page shows."""
    started = client.post("/organiser/two-step/start", data=dict(csrf or {}))
    assert started.status_code == 302, started.get_data(as_text=True)
    page = client.get("/organiser/two-step")
    assert page.status_code == 200
    return shown_secret(page.get_data(as_text=True))


def enrol(client, csrf: dict | None = None) -> tuple[str, list[str]]:
    """Enrol through the pages with a code computed from the secret shown; (secret, codes)."""
    secret = start_enrolment(client, csrf)
    data = {"code": code_at(secret), **(csrf or {})}
    confirmed = client.post("/organiser/two-step/confirm", data=data)
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    codes = shown_codes(html.unescape(confirmed.get_data(as_text=True)))
    assert len(codes) == 10
    return secret, codes


def organiser(app, organiser_id: int) -> Organiser:
    """The organiser row, detached."""
    with app.app_context():
        row = db.session.get(Organiser, organiser_id)
        db.session.expunge(row)
        return row


def audit_entries(app, action: str | None = None) -> list[tuple[str, int | None, int | None, dict]]:
    """(action, actor_id, object_id, details) of audit entries, oldest first."""
    with app.app_context():
        stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return [
            (e.action, e.actor_id, e.object_id, json.loads(e.details))
            for e in db.session.scalars(stmt)
        ]

"""The privacy notice: the settings an admin writes, and the versions they publish.

Every save that changes the notice's text publishes a new version, labelled by the UTC
date of publication ("2026-12-06", then "2026-12-06-2" the same day). Registrations record
the label current when the person consented (`current_version()`); until an admin has
published one, that is the deployment's PRIVACY_NOTICE_VERSION. The retention periods
the notice states are read from the configuration when the page is shown, so the page
always tells the periods the purge actually applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context

from webapp import audit, caching, site_settings
from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.privacy.models import PrivacyNoticeVersion

# The notice's settings, in the order the page shows them.
KEYS = (
    "privacy.controller_name",
    "privacy.controller_address",
    "privacy.contact",
    "privacy.legal_basis",
    "privacy.purposes",
    "privacy.recipients",
    "privacy.extra",
)


@dataclass(frozen=True)
class Notice:
    """A notice as shown: its label, when it was published, and what the admin wrote."""

    label: str
    published_at: datetime | None = None
    values: dict[str, str] = field(default_factory=dict)

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def text(self, key: str) -> str:
        return self.values.get(f"privacy.{key}", "")


def _as_notice(version: PrivacyNoticeVersion | None) -> Notice | None:
    if version is None:
        return None
    return Notice(version.label, version.published_at, version.values)


def _latest() -> Notice | None:
    return _as_notice(
        db.session.scalars(
            sa.select(PrivacyNoticeVersion).order_by(PrivacyNoticeVersion.id.desc()).limit(1)
        ).first()
    )


def latest() -> Notice | None:
    """The published notice now in force; in a request, kept until the next commit."""
    if has_request_context() and caching.enabled(current_app):
        return caching.memoised(("privacy_notice",), lambda: (_latest(), None))
    return _latest()


def current() -> Notice:
    """The notice in force, or the configured placeholder when none is published."""
    return latest() or Notice(current_app.config["PRIVACY_NOTICE_VERSION"])


def current_version() -> str:
    """The label that registrations made now record as the notice they consented to."""
    return current().label


def find(label: str) -> Notice | None:
    """A published version by its label."""
    return _as_notice(
        db.session.scalars(
            sa.select(PrivacyNoticeVersion).where(PrivacyNoticeVersion.label == label[:40])
        ).first()
    )


def versions() -> list[Notice]:
    """Every published version, newest first."""
    rows = db.session.scalars(
        sa.select(PrivacyNoticeVersion).order_by(PrivacyNoticeVersion.id.desc())
    )
    return [Notice(row.label, row.published_at) for row in rows]


def draft_values() -> dict[str, Any]:
    """The notice's settings as stored, for the admin's form."""
    return {key: site_settings.get(key, "") for key in KEYS}


def retention() -> dict[str, int]:
    """The retention periods in force (the purge reads the same settings)."""
    config = current_app.config
    return {
        "months": int(config.get("PERSONAL_DATA_RETENTION_MONTHS", 12)),
        "outbox_days": int(config.get("OUTBOX_BODY_RETENTION_DAYS", 30)),
        "audit_days": int(config.get("AUDIT_RETENTION_DAYS", 730)),
    }


def _next_label(now: datetime) -> str:
    day = now.date().isoformat()
    taken = set(
        db.session.scalars(
            sa.select(PrivacyNoticeVersion.label).where(PrivacyNoticeVersion.label.startswith(day))
        )
    )
    label, number = day, 1
    while label in taken:
        number += 1
        label = f"{day}-{number}"
    return label


def publish(values: dict[str, str], actor: Any, *, now: datetime | None = None) -> str | None:
    """Store the settings and publish them as a new version if the text changed (no commit).

    Returns the new version's label, or None when nothing changed and a version exists.
    """
    now = now or now_utc()
    begin_write(db.session)
    values = {key: values.get(key, "") for key in KEYS}
    changed = site_settings.save(values, actor, action="privacy.notice_changed")
    if not changed and _latest() is not None:
        return None
    version = PrivacyNoticeVersion(
        label=_next_label(now),
        published_at=now,
        content=json.dumps(values, sort_keys=True, ensure_ascii=False),
        published_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "privacy.notice_published",
        actor=actor,
        object_type="privacy_notice_version",
        object_id=version.id,
        details={"label": version.label, "keys": sorted(changed)},
        now=now,
    )
    return version.label

"""Site settings an admin edits in the organiser area (privacy notice, sign-in rules, ...).

One row per key, the value as JSON. Each feature owns its keys and their defaults (pass
the default to `get`), and its own admin form that calls `save`, which records the change
in the audit log (names of the keys, not their values). Reads go through the page cache's
memo, so a page that needs a setting costs no query until something is committed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.orm import Mapped, mapped_column

from webapp import audit, caching
from webapp.db import UTCDateTime, begin_write, now_utc
from webapp.extensions import db


class SiteSetting(db.Model):
    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)  # JSON
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organiser.id", ondelete="SET NULL"), default=None
    )


def all_values() -> dict[str, Any]:
    """Every stored setting, decoded."""
    rows = db.session.execute(sa.select(SiteSetting.key, SiteSetting.value)).all()
    return {key: json.loads(value) for key, value in rows}


def current() -> dict[str, Any]:
    """Every stored setting; in a request, kept until the next commit (webapp/caching.py)."""
    if has_request_context() and caching.enabled(current_app):
        return caching.memoised(("site_settings",), lambda: (all_values(), None))
    return all_values()


def get(key: str, default: Any = None) -> Any:
    """The stored value of `key`, or `default` when none is stored."""
    return current().get(key, default)


def save(values: dict[str, Any], actor: Any, *, action: str = "settings.changed") -> list[str]:
    """Store `values` (JSON-serialisable) in the current write transaction; the caller commits.

    Returns the keys whose value changed; records them in the audit log when any did.
    """
    begin_write(db.session)
    stored = {row.key: row for row in db.session.scalars(sa.select(SiteSetting))}
    changed = []
    for key, value in values.items():
        encoded = json.dumps(value, sort_keys=True, ensure_ascii=False)
        row = stored.get(key)
        if row is None:
            db.session.add(
                SiteSetting(key=key, value=encoded, updated_by_id=getattr(actor, "id", None))
            )
        elif row.value != encoded:
            row.value = encoded
            row.updated_by_id = getattr(actor, "id", None)
        else:
            continue
        changed.append(key)
    if changed:
        audit.record(action, actor=actor, object_type="settings", details={"keys": sorted(changed)})
    return changed

"""Probes for load balancers: /healthz (the process answers) and /readyz (it can serve).

Both are exempt from rate limits, never cached, and answer JSON. /readyz checks that the
database answers and that its schema is at the migrations' head, so an instance started
before `flask db upgrade` ran receives no traffic.
"""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, jsonify

from webapp.extensions import db, limiter

bp = Blueprint("health", __name__)

MIGRATIONS = Path(__file__).parent / "migrations"


@functools.cache
def migration_heads() -> frozenset[str]:
    """The head revisions of Convene's migrations (read once per process)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def _probe(status: int, **details: str) -> Response:
    response = jsonify(status="ok" if status == 200 else "unavailable", **details)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is up and answering."""
    return _probe(200)


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """The database answers and its schema is at the migrations' head."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError:
        return _probe(503, database="unreachable")
    if current != migration_heads():
        return _probe(503, database="ok", migrations="behind")
    return _probe(200, database="ok", migrations="head")

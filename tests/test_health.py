"""/healthz and /readyz for load balancers: cheap, uncached, never rate limited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from webapp.extensions import db


@pytest.fixture
def app_config(app_config):
    app_config["RATELIMIT_ENABLED"] = True
    app_config["REGISTRATION_RATE_LIMIT"] = "2 per minute"
    return app_config


def test_healthz_answers_without_the_database_and_is_never_limited_or_cached(client):
    for _ in range(50):
        response = client.get("/healthz")
        assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "X-RateLimit-Limit" not in response.headers


def test_readyz_is_ready_when_the_schema_is_at_the_migrations_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "migrations": "head"}
    assert response.headers["Cache-Control"] == "no-store"


def _set_version(app, version: str) -> str:
    with app.app_context(), db.engine.begin() as connection:
        before = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": version})
    return before


def test_readyz_refuses_traffic_while_migrations_are_behind(app, client):
    head = _set_version(app, "0000")
    try:
        response = client.get("/readyz")
    finally:
        _set_version(app, head)  # the PostgreSQL database is shared by the session's tests
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "migrations": "behind"}

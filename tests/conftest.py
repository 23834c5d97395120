"""Shared fixtures.

The suite runs on SQLite by default. With CONVENE_TEST_BACKEND=postgres it runs again on
the PostgreSQL at TEST_DATABASE_URL, in a database it creates and drops itself (skipped,
never failed, when PostgreSQL is not reachable). The schema is built only by the
migrations (`flask db upgrade`), once per session; each test starts from empty tables.

Tests never hold an application context while they make requests (Flask would reuse it,
and the request would share the test's session): use `with app.app_context():` blocks, or
the factories below, which return detached, fully loaded objects.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from webapp import create_app
from webapp.db import now_utc
from webapp.events.models import Event, EventFormat, EventKind, EventStatus
from webapp.extensions import db

BACKEND = os.environ.get("CONVENE_TEST_BACKEND", "sqlite")


def _migrate(url: str, instance: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> Iterator[str]:
    """A migrated database for the session: a SQLite file to copy, or a PostgreSQL URL."""
    instance = str(tmp_path_factory.mktemp("instance-template"))
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db") / "template.db"
        _migrate(f"sqlite:///{path}", instance)
        yield str(path)
        return
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    if not base_url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL run skipped")
    base_url = base_url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"convene_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at TEST_DATABASE_URL: {exc.orig}")
    url = sa.engine.make_url(base_url).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, instance)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def database_url(database_template, tmp_path) -> Iterator[str]:
    """A database URL with the migrated schema and no rows."""
    if BACKEND == "sqlite":
        path = tmp_path / "convene.db"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"
        return
    yield database_template
    engine = sa.create_engine(database_template)
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "CONVENE_BASE_URL": "https://convene.test",
    "MAIL_SERVER": None,
    "MAIL_DEFAULT_SENDER": "Convene <no-reply@convene.test>",
}


@pytest.fixture
def app_config() -> dict:
    """Overrides for the app under test; tests may change it before `app` is built."""
    return dict(TEST_CONFIG)


@pytest.fixture
def app(database_url, tmp_path, app_config):
    """The application on a fresh, migrated database."""
    instance = tmp_path / "instance"
    instance.mkdir()
    application = create_app(
        {**app_config, "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance)}
    )
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _detach(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


def build_event(**overrides) -> Event:
    """An Event with sensible defaults: a published webinar a week from now in Brussels."""
    start_local = overrides.pop("start_local", None)
    end_local = overrides.pop("end_local", None)
    zone = overrides.pop("timezone", "Europe/Brussels")
    if start_local is None:
        start_local = (now_utc() + timedelta(days=7)).replace(
            hour=18, minute=0, second=0, microsecond=0, tzinfo=None
        )
    if end_local is None:
        end_local = start_local + timedelta(hours=1, minutes=30)
    values = {
        "slug": f"event-{uuid.uuid4().hex[:8]}",
        "title": "Smart specialisation webinar",
        "kind": EventKind.WEBINAR,
        "format": EventFormat.ONLINE,
        "summary": "An online session on smart specialisation.",
        "status": EventStatus.PUBLISHED,
        "organiser_name": "Cluster Policy Platform",
        "organiser_email": "events@cluster.example",
        "online_url": "https://meet.example.org/secret-room",
    }
    values.update(overrides)
    event = Event(**values)
    event.set_schedule(start_local, end_local, zone)
    return event


@pytest.fixture
def make_event(app):
    """Create and commit an event; returns it detached (attributes loaded)."""

    def make(**overrides) -> Event:
        with app.app_context():
            event = build_event(**overrides)
            db.session.add(event)
            db.session.commit()
            return _detach(event)

    return make


def local(text: str) -> datetime:
    """A naive wall-clock time from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M")  # noqa: DTZ007 (wall time by design)

"""The benchmark data set, built by the migrations and bulk inserts in a scratch database.

5,000 events across zones, kinds and formats (1,000 of them upcoming and published), one
event with 100,000 registrations, a few hundred with a handful each, and the events the
HTTP, rush and export measurements use. Rows go in with Core executemany in chunks; then the
events' calendar entries are stored as `flask calendar refresh` stores them after a deploy,
so the feed measurements read what production reads.
"""

from __future__ import annotations

import hashlib
import os
import random
import secrets
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ZONES = (
    "Europe/Brussels",
    "Europe/Stockholm",
    "Europe/Lisbon",
    "Europe/Helsinki",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
KINDS = ("summit", "webinar", "workshop", "conference")
FORMATS = ("in_person", "online", "hybrid")
CITIES = ("Malmö", "Brussels", "Lisbon", "Helsinki", "Tampere", "Porto", "Ghent", "Aarhus")
CHUNK = 5_000
# CONVENE_BASE_URL of the servers and the offline jobs (bench/run.py, bench/offline.py).
BASE_URL = "http://127.0.0.1"

# Slugs the measurements address.
LISTED_SLUG = "bench-listed-event"
BIG_SLUG = "bench-big-event"
OPEN_SLUG = "bench-open-event"
RUSH_SLUG = "bench-rush-event"


@dataclass(frozen=True)
class Sizes:
    events: int = 5_000
    upcoming_published: int = 1_000
    big_registrations: int = 100_000
    small_events: int = 300
    per_small_event: int = 5
    rush_capacity: int = 100


FULL = Sizes()
SMOKE = Sizes(
    events=200,
    upcoming_published=50,
    big_registrations=500,
    small_events=10,
    per_small_event=3,
    rush_capacity=10,
)


def scratch_sqlite_url(directory: Path, name: str = "bench.db") -> str:
    """A SQLite file URL in the given directory (WAL is set by the app on connect)."""
    return f"sqlite:///{directory / name}"


def create_postgres_database(admin_url: str) -> str:
    """Create a fresh database next to `admin_url`'s and return its URL."""
    admin_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"convene_bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, url: str) -> None:
    """Drop a database made by create_postgres_database()."""
    admin_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def migrate(url: str, instance: Path, secret_key: str) -> None:
    """Build the schema with the project's migrations."""
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": secret_key}
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _event_row(n: int, slug: str, starts_at: datetime, status: str, rng: random.Random) -> dict:
    from webapp import timezones

    zone = ZONES[n % len(ZONES)]
    fmt = FORMATS[n % len(FORMATS)]
    local = timezones.to_local(starts_at, zone).replace(tzinfo=None, second=0, microsecond=0)
    starts = timezones.to_utc(local, zone)
    hours = rng.choice((1, 2, 3, 8))
    now = datetime.now(UTC)
    return {
        "slug": slug,
        "title": f"{KINDS[n % 4].title()} on regional innovation #{n}",
        "kind": KINDS[n % 4],
        "summary": "Cluster managers, regions and companies on smart specialisation.",
        "description": "## Programme\n\n- Keynote\n- **Matchmaking**\n- Site visits\n\n"
        "Bring your questions about [S3](https://example.org/s3).",
        "start_local": local,
        "end_local": local + timedelta(hours=hours),
        "timezone": zone,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=hours),
        "format": fmt,
        "venue_name": "" if fmt == "online" else "Innovation House",
        "address": "" if fmt == "online" else "Main Street 1",
        "city": "" if fmt == "online" else CITIES[n % len(CITIES)],
        "country": "" if fmt == "online" else "BE",
        "online_url": "" if fmt == "in_person" else f"https://meet.example.org/{slug}",
        "capacity": rng.choice((None, 50, 200, 500)),
        "registration_opens_at": None,
        "registration_closes_at": None,
        "status": status,
        "organiser_name": "Cluster Policy Platform",
        "organiser_email": "events@cluster.example",
        "owner_id": None,
        "created_at": now,
        "updated_at": now,
        "sequence": 0,
    }


def _event_rows(sizes: Sizes, now: datetime, rng: random.Random) -> list[dict]:
    from webapp.events.models import search_text_for

    special = {LISTED_SLUG: 200, BIG_SLUG: None, OPEN_SLUG: None, RUSH_SLUG: sizes.rush_capacity}
    rows = []
    for n in range(sizes.events - len(special)):
        if n < sizes.upcoming_published - len(special):
            starts_at = now + timedelta(days=2 + n * 300 / sizes.upcoming_published, hours=n % 9)
            status = "published"
        else:
            # The rest: past events, drafts and cancelled ones, spread over three years.
            starts_at = now + timedelta(days=rng.uniform(-900, 300))
            status = ("published", "draft", "cancelled")[n % 3]
            if starts_at > now and status == "published":
                status = "draft"
        rows.append(_event_row(n, f"bench-event-{n}", starts_at, status, rng))
    for i, (slug, capacity) in enumerate(special.items()):
        row = _event_row(sizes.events + i, slug, now + timedelta(days=30), "published", rng)
        row.update(capacity=capacity, title=f"Bench {slug}")
        rows.append(row)
    for row in rows:  # what the model keeps for events saved through the ORM
        row["search_text"] = search_text_for(row)
    return rows


def _registration_row(event_id: int, n: int, status: str, now: datetime) -> dict:
    salt = secrets.token_hex(16)
    return {
        "event_id": event_id,
        "status": status,
        "first_name": "Attendee",
        "last_name": f"Number {n}",
        "email": f"attendee{n}@example.org",
        "email_key": f"attendee{n}@example.org",
        "organisation": "Cluster Org",
        "role": "Manager",
        "country": "BE",
        "attendance_mode": "online",
        "needs": "",
        "consent_at": now,
        "privacy_notice_version": "2026-01",
        "token_salt": salt,
        # A unique placeholder: these rows are never managed through their link.
        "manage_token_hash": hashlib.sha256(salt.encode()).hexdigest(),
        "created_at": now,
        "updated_at": now,
        "confirmed_at": now if status == "confirmed" else None,
        "cancelled_at": None,
        "checked_in_at": None,
    }


def _insert_chunks(conn, table: sa.Table, rows) -> int:
    total, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            conn.execute(table.insert(), chunk)
            total, chunk = total + len(chunk), []
    if chunk:
        conn.execute(table.insert(), chunk)
        total += len(chunk)
    return total


def _managed_registration(event_id: int, now: datetime, secret: str) -> tuple[dict, str]:
    """A registration whose manage link is known, made with the app's own token rules."""
    from types import SimpleNamespace

    from flask import Flask

    from webapp.registration import tokens

    row = _registration_row(event_id, 10_000_000, "confirmed", now)
    signer = Flask("bench-tokens")
    signer.config["SECRET_KEY"] = secret
    with signer.app_context():
        token = tokens.manage_token(SimpleNamespace(token_salt=row["token_salt"]))
    row["manage_token_hash"] = tokens.token_hash(token)
    return row, token


def load(url: str, sizes: Sizes, *, secret: str, seed: int = 7) -> dict:
    """Insert the data set into a migrated database; returns a summary with the ids."""
    from webapp.events.models import Event
    from webapp.registration.models import Registration

    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = sa.create_engine(url)
    event_t, reg_t = Event.__table__, Registration.__table__
    with engine.begin() as conn:
        _insert_chunks(conn, event_t, _event_rows(sizes, now, rng))
        ids = dict(
            conn.execute(
                sa.select(event_t.c.slug, event_t.c.id).where(
                    event_t.c.slug.in_([LISTED_SLUG, BIG_SLUG, OPEN_SLUG, RUSH_SLUG])
                )
            ).all()
        )
        big = (
            _registration_row(ids[BIG_SLUG], n, "confirmed", now)
            for n in range(sizes.big_registrations)
        )
        _insert_chunks(conn, reg_t, big)
        small_ids = conn.scalars(
            sa.select(event_t.c.id)
            .where(event_t.c.status == "published", event_t.c.id.not_in(ids.values()))
            .order_by(event_t.c.id)
            .limit(sizes.small_events)
        ).all()
        small = (
            _registration_row(event_id, i * 100 + k, "confirmed", now)
            for i, event_id in enumerate(small_ids)
            for k in range(sizes.per_small_event)
        )
        _insert_chunks(conn, reg_t, small)
        managed, token = _managed_registration(ids[LISTED_SLUG], now, secret)
        conn.execute(reg_t.insert(), [managed])
    store_calendar_entries(url, secret)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {
        "event_ids": ids,
        "events": sizes.events,
        "manage_token": token,
        "rush_capacity": sizes.rush_capacity,
        "loaded_at": now.isoformat(),
    }


def store_calendar_entries(url: str, secret: str) -> int:
    """Store every event's calendar entry, as `flask calendar refresh` does after a deploy."""
    from webapp import create_app
    from webapp.calendar import entries
    from webapp.extensions import db

    with tempfile.TemporaryDirectory() as instance:
        config = {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "SECRET_KEY": secret}
        app = create_app({**config, "CONVENE_BASE_URL": BASE_URL})
        with app.app_context():
            stored = entries.refresh_all(db.session, BASE_URL)
            db.session.commit()
            db.engine.dispose()
    return stored


def secret_key() -> str:
    """The SECRET_KEY shared by the data set, the server and the offline measurements."""
    return os.environ.get("BENCH_SECRET_KEY") or secrets.token_hex(32)

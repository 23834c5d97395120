"""The production profile, end to end: `make serve-prod` runs two gunicorn instances on one
PostgreSQL, rate limits in Redis and two mail workers. Both instances are driven at once:
a rush for the last seats split across them, rate limits counted across both, an edit on
one seen at once in the other's cached pages, feed and 304s, every message sent once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import BACKEND, free_port
from tests.http_forms import form_of
from webapp import PROJECT_ROOT

pytestmark = [pytest.mark.production, pytest.mark.slow]

PASSWORD = "correct horse battery staple"
ORGANISER = "olga@cluster.example"
SEATS, RUSH = 10, 40
TITLE = re.compile(r"<h1[^>]*>([^<]+)</h1>")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis(socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def profile(database_url, smtp_server):
    """`make serve-prod` on two free ports; yields (url_a, url_b, env)."""
    if BACKEND != "postgres":
        pytest.skip("the production profile runs on PostgreSQL: it runs in the PostgreSQL pass")
    if not _redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    ports = (free_port(), free_port())
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "production-profile",
        "CONVENE_BASE_URL": "http://convene.test",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"convene-test-{uuid.uuid4().hex[:8]}",
        "LOGIN_RATE_LIMIT": "5 per minute",
        "REGISTRATION_RATE_LIMIT": "1000 per minute",
        "REGISTRATION_MIN_FILL_SECONDS": "0",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "MAIL_WORKER_INTERVAL": "1",
        "FLASK_APP": "wsgi.py",
    }
    flask = str(Path(PROJECT_ROOT) / ".venv" / "bin" / "flask")
    subprocess.run(
        [flask, "organiser", "create", ORGANISER, "--admin"],
        cwd=PROJECT_ROOT, env=env, input=PASSWORD + "\n", text=True, check=True,
        capture_output=True,
    )  # fmt: skip
    serving = subprocess.Popen(
        ["make", "-s", "serve-prod", f"PROD_PORTS={ports[0]} {ports[1]}"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
    try:
        _wait_ready(urls, serving)
        yield (*urls, env)
    finally:
        os.killpg(serving.pid, signal.SIGTERM)
        serving.communicate(timeout=60)


def _wait_ready(urls, serving) -> None:
    deadline = time.monotonic() + 90
    for url in urls:
        while True:
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if serving.poll() is not None or time.monotonic() > deadline:
                os.killpg(serving.pid, signal.SIGTERM)
                raise AssertionError(f"serve-prod did not start: {serving.communicate()[1]}")
            time.sleep(0.2)


def _token(client: httpx.Client, url: str) -> str:
    return form_of(client, url)["csrf_token"]


def _signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    token = _token(client, "/organiser/sign-in")
    signed = client.post(
        "/organiser/sign-in", data={"csrf_token": token, "email": ORGANISER, "password": PASSWORD}
    )
    assert signed.status_code == 302
    return client


def _event_form(title: str) -> dict:
    return {
        "title": title,
        "kind": "webinar",
        "format": "online",
        "start_date": "2031-02-28",
        "start_time": "18:00",
        "end_date": "2031-02-28",
        "end_time": "19:30",
        "timezone": "Europe/Brussels",
        "online_url": "https://meet.example.org/room",
        "country": "",
        "capacity": str(SEATS),
        "save": "Save",
    }


def _register(url: str, slug: str, number: int) -> int:
    with httpx.Client(base_url=url, timeout=60) as client:
        data = {
            **form_of(client, f"/events/{slug}/register"),
            "first_name": "Søren",
            "last_name": "Kierkegaard",
            "email": f"person{number}@example.org",
            "organisation": "Øresund Cluster",
            "country": "DK",
            "consent": "y",
        }
        return client.post(f"/events/{slug}/register", data=data).status_code


def _title(client: httpx.Client, path: str) -> str:
    return TITLE.search(client.get(path).text).group(1).strip()


def test_two_instances_one_database_redis_limits_and_two_mail_workers(profile, smtp_server):
    url_a, url_b, env = profile
    organiser = _signed_in(url_a)
    form = _event_form("Smart Regions webinar")
    form["csrf_token"] = _token(organiser, "/organiser/events/new")
    created = organiser.post("/organiser/events/new", data=form)
    event_path = created.headers["Location"]
    token = _token(organiser, event_path)
    assert organiser.post(f"{event_path}/publish", data={"csrf_token": token}).status_code == 302
    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        slug = conn.execute(sa.text("SELECT slug FROM event")).scalar_one()

    # The rush for the seats, split across both instances.
    with ThreadPoolExecutor(max_workers=RUSH) as pool:
        urls = [url_a if n % 2 else url_b for n in range(RUSH)]
        statuses = list(pool.map(_register, urls, [slug] * RUSH, range(RUSH)))
    assert statuses == [303] * RUSH
    with engine.connect() as conn:
        counts = dict(
            conn.execute(sa.text("SELECT status, count(*) FROM registration GROUP BY 1")).all()
        )
    assert counts == {"confirmed": SEATS, "waitlisted": RUSH - SEATS}

    # B's cached pages, feed and validators; then an edit on A is seen on B at once.
    reader = httpx.Client(base_url=url_b, timeout=30)
    assert _title(reader, f"/events/{slug}") == "Smart Regions webinar"
    assert "Smart Regions webinar" in reader.get("/").text
    feed = reader.get("/calendar.ics")
    etag = feed.headers["ETag"]
    assert reader.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304
    form = _event_form("Smart Regions webinar – new time")
    form["start_time"], form["end_time"] = "17:00", "18:30"
    form["csrf_token"] = _token(organiser, f"{event_path}/edit")
    assert organiser.post(f"{event_path}/edit", data=form).status_code == 302
    assert _title(reader, f"/events/{slug}") == "Smart Regions webinar – new time"
    assert "new time" in reader.get("/").text
    changed = reader.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "new time" in changed.text
    new_etag = changed.headers["ETag"]
    assert new_etag != etag
    assert reader.get("/calendar.ics", headers={"If-None-Match": new_etag}).status_code == 304

    # Failed sign-ins count in Redis, whichever instance they reach: the sixth is refused.
    answers = []
    for url in (url_a, url_b, url_a, url_b, url_a, url_b):
        with httpx.Client(base_url=url) as client:
            token = _token(client, "/organiser/sign-in")
            answers.append(
                client.post(
                    "/organiser/sign-in",
                    data={"csrf_token": token, "email": ORGANISER, "password": "wrong password"},
                ).status_code
            )
    assert answers == [422] * 5 + [429]

    # Two workers deliver every message exactly once.
    with engine.connect() as conn:
        queued = conn.execute(sa.text("SELECT count(*) FROM outbox_message")).scalar()
    assert queued == RUSH * 2  # a confirmation or waiting-list email, then the change
    received = smtp_server.wait_for(queued, timeout=90)
    time.sleep(2)  # a duplicate would arrive within a worker interval or two
    received = smtp_server.messages
    assert len(received) == queued
    assert len({mail.message["Message-ID"] for mail in received}) == queued
    with engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT DISTINCT status FROM outbox_message")).all()
    engine.dispose()
    organiser.close(), reader.close()
    assert statuses == [("sent",)]

"""Every write path at once, from several processes: gunicorn with 4 workers x 4 threads,
a registration rush, an organiser working, attendees cancelling, password links, and CLI
commands (mail delivery, demo load, account creation) in processes of their own. None may
answer 5xx or fail with "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import BACKEND, free_port
from tests.http_forms import form_of
from webapp import PROJECT_ROOT

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
ORGANISERS = ("olga@cluster.example", "piet@cluster.example")
SEATS, RUSH = 10, 50


def _token(client: httpx.Client, url: str) -> str:
    return form_of(client, url)["csrf_token"]


def _env(database_url: str, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "many-writers",
        "CONVENE_BASE_URL": "http://convene.test",
        "RATELIMIT_ENABLED": "false",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "REGISTRATION_MIN_FILL_SECONDS": "0",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "FLASK_APP": "wsgi.py",
    }


def _flask(env: dict, *args: str, stdin: str = "") -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finished(process: subprocess.Popen, stdin: str = "") -> str:
    output, _ = process.communicate(stdin, timeout=120)
    assert process.returncode == 0, output
    return output


def _serve(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("w") as stream:  # the server writes to its own copy of the file
        gunicorn = _gunicorn(env, port, stream)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return gunicorn, url
        except httpx.TransportError:
            time.sleep(0.2)
    gunicorn.kill()
    gunicorn.wait()
    raise AssertionError(log.read_text())


def _gunicorn(env: dict, port: int, stream) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers=4",
            "--threads=4",
            "--worker-class=gthread",
            "--no-control-socket",
            f"--bind=127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stream,
    )


def _register(url: str, slug: str, number: int) -> int:
    with httpx.Client(base_url=url) as client:
        data = {
            **form_of(client, f"/events/{slug}/register"),
            "first_name": "Åsa",
            "last_name": "Lindqvist-" + "".join(chr(ord("a") + int(d)) for d in str(number)),
            "email": f"person{number}@example.org",
            "organisation": "Skåne Cluster",
            "country": "SE",
            "consent": "y",
        }
        return client.post(f"/events/{slug}/register", data=data).status_code


def _organiser_works(url: str, email: str, rounds: int) -> list[int]:
    """Sign in, create, edit and publish events, act on attendees, sign out; statuses seen."""
    statuses = []
    with httpx.Client(base_url=url) as client:
        for number in range(rounds):
            token = _token(client, "/organiser/sign-in")
            response = client.post(
                "/organiser/sign-in",
                data={"csrf_token": token, "email": email, "password": PASSWORD},
            )
            statuses.append(response.status_code)
            event = {
                "csrf_token": _token(client, "/organiser/events/new"),
                "title": f"Workshop {number}",
                "kind": "workshop",
                "format": "online",
                "start_date": "2031-03-10",
                "start_time": "18:00",
                "end_date": "2031-03-10",
                "end_time": "19:30",
                "timezone": "Europe/Brussels",
                "online_url": "https://meet.example.org/room",
                "country": "",
                "capacity": "50",
                "save": "Save",
            }
            created = client.post("/organiser/events/new", data=event)
            statuses.append(created.status_code)
            if created.status_code != 302:
                continue
            edit_url = created.headers["Location"].replace("http://convene.test", "") + "/edit"
            event["csrf_token"] = _token(client, edit_url)
            event["title"] += " (edited)"
            statuses.append(client.post(edit_url, data=event).status_code)
            publish = edit_url.replace("/edit", "/publish")
            token = _token(client, edit_url.replace("/edit", ""))
            statuses.append(client.post(publish, data={"csrf_token": token}).status_code)
            token = _token(client, "/organiser/password/forgot")
            statuses.append(
                client.post("/organiser/sign-out", data={"csrf_token": token}).status_code
            )
            statuses.append(
                client.post(
                    "/organiser/password/forgot", data={"csrf_token": token, "email": email}
                ).status_code
            )
    return statuses


def _cancel_self(url: str, token: str) -> int:
    with httpx.Client(base_url=url) as client:
        csrf = _token(client, f"/r/{token}/cancel")
        return client.post(f"/r/{token}/cancel", data={"csrf_token": csrf}).status_code


def _organiser_acts(url: str, email: str, event_id: int, actions: list[tuple[int, str]]):
    with httpx.Client(base_url=url) as client:
        token = _token(client, "/organiser/sign-in")
        client.post(
            "/organiser/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD}
        )
        token = _token(client, f"/organiser/events/{event_id}/attendees")
        base = f"/organiser/events/{event_id}/attendees"
        return [
            client.post(f"{base}/{rid}/{action}", data={"csrf_token": token}).status_code
            for rid, action in actions
        ]


def _registrations(database_url: str, slug: str, tmp_path) -> list[tuple[int, str, str]]:
    """(id, status, manage token) of the event's registrations, in id order."""
    from webapp import create_app
    from webapp.extensions import db
    from webapp.registration.models import Registration
    from webapp.registration.tokens import manage_token

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "many-writers",
            "INSTANCE_PATH": str(tmp_path / "reader"),
        }
    )
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Registration).join(Registration.event).where(sa.text("event.slug = :s")),
            {"s": slug},
        ).all()
        found = [(r.id, r.status.value, manage_token(r), r.event_id) for r in rows]
        db.session.remove()  # its connection goes back to the pool that dispose() closes
        db.engine.dispose()
    return sorted(found)


def _database_url(request, tmp_path) -> str:
    if BACKEND == "sqlite":
        path = tmp_path / "many.db"
        path.write_bytes(Path(request.getfixturevalue("database_template")).read_bytes())
        return f"sqlite:///{path}"
    return request.getfixturevalue("database_url")


def test_every_write_path_at_once_from_many_processes(request, tmp_path, smtp_server):
    database_url = _database_url(request, tmp_path)
    env = _env(database_url, smtp_server.port)
    for email in ORGANISERS:
        _finished(_flask(env, "organiser", "create", email, "--admin"), PASSWORD + "\n")
    _finished(_flask(env, "demo", "load"))
    slug = "towards-european-strategic-cluster-partnerships"  # a demo webinar with 5 seats

    log = tmp_path / "gunicorn.log"
    gunicorn, url = _serve(env, log)
    try:
        with ThreadPoolExecutor(max_workers=24) as pool:
            rush = [pool.submit(_register, url, slug, n) for n in range(RUSH)]
            organisers = [pool.submit(_organiser_works, url, email, 3) for email in ORGANISERS]
            commands = [
                _flask(env, "mail", "send-pending"),
                _flask(env, "mail", "send-pending"),
                _flask(env, "demo", "load"),
                _flask(env, "mail", "send-reminders"),
            ]
            statuses = [future.result(timeout=300) for future in rush]
            organiser_statuses = [s for f in organisers for s in f.result(timeout=300)]
            for command in commands:
                _finished(command)
        assert statuses == [303] * RUSH, log.read_text()

        # Cancelling, checking in and registering, all at once.
        people = _registrations(database_url, slug, tmp_path)
        event_id = people[0][3]
        confirmed = [p for p in people if p[1] == "confirmed"]
        waiting = [p for p in people if p[1] == "waitlisted"]
        with ThreadPoolExecutor(max_workers=16) as pool:
            cancels = [pool.submit(_cancel_self, url, p[2]) for p in confirmed[:2]]
            acts = pool.submit(
                _organiser_acts,
                url,
                ORGANISERS[0],
                event_id,
                [(p[0], "check-in") for p in confirmed[2:]]
                + [(p[0], "cancel") for p in waiting[-5:]],
            )
            more = [pool.submit(_register, url, slug, RUSH + n) for n in range(10)]
            delivery = _flask(env, "mail", "send-pending")
            assert [f.result(timeout=300) for f in cancels] == [303, 303]
            assert set(acts.result(timeout=300)) == {302}
            assert [f.result(timeout=300) for f in more] == [303] * 10
            _finished(delivery)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        errors = log.read_text()

    assert all(status < 500 for status in organiser_statuses), (organiser_statuses, errors)
    assert "database is locked" not in errors
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                sa.text(
                    "SELECT r.status, count(*) FROM registration r JOIN event e"
                    " ON e.id = r.event_id WHERE e.slug = :slug GROUP BY r.status"
                ),
                {"slug": slug},
            ).all()
        )
        workshops = conn.execute(
            sa.text("SELECT count(*) FROM event WHERE title LIKE 'Workshop % (edited)'")
        ).scalar()
    engine.dispose()
    # Two confirmed cancelled themselves (two promoted), five waitlisted were cancelled.
    assert counts == {"confirmed": 5, "waitlisted": RUSH + 10 - 5 - 2 - 5, "cancelled": 7}
    assert workshops == 6

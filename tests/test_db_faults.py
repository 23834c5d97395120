"""A busy or unreachable database is a 503 with Retry-After, never a 500 or half a
registration, and the app recovers by itself when the database is back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import BACKEND
from tests.faults import TcpProxy, served
from tests.mail_support import deliver
from tests.organiser_support import make_organiser, sign_in
from tests.registration_support import form_data, outbox
from webapp.db import lock_row
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.registration.models import Registration


@pytest.fixture
def short_lock_wait(app_config) -> None:
    """Writers give up after 0.3 s; request it before `app`, which reads app_config."""
    app_config["DATABASE_LOCK_TIMEOUT"] = 0.3


@contextmanager
def event_locked(app, event_id: int) -> Iterator[threading.Event]:
    """Another unit of work holds the event's write lock until the returned flag is set."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with app.app_context():
            lock_row(db.session, Event, event_id)
            locked.set()
            release.wait(30)
            db.session.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(30)
    try:
        yield release
    finally:
        release.set()
        holder.join(30)


def _registrations(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Registration.email).order_by(Registration.id)))


def test_a_write_that_cannot_get_the_lock_in_time_is_a_503_and_stores_nothing(
    short_lock_wait, app, client, make_event
):
    event = make_event(capacity=10)
    with event_locked(app, event.id):
        response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "nothing you sent was saved" in response.text
    assert "try again in a few seconds" in response.text
    assert _registrations(app) == [] and outbox(app) == []

    again = client.post(f"/events/{event.slug}/register", data=form_data())
    assert again.status_code == 303
    assert _registrations(app) == ["ana@example.org"]


def test_an_organiser_edit_waiting_for_the_lock_is_a_503_too(
    short_lock_wait, app, client, make_event
):
    organiser_id = make_organiser(app, "owner@example.org", admin=True)
    sign_in(client, "owner@example.org")
    event = make_event(title="Unchanged", status=EventStatus.DRAFT, owner_id=organiser_id)
    with event_locked(app, event.id):
        response = client.post(f"/organiser/events/{event.id}/publish")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    with app.app_context():
        assert db.session.get(Event, event.id).status == EventStatus.DRAFT


def test_a_client_that_gave_up_still_gets_its_confirmation(app, make_event, smtp_server):
    event = make_event(capacity=10)
    with served(app) as url, event_locked(app, event.id) as release:
        threading.Timer(1.0, release.set).start()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{url}/events/{event.slug}/register", data=form_data(), timeout=0.3)
        deadline = time.monotonic() + 20
        while _registrations(app) == [] and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _registrations(app) == ["ana@example.org"]
    deliver(app)
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["ana@example.org"]
    assert mail.message["Subject"].startswith("Registration confirmed")


@pytest.mark.skipif(BACKEND != "postgres", reason="a database server to lose: PostgreSQL only")
def test_postgresql_going_away_is_a_503_and_the_app_recovers_without_a_restart(
    short_lock_wait, database_url, tmp_path, app_config
):
    from webapp import create_app

    target = sa.engine.make_url(database_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    proxy.start()
    via_proxy = target.set(host="127.0.0.1", port=proxy.port)
    app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": via_proxy.render_as_string(hide_password=False),
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    client = app.test_client()
    try:
        from tests.conftest import build_event
        from webapp.db import begin_write

        with app.app_context():
            begin_write(db.session)
            event = build_event(capacity=10)
            db.session.add(event)
            db.session.commit()
            slug = event.slug
        assert client.get(f"/events/{slug}").status_code == 200

        proxy.stop()
        for response in (
            client.post(f"/events/{slug}/register", data=form_data()),
            client.get(f"/events/{slug}/register"),
        ):
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "5"
        assert client.get("/readyz").json == {"status": "unavailable", "database": "unreachable"}
        assert client.get("/healthz").status_code == 200

        proxy.start()
        assert client.get("/readyz").status_code == 200
        assert client.post(f"/events/{slug}/register", data=form_data()).status_code == 303
        assert client.get(f"/events/{slug}").status_code == 200
        assert _registrations(app) == ["ana@example.org"]
    finally:
        with app.app_context():
            db.engine.dispose()
        proxy.stop()

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

import email
import email.policy
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from webapp import create_app
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventKind, EventStatus
from webapp.extensions import db
from webapp.mail.background import stop_background_sender

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
    _empty_postgres(database_template)


def _empty_postgres(url: str) -> None:
    """Delete every row and restart every sequence: for tables this small, DELETE is many
    times faster than TRUNCATE, which replaces each table's files."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        sequences = conn.exec_driver_sql(
            "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name)"
            " FROM information_schema.sequences"
        ).scalars()
        for sequence in list(sequences):
            conn.exec_driver_sql(f"ALTER SEQUENCE {sequence} RESTART")
    engine.dispose()


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "CONVENE_BASE_URL": "https://convene.test",
    "MAIL_SERVER": None,
    "MAIL_DEFAULT_SENDER": "Convene <no-reply@convene.test>",
    # scrypt costs most of a second per hash here; one test checks the production default.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
}


@pytest.fixture
def app_config() -> dict:
    """Overrides for the app under test; tests may change it before `app` is built."""
    return dict(TEST_CONFIG)


@pytest.fixture
def app(database_url, tmp_path, app_config, request):
    """The application on a fresh, migrated database."""
    if "smtp_server" in request.fixturenames:
        request.getfixturevalue("smtp_server")  # it points app_config at itself first
    instance = tmp_path / "instance"
    instance.mkdir()
    application = create_app(
        {**app_config, "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance)}
    )
    yield application
    stop_background_sender(application)
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
            begin_write(db.session)
            event = build_event(**overrides)
            db.session.add(event)
            db.session.commit()
            return _detach(event)

    return make


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """A frozen clock for the whole app (every now_utc() reads it), starting at the real now.

    Move it with `clock.move_to(instant)` or `clock.shift(timedelta)`; it stays frozen
    in between, so tests never sleep to let time pass.
    """
    with time_machine.travel(now_utc(), tick=False) as traveller:
        yield traveller


ORGANISER_EMAIL = "olga@cluster.example"


@pytest.fixture
def signed_in_organiser(app, client) -> int:
    """An organiser account (Olga), signed in on `client`; returns its id."""
    from tests.organiser_support import make_organiser, sign_in

    organiser_id = make_organiser(app, ORGANISER_EMAIL, name="Olga")
    sign_in(client, ORGANISER_EMAIL)
    return organiser_id


@pytest.fixture
def event_with_attendees(app, signed_in_organiser, make_event):
    """A factory: an event owned by the signed-in organiser, with `people` (rows for
    organiser_support.add_registrations) registered; returns (event, registration ids)."""
    from tests.organiser_support import add_registrations

    def make(people: list[dict] | None = None, **overrides) -> tuple[Event, list[int]]:
        event = make_event(owner_id=signed_in_organiser, **overrides)
        ids = add_registrations(app, event.id, people) if people else []
        return event, ids

    return make


def local(text: str) -> datetime:
    """A naive wall-clock time from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M")  # noqa: DTZ007 (wall time by design)


class ReceivedMail:
    """One message as the SMTP server received it."""

    def __init__(self, mail_from: str, rcpt_tos: list[str], raw: bytes, peer=None, mail_options=()):
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.peer = peer  # the client's (host, port): one per SMTP connection
        self.mail_options = list(mail_options)  # MAIL FROM parameters, e.g. BODY=8BITMIME
        self.raw = raw  # exactly the bytes of DATA (CRLF line endings)
        self.message = email.message_from_bytes(raw, policy=email.policy.default)


class _Recorder:
    """aiosmtpd handler: records what arrives, or answers DATA with a chosen error."""

    def __init__(self):
        self.messages: list[ReceivedMail] = []
        self.reply: str | None = None
        self.data_commands = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_commands += 1
            if self.reply:
                return self.reply
            raw = envelope.original_content or envelope.content
            received = ReceivedMail(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                raw,
                session.peer,
                envelope.mail_options,
            )
            self.messages.append(received)
        return "250 2.0.0 Message accepted"


class SMTPServer:
    """A real SMTP server on 127.0.0.1; see the `smtp_server` fixture."""

    def __init__(self):
        self.host = "127.0.0.1"
        self.port = free_port()
        self._recorder = _Recorder()
        self._controller = None

    @property
    def messages(self) -> list[ReceivedMail]:
        """Messages received so far, in order."""
        with self._recorder.lock:
            return list(self._recorder.messages)

    @property
    def data_commands(self) -> int:
        """How many times a client reached DATA (accepted or not)."""
        return self._recorder.data_commands

    @property
    def config(self) -> dict:
        """App settings that send to this server."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_TIMEOUT": 5}

    def respond_with(self, reply: str | None) -> None:
        """Answer every DATA with `reply` (e.g. '451 4.3.0 Try later'); None accepts again."""
        self._recorder.reply = reply

    def start(self) -> None:
        """Listen (again) on the same port."""
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(self._recorder, hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 30) -> list[ReceivedMail]:
        """Wait until at least `count` messages arrived (for background senders)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app_config) -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, already listening.

    Requesting it points the app under test at it: it adds MAIL_SERVER, MAIL_PORT and a
    short MAIL_TIMEOUT to `app_config` before `app` is built, whatever the fixture order.
    To reuse it from other tests::

        def test_x(client, smtp_server, app):
            ...  # queue something, then deliver it:
            with app.app_context():
                send_pending()          # webapp.mail.delivery
            mail = smtp_server.messages[0]
            mail.rcpt_tos, mail.raw, mail.message["Subject"], mail.message.get_body()

    `messages` lists ReceivedMail(mail_from, rcpt_tos, raw bytes, parsed `message`, `peer`,
    `mail_options`); `respond_with("451 ...")` / `respond_with("550 ...")` makes it refuse
    DATA until `respond_with(None)`; `stop()` makes connections fail until `start()` (same
    port); `wait_for(n)` waits for mail sent in the background (MAIL_DELIVER_AFTER_REQUEST).
    """
    server = SMTPServer()
    server.start()
    app_config.update(server.config)
    yield server
    server.stop()

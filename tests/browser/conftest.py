"""Real-browser fixtures: the app under a live server thread, and Debian's Chromium.

Everything in this folder is marked `browser`. The tests skip (never fail) when
/usr/bin/chromium or Playwright is missing. One server and one browser serve the whole
folder; every test gets fresh browser contexts, so cookies and storage never leak
between tests. When a test fails, a screenshot and a Playwright trace of every page it
opened are kept under test-artifacts/<test name>/ (open a trace with
`.venv/bin/playwright show-trace test-artifacts/.../trace-0.zip`).
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import (
    BACKEND,
    TEST_CONFIG,
    ReceivedMail,
    SMTPServer,
    _detach,
    _migrate,
    build_event,
)
from webapp import PROJECT_ROOT, create_app
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail.delivery import DeliveryReport, send_pending
from webapp.mail.models import OutboxMessage
from webapp.organiser.models import Organiser
from webapp.registration.models import Registration
from webapp.registration.tokens import manage_token

CHROMIUM = Path("/usr/bin/chromium")
# Never `playwright install`: the suite drives the distribution's Chromium.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# Generous, because the machine may be busy; a timeout only ever matters for a failing test.
TIMEOUT_MS = 15_000
HERE = Path(__file__).parent

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the machine
    SKIP_REASON: str | None = f"Playwright for Python cannot be imported ({exc})"
else:
    SKIP_REASON = None if CHROMIUM.exists() else f"Chromium is not installed at {CHROMIUM}"
    expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder `browser`, and skip them all where Chromium is absent."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if SKIP_REASON:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(node) -> bool:
    return any(
        getattr(node, f"report_{when}", None) is not None and getattr(node, f"report_{when}").failed
        for when in ("setup", "call")
    )


@dataclass
class LiveServer:
    """The running application: its URL, and the app object for setting up data."""

    url: str
    app: Flask
    smtp: SMTPServer

    def make_event(self, **overrides) -> Event:
        """Create and commit an event (conftest.build_event defaults); returns it detached."""
        with self.app.app_context():
            begin_write(db.session)
            event = build_event(**overrides)
            db.session.add(event)
            db.session.commit()
            return _detach(event)

    def event(self, slug: str) -> Event:
        """An event by its slug, detached."""
        with self.app.app_context():
            return _detach(db.session.scalars(sa.select(Event).where(Event.slug == slug)).one())

    def give_event(self, event: Event, organiser_email: str) -> None:
        """Make the organiser with that email the event's owner."""
        with self.app.app_context():
            begin_write(db.session)
            owner = db.session.scalars(
                sa.select(Organiser).where(Organiser.email == organiser_email)
            ).one()
            db.session.get(Event, event.id).owner_id = owner.id
            db.session.commit()

    def deliver_mail(self) -> DeliveryReport:
        """Send every queued email to the test SMTP server, as `flask mail send-pending` does."""
        with self.app.app_context():
            return send_pending()

    def mail_to(self, address: str) -> list[ReceivedMail]:
        """Messages the SMTP server received for one address, oldest first."""
        return [mail for mail in self.smtp.messages if address in mail.rcpt_tos]

    def outbox(self, event: Event) -> list[tuple[str, str, str]]:
        """The event's queued and sent emails as (kind, recipient, status), oldest first."""
        with self.app.app_context():
            rows = db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.event_id == event.id)
                .order_by(OutboxMessage.id)
            )
            return [(row.kind, row.recipient, row.status.value) for row in rows]

    def registrations(self, event: Event) -> dict[str, str]:
        """Each registration's email and status, in order of registration."""
        with self.app.app_context():
            rows = db.session.scalars(
                sa.select(Registration)
                .where(Registration.event_id == event.id)
                .order_by(Registration.id)
            )
            return {row.email: row.status.value for row in rows}

    def manage_path(self, event: Event, email: str) -> str:
        """The path of a registration's manage page (the link its emails carry)."""
        with self.app.app_context():
            registration = db.session.scalars(
                sa.select(Registration).where(
                    Registration.event_id == event.id, Registration.email == email
                )
            ).one()
            return f"/r/{manage_token(registration)}"


LIVE_CONFIG = {
    **TEST_CONFIG,
    # Real forms, as a person submits them.
    "WTF_CSRF_ENABLED": True,
    "RATELIMIT_ENABLED": False,
    # Playwright fills a form faster than a person can; the form's stamp is still checked.
    "REGISTRATION_MIN_FILL_SECONDS": 0,
    # Tests create events side by side; keep them all on the first page of the listing.
    "EVENTS_PER_PAGE": 200,
    # Tests deliver queued mail themselves (deliver_mail), at the moment they choose.
    "MAIL_DELIVER_AFTER_REQUEST": False,
}


def _not_ready(environ, start_response):  # pragma: no cover - replaced before serving
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@pytest.fixture(scope="package")
def live_smtp() -> Iterator[SMTPServer]:
    """The suite's SMTP server (the one `smtp_server` uses), shared by every browser test."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory, request, live_smtp) -> Iterator[LiveServer]:
    """The app served by werkzeug in a thread on 127.0.0.1 (free port), on its own SQLite.

    Mail goes to `live_smtp` only when a test calls deliver_mail(), so tests decide when.
    """
    instance = tmp_path_factory.mktemp("live-instance")
    path = tmp_path_factory.mktemp("live-db") / "convene.db"
    if BACKEND == "sqlite":
        shutil.copyfile(request.getfixturevalue("database_template"), path)
    else:  # the browser suite always runs on SQLite
        _migrate(f"sqlite:///{path}", str(instance))
    server: BaseWSGIServer = make_server("127.0.0.1", 0, _not_ready, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        {
            **LIVE_CONFIG,
            **live_smtp.config,
            "CONVENE_BASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "INSTANCE_PATH": str(instance),
        }
    )
    server.app = app
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app, smtp=live_smtp)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole browser suite."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


NewContext = Callable[..., "BrowserContext"]


@pytest.fixture
def new_context(browser, live_server, request) -> Iterator[NewContext]:
    """Open fresh browser contexts (a separate person each); traced, kept on failure."""
    contexts: list[BrowserContext] = []

    def new(**options) -> BrowserContext:
        settings = {
            "base_url": live_server.url,
            "locale": "en-GB",
            "timezone_id": "Europe/Brussels",
            "accept_downloads": True,
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        context.tracing.start(snapshots=True)
        contexts.append(context)
        return context

    yield new
    keep = _failed(request.node)
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    if keep:
        folder.mkdir(parents=True, exist_ok=True)
    elif folder.exists():  # what an earlier failing run left behind is stale now
        shutil.rmtree(folder)
    for number, context in enumerate(contexts):
        if keep:
            for index, page in enumerate(context.pages):
                _screenshot(page, folder / f"page-{number}-{index}.png")
            context.tracing.stop(path=folder / f"trace-{number}.zip")
        else:
            context.tracing.stop()
        context.close()


def _screenshot(page: Page, path: Path) -> None:
    try:
        page.screenshot(path=path, full_page=True)
    except Exception as exc:  # a crashed page must not hide the test's own failure
        path.with_suffix(".txt").write_text(f"no screenshot: {exc}")


@pytest.fixture
def page(new_context) -> Page:
    """A page in a fresh context (Brussels time zone, British English)."""
    return new_context().new_page()

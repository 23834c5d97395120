"""Helpers shared by the webhook tests: a real HTTP receiver on 127.0.0.1, webhooks made
directly, the README's signature check, and the deliveries as plain values."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

from webapp import PROJECT_ROOT, site_settings
from webapp.db import begin_write
from webapp.extensions import db
from webapp.webhooks import addresses
from webapp.webhooks.models import EVENT_TYPES, Webhook, WebhookDelivery


@dataclass
class Received:
    """One request as the receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Behaviour:
    """How the receiver answers: status, body, extra headers, and seconds to wait first."""

    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers as told."""

    def __init__(self):
        self.requests: list[Received] = []
        self.behaviour = Behaviour()
        self.release = threading.Event()  # set to end every pending delay at once
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                behaviour = receiver.behaviour
                if behaviour.delay:
                    receiver.release.wait(behaviour.delay)
                try:
                    self.send_response(behaviour.status)
                    for name, value in behaviour.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(behaviour.body)))
                    self.end_headers()
                    self.wfile.write(behaviour.body)
                except OSError:
                    pass  # the client gave up first

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.requests


def allow_private(app, allowed: bool = True) -> None:
    """Set the admin's private-address setting (tests reach their receiver on 127.0.0.1)."""
    with app.app_context():
        begin_write(db.session)
        site_settings.save({addresses.ALLOW_PRIVATE_KEY: allowed}, None)
        db.session.commit()


def make_webhook(app, organiser_id: int, url: str, *, event_id=None, types=EVENT_TYPES, **values):
    """A webhook stored directly; returns (id, secret)."""
    with app.app_context():
        begin_write(db.session)
        hook = Webhook(
            organiser_id=organiser_id,
            event_id=event_id,
            url=url,
            event_types=",".join(types),
            secret=values.pop("secret", "whsec_test-secret"),
            **values,
        )
        db.session.add(hook)
        db.session.commit()
        return hook.id, hook.secret


def deliveries(app, webhook_id: int | None = None) -> list[WebhookDelivery]:
    """Every delivery (of one webhook), in id order, detached."""
    with app.app_context():
        stmt = sa.select(WebhookDelivery).order_by(WebhookDelivery.id)
        if webhook_id is not None:
            stmt = stmt.where(WebhookDelivery.webhook_id == webhook_id)
        rows = list(db.session.scalars(stmt))
        for row in rows:
            db.session.expunge(row)
        return rows


def readme_verifier():
    """`verify_convene_signature` exactly as the README's Webhooks section prints it."""
    readme = Path(PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    return namespace["verify_convene_signature"]

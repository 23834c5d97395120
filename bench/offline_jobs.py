"""What each offline measurement does; run inside bench.offline's subprocess, in an app context.

A job says whether its feature is there (`available`), prepares untimed state, runs the
timed work, and returns figures. Limits are the performance goals, shown next to results.
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from typing import ClassVar

import sqlalchemy as sa

from bench import dataset

BASE_URL = "http://127.0.0.1"
SMOKE = bool(os.environ.get("BENCH_SMOKE"))


def _missing(module: str, *names: str) -> str:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        return f"{module} not importable ({exc})"
    absent = [n for n in names if not hasattr(mod, n)]
    return f"{module} lacks {', '.join(absent)}" if absent else ""


class Job:
    limits: ClassVar[dict] = {}

    def available(self) -> str:
        return ""

    def config(self) -> dict:
        return {}

    def prepare(self, app, ids):
        return None

    def run(self, app, ids, state) -> dict:
        raise NotImplementedError

    def check(self, app, ids, state) -> dict:
        return {}


class FeedBuild(Job):
    """GET /calendar.ics in a fresh process: query and build of the whole feed."""

    limits: ClassVar[dict] = {"limit_seconds": 0.1}

    def available(self):
        return _missing("webapp.calendar.ics", "feed_calendar")

    def prepare(self, app, ids):
        client = app.test_client()
        client.get("/")  # first-request costs (templates, imports) are not the feed's
        return client

    def run(self, app, ids, client):
        response = client.get("/calendar.ics")
        if response.status_code != 200:
            raise RuntimeError(f"/calendar.ics answered {response.status_code}")
        return {"bytes": len(response.data), "events": response.data.count(b"BEGIN:VEVENT")}


class FeedRebuild(FeedBuild):
    """GET /calendar.ics after one event was edited: the feed rebuilt from cached entries."""

    def prepare(self, app, ids):
        from webapp.db import begin_write
        from webapp.events.models import Event
        from webapp.extensions import db

        client = super().prepare(app, ids)
        client.get("/calendar.ics")  # the cold build, not timed here
        begin_write(db.session)
        event = db.session.get(Event, ids[dataset.LISTED_SLUG])
        event.title += " (moved)"
        db.session.commit()
        return client


class InviteBuild(Job):
    """One registration's personal invite (METHOD:REQUEST), averaged over 200 builds."""

    repeat = 20 if SMOKE else 200

    def available(self):
        return _missing("webapp.calendar.ics", "registration_invite")

    def prepare(self, app, ids):
        from webapp.extensions import db
        from webapp.registration.models import Registration

        registration = db.session.scalars(
            sa.select(Registration).where(Registration.event_id == ids[dataset.BIG_SLUG]).limit(1)
        ).one()
        registration.event.co_organisers  # noqa: B018 (loaded before timing)
        return registration

    def run(self, app, ids, registration):
        from webapp.calendar import ics

        for _ in range(self.repeat):
            body = ics.registration_invite(registration, method="REQUEST", base_url=BASE_URL)
        return {"bytes": len(body), "count": self.repeat}


class ExportCsv(Job):
    """CSV export of the 100,000-registration event, streamed to nowhere."""

    limits: ClassVar[dict] = {"limit_seconds": 2.0, "limit_peak_rss_mb": 100}

    def available(self):
        return _missing("webapp.organiser.export", "export_rows", "csv_stream")

    def prepare(self, app, ids):
        from webapp.events.models import Event
        from webapp.extensions import db

        return db.session.get(Event, ids[dataset.BIG_SLUG])

    def run(self, app, ids, event):
        from webapp.organiser.attendees import AttendeeFilter
        from webapp.organiser.export import csv_stream, export_rows

        size = 0
        for chunk in csv_stream(event, export_rows(event, AttendeeFilter())):
            size += len(chunk)
        return {"bytes": size}


class ExportXlsx(ExportCsv):
    """Excel export of the 100,000-registration event, to a temporary file."""

    limits: ClassVar[dict] = {"limit_seconds": 15.0, "limit_peak_rss_mb": 300}

    def available(self):
        return _missing("webapp.organiser.export", "export_rows", "write_xlsx")

    def run(self, app, ids, event):
        from webapp.organiser.attendees import AttendeeFilter
        from webapp.organiser.export import export_rows, write_xlsx

        with write_xlsx(event, export_rows(event, AttendeeFilter())) as output:
            output.seek(0, os.SEEK_END)
            return {"bytes": output.tell()}


class OutboxDelivery(Job):
    """1,000 queued confirmation emails delivered to a local aiosmtpd sink."""

    count = 50 if SMOKE else 1_000
    limits: ClassVar[dict] = {"limit_per_second": 200}

    def available(self):
        return _missing("webapp.mail.delivery", "send_pending") or _missing(
            "webapp.mail.messages", "queue_for_registration"
        )

    def config(self):
        from bench.servers import free_port

        self.port = free_port()
        listen = f"127.0.0.1:{self.port}"
        sink = ["-m", "aiosmtpd", "-n", "-l", listen, "-c", "aiosmtpd.handlers.Sink"]
        self.sink = subprocess.Popen([sys.executable, *sink])
        _wait_for_port(self.port)
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_USE_TLS": False}

    def prepare(self, app, ids):
        """Queue one real message, then 999 copies of it to other recipients."""
        from webapp.db import begin_write, now_utc
        from webapp.extensions import db
        from webapp.mail.messages import MessageKind, queue_for_registration
        from webapp.mail.models import OutboxMessage
        from webapp.registration.models import Registration

        begin_write(db.session)
        registrations = db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == ids[dataset.BIG_SLUG])
            .order_by(Registration.id)
            .limit(self.count)
        ).all()
        # Mail queued earlier in the run (the HTTP registrations) is not part of this job.
        later = now_utc() + timedelta(days=1)
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.status.in_(("queued", "retry")))
            .values(next_attempt_at=later)
        )
        message = queue_for_registration(registrations[0], MessageKind.CONFIRMED)
        db.session.flush()
        table = OutboxMessage.__table__
        template = {c.key: getattr(message, c.key) for c in table.columns if c.key != "id"}
        rows = []
        for n, registration in enumerate(registrations[1:], start=1):
            rows.append(
                {
                    **template,
                    "recipient": registration.email,
                    "registration_id": registration.id,
                    "message_id": f"<bench-{n}-{template['message_id'].strip('<>')}>",
                    "dedupe_key": None,
                }
            )
        db.session.execute(table.insert(), rows)
        db.session.commit()
        return len(registrations)

    def run(self, app, ids, queued):
        from webapp.mail.delivery import send_pending

        report = send_pending()
        return {"count": report.sent, "queued": queued, "failed": report.failed}

    def check(self, app, ids, state):
        self.sink.terminate()
        self.sink.wait(timeout=10)
        return {}


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"SMTP sink did not listen on port {port}")


JOBS: dict[str, Job] = {
    "export_csv": ExportCsv(),
    "export_xlsx": ExportXlsx(),
    "feed_build": FeedBuild(),
    "feed_rebuild": FeedRebuild(),
    "invite_build": InviteBuild(),
    "outbox_delivery": OutboxDelivery(),
}


if os.environ.get("BENCH_JOBS"):
    JOBS = {k: v for k, v in JOBS.items() if k in os.environ["BENCH_JOBS"].split(",")}

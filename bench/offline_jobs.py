"""What each offline measurement does; run inside bench.offline's subprocess, in an app context.

A job says whether its feature is there (`available`), prepares untimed state, runs the
timed work, and returns figures. Limits are the performance goals, shown next to results.
"""

from __future__ import annotations

import importlib
import os
from typing import ClassVar

import sqlalchemy as sa

from bench import dataset

BASE_URL = "http://127.0.0.1"


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


class InviteBuild(Job):
    """One registration's personal invite (METHOD:REQUEST), averaged over 200 builds."""

    repeat = 200

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
            body = ics.registration_invite(
                registration, method="REQUEST", base_url=BASE_URL, manage_url=BASE_URL + "/r/x"
            )
        return {"bytes": len(body), "count": self.repeat}


JOBS: dict[str, Job] = {
    "feed_build": FeedBuild(),
    "invite_build": InviteBuild(),
}


if os.environ.get("BENCH_JOBS"):
    JOBS = {k: v for k, v in JOBS.items() if k in os.environ["BENCH_JOBS"].split(",")}

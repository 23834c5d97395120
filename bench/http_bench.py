"""HTTP measurements: Convene's hot pages against the ceiling app, in interleaved rounds."""

from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import httpx

from bench import dataset, forms, loadgen


@dataclass
class Target:
    name: str
    path: str = ""
    headers: dict = field(default_factory=dict)
    register_slug: str = ""  # set for the registration POST
    skipped: str = ""  # why it could not be measured (feature not there yet)


def _probe(base: str, name: str, path: str, **headers) -> Target:
    try:
        response = httpx.get(base + path, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        return Target(name, path, skipped=f"GET {path} failed: {exc}")
    if response.status_code != 200:
        return Target(name, path, skipped=f"GET {path} answered {response.status_code}")
    return Target(name, path, headers)


def _feed_304(base: str) -> Target:
    full = httpx.get(base + "/calendar.ics", timeout=30)
    etag = full.headers.get("ETag")
    if full.status_code != 200 or not etag:
        return Target("feed_304", "/calendar.ics", skipped="no ETag on /calendar.ics")
    again = httpx.get(base + "/calendar.ics", headers={"If-None-Match": etag}, timeout=30)
    if again.status_code != 304:
        return Target("feed_304", skipped=f"If-None-Match answered {again.status_code}")
    return Target("feed_304", "/calendar.ics", {"If-None-Match": etag})


def _manage(base: str, token: str) -> Target:
    return _probe(base, "manage", f"/r/{token}")


def _registration(base: str) -> Target:
    path = f"/events/{dataset.OPEN_SLUG}/register"
    target = _probe(base, "registration_post", path)
    if target.skipped:
        return target
    try:
        forms.registration_plan(base, dataset.OPEN_SLUG, 1, tag="probe")
    except (httpx.HTTPError, RuntimeError) as exc:
        return Target("registration_post", path, skipped=str(exc))
    return Target("registration_post", path, register_slug=dataset.OPEN_SLUG)


def discover(base: str, manage_token: str) -> list[Target]:
    """Every measured endpoint, marked skipped when its feature does not answer yet."""
    event = f"/events/{dataset.LISTED_SLUG}"
    wanted = set(filter(None, os.environ.get("BENCH_TARGETS", "").split(",")))
    targets = [
        _probe(base, "listing", "/"),
        _probe(base, "event", event),
        # The same pages in a language other than the default (issue: multilingual).
        _probe(base, "listing_da", "/da/"),
        # The read API's public event list: the same goal as the HTML listing (issue 18).
        _probe(base, "api_events", "/api/v1/events"),
        _probe(base, "event_da", "/da" + event),
        _probe(base, "event_big", f"/events/{dataset.BIG_SLUG}"),
        _probe(base, "event_ics", event + ".ics"),
        _probe(base, "feed_full", "/calendar.ics"),
        _feed_304(base),
        _registration(base),
        _manage(base, manage_token),
    ]
    # BENCH_TARGETS=listing,event measures only those (for profiling one path).
    return [t for t in targets if not wanted or t.name in wanted]


# The insert ceiling's POSTs: no session (a blank one per wrk thread), a unique value each.
INSERT_PLAN = loadgen.PostPlan(
    path="/insert", body_template="name={EMAIL}", sessions=[("", "")] * 4, tag="ceiling"
)


class RegistrationLoad:
    """Prepares fresh sessions for each registration run, sized from the last run's rate."""

    def __init__(self, base: str, slug: str, duration: float, smoke: bool):
        self.base, self.slug, self.duration = base, slug, duration
        self.expected_rps = 100 if smoke else 400
        self.prepare_seconds: list[float] = []

    def run(self, connections: int) -> loadgen.LoadResult:
        count = int(min(max(self.expected_rps * self.duration * 1.5, 50), 30_000))
        started = time.perf_counter()
        plan = forms.registration_plan(self.base, self.slug, count, tag=uuid.uuid4().hex[:8])
        self.prepare_seconds.append(time.perf_counter() - started)
        result = loadgen.run(
            self.base + plan.path, connections=connections, duration=self.duration, post=plan
        )
        self.expected_rps = max(result.rps, 20)
        result.extra["sessions_prepared"] = count
        return result


def run_rounds(
    app,
    ceiling,
    targets: list[Target],
    *,
    rounds: int,
    duration: float,
    concurrencies: tuple[int, ...],
    smoke: bool = False,
    log=print,
) -> dict:
    """{concurrency: {name: [LoadResult per round]}}, the ceiling measured in every round."""
    app_base, ceiling_base, ceiling_server = app.base_url, ceiling.base_url, ceiling
    live = [t for t in targets if not t.skipped]
    registration = RegistrationLoad(app_base, dataset.OPEN_SLUG, duration, smoke)
    if not smoke:  # first requests fill caches and compile templates: not measured
        for target in live:
            if not target.register_slug:
                loadgen.run(
                    app_base + target.path, connections=8, duration=1, headers=target.headers
                )
        loadgen.run(ceiling_base + "/", connections=8, duration=1)

    results: dict = defaultdict(lambda: defaultdict(list))
    for round_no in range(1, rounds + 1):
        for c in concurrencies:
            ceiling = loadgen.run(ceiling_base + "/", connections=c, duration=duration)
            ceiling_server.settle()
            results[c]["ceiling"].append(ceiling)
            log(f"  round {round_no} c={c} ceiling {ceiling.rps:8.0f} req/s")
            for target in live:
                if target.register_slug:
                    insert = loadgen.run(
                        ceiling_base + INSERT_PLAN.path,
                        connections=c,
                        duration=duration,
                        post=INSERT_PLAN,
                    )
                    ceiling_server.settle()
                    results[c]["ceiling_insert"].append(insert)
                    log(f"  round {round_no} c={c} ceiling_insert {insert.rps:8.0f} req/s")
                    result = registration.run(c)
                else:
                    result = loadgen.run(
                        app_base + target.path,
                        connections=c,
                        duration=duration,
                        headers=target.headers,
                    )
                app.settle()
                results[c][target.name].append(result)
                log(
                    f"  round {round_no} c={c} {target.name:<18} {result.rps:8.0f} req/s "
                    f"p50 {result.p50_ms:6.1f} ms p99 {result.p99_ms:6.1f} ms "
                    f"errors {result.errors}"
                )
    return {"results": results, "registration_prepare_s": registration.prepare_seconds}

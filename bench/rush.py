"""The rush: 1,000 registration attempts at once for an event with 100 seats.

Each attempt has its own session and CSRF token (fetched from the form beforehand, as 1,000
browsers would have), then all POSTs are sent together. Afterwards the database must hold
exactly `capacity` confirmed registrations, the rest waitlisted, and no request may fail.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import sqlalchemy as sa

from bench import dataset, forms

ATTEMPTS, SMOKE_ATTEMPTS = 1_000, 30


async def _post_all(base: str, plan, attempts: int) -> tuple[list[int | str], float]:
    limits = httpx.Limits(max_connections=attempts, max_keepalive_connections=attempts)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def one(i: int) -> int | str:
            cookie, token = plan.sessions[i]
            email = f"{plan.tag}-{i}%40example.org"
            body = plan.body_template.replace("{TOKEN}", token).replace("{EMAIL}", email)
            request = httpx.Request(
                "POST",
                base + plan.path,
                content=body,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            )
            try:
                return (await client.send(request)).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

        started = time.perf_counter()
        statuses = await asyncio.gather(*(one(i) for i in range(attempts)))
        return statuses, time.perf_counter() - started


def counts(url: str, event_id: int) -> dict[str, int]:
    """Registrations of one event per status, read straight from the database."""
    from webapp.registration.models import Registration

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Registration.status, sa.func.count())
            .where(Registration.event_id == event_id)
            .group_by(Registration.status)
        ).all()
    engine.dispose()
    return {str(status.value if hasattr(status, "value") else status): n for status, n in rows}


def run(base: str, url: str, info: dict, *, smoke: bool, log=print) -> dict:
    """Run the rush against a started server; returns the record (or {'skipped': why})."""
    attempts = SMOKE_ATTEMPTS if smoke else ATTEMPTS
    try:
        plan = forms.registration_plan(base, dataset.RUSH_SLUG, attempts, tag="rush")
    except (httpx.HTTPError, RuntimeError) as exc:
        return {"skipped": f"registration form unavailable: {exc}"}
    statuses, seconds = asyncio.run(_post_all(base, plan, attempts))
    stored = counts(url, info["event_ids"][dataset.RUSH_SLUG])
    ok = sum(1 for s in statuses if s in (302, 303))
    errors = {str(s): statuses.count(s) for s in set(statuses) if s not in (302, 303)}
    record = {
        "attempts": attempts,
        "capacity": info["rush_capacity"],
        "confirmed": stored.get("confirmed", 0),
        "waitlisted": stored.get("waitlisted", 0),
        "accepted_responses": ok,
        "errors": sum(errors.values()),
        "error_statuses": errors,
        "drain_s": {
            "median": round(seconds, 3),
            "min": round(seconds, 3),
            "max": round(seconds, 3),
        },
    }
    log(
        f"  rush: {attempts} attempts, confirmed {record['confirmed']}, "
        f"waitlisted {record['waitlisted']}, errors {record['errors']}, drained in {seconds:.2f} s"
    )
    return record


def failures(records: list[dict]) -> list[str]:
    """Broken invariants: overbooking, lost attempts, failed requests."""
    found = []
    for r in records:
        where = f"{r['backend']} {r['name']}"
        if r["kind"] == "rush":
            if r["confirmed"] != r["capacity"]:
                found.append(f"{where}: {r['confirmed']} confirmed for {r['capacity']} seats")
            if r["confirmed"] + r["waitlisted"] != r["attempts"] or r["errors"]:
                found.append(f"{where}: {r['errors']} errors {r['error_statuses']}")
        elif r["kind"] == "http" and r["errors"]:
            found.append(f"{where} c={r['concurrency']}: {r['errors']} errors")
        elif r["kind"] == "stored" and r["stored"] < r["accepted"]:
            found.append(f"{where}: {r['accepted']} POSTs accepted but {r['stored']} stored")
    return found

"""`python -m bench.run`: build the data set, serve it, measure, print and save the results.

Full run (`make bench`): 5,000 events, 3 rounds of 5 s per endpoint at concurrency 8 and 32,
offline measurements, the rush test; on SQLite, and on PostgreSQL too when
BENCH_DATABASE_URL is set. Smoke run (`make bench-smoke`): a tiny data set, one short round.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import ceiling_app, dataset, http_bench, loadgen, offline, report, rush
from bench.servers import HTTP_CONFIG, RUSH_CONFIG, Server

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data set, one short round")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--duration", type=float, help="seconds per HTTP measurement")
    parser.add_argument("--concurrency", help="comma-separated (default 8,32; smoke 8)")
    parser.add_argument("--only", default="", help="comma-separated: http,offline,rush")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.smoke else 3)
    args.duration = args.duration or (1.0 if args.smoke else 5.0)
    args.concurrency = args.concurrency or ("8" if args.smoke else "8,32")
    args.concurrency = tuple(int(c) for c in args.concurrency.split(","))
    args.only = set(filter(None, args.only.split(","))) or {"http", "offline", "rush"}
    args.out = args.out or RESULTS / ("smoke.json" if args.smoke else "latest.json")
    return args


def app_env(url: str, instance: Path, secret: str) -> dict:
    """Environment for the Convene server: scratch database and instance, no rate limits,
    no minimum time to fill the registration form."""
    return {
        "BENCH_INSTANCE": str(instance),
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "RATELIMIT_ENABLED": "false",
        # The load generator posts forms at once, faster than the person the filter expects.
        "REGISTRATION_MIN_FILL_SECONDS": "0",
        "CONVENE_BASE_URL": "http://127.0.0.1",
        "MAIL_DELIVER_AFTER_REQUEST": "false",
    }


def _stored_check(name: str, url: str, info: dict, results: dict) -> list[dict]:
    """Every accepted registration POST must have stored a registration (not a bot's fake)."""
    accepted = sum(
        r.extra.get("registered", 0)
        for by_name in results.values()
        for r in by_name.get("registration_post", [])
    )
    if not accepted:
        return []
    stored = sum(rush.counts(url, info["event_ids"][dataset.OPEN_SLUG]).values())
    return [
        {
            "backend": name,
            "kind": "stored",
            "name": "registrations_stored",
            "accepted": accepted,
            "stored": stored,
        }
    ]


def bench_backend(name: str, url: str, work: Path, args, log) -> tuple[list, list, dict]:
    """Every measurement on one database; returns (records, skipped, info)."""
    secret = dataset.secret_key()
    instance = work / f"instance-{name}"
    instance.mkdir()
    sizes = dataset.SMOKE if args.smoke else dataset.FULL
    started = time.perf_counter()
    dataset.migrate(url, instance, secret)
    info = dataset.load(url, sizes, secret=secret)
    info["build_seconds"] = round(time.perf_counter() - started, 2)
    log(f"[{name}] data set: {sizes.events} events, built in {info['build_seconds']} s")
    records, skipped = [], []
    env = app_env(url, instance, secret)

    if "http" in args.only:
        ceiling_url = url if name != "sqlite" else dataset.scratch_sqlite_url(work, "ceiling.db")
        ceiling_app.create_table(ceiling_url)
        with (
            Server("bench.wsgi_app:app", HTTP_CONFIG, env) as app,
            Server(
                "bench.ceiling_app:app", HTTP_CONFIG, {"CEILING_DATABASE_URL": ceiling_url}
            ) as ceiling,
        ):
            targets = http_bench.discover(app.base_url, info["manage_token"])
            skipped += [
                {"backend": name, "name": t.name, "reason": t.skipped} for t in targets if t.skipped
            ]
            measured = http_bench.run_rounds(
                app,
                ceiling,
                targets,
                rounds=args.rounds,
                duration=args.duration,
                concurrencies=args.concurrency,
                smoke=args.smoke,
                log=log,
            )
        records += report.http_records(name, measured["results"])
        records += _stored_check(name, url, info, measured["results"])

    if "offline" in args.only:
        off, off_skipped = offline.measure_all(url, instance, secret, info, args, log)
        records += [{"backend": name, **r} for r in off]
        skipped += [{"backend": name, **s} for s in off_skipped]

    if "rush" in args.only:
        with Server("bench.wsgi_app:app", RUSH_CONFIG, env) as app:
            result = rush.run(app.base_url, url, info, smoke=args.smoke, log=log)
        if result.get("skipped"):
            skipped.append({"backend": name, "name": "rush", "reason": result["skipped"]})
        else:
            records.append({"backend": name, "kind": "rush", "name": "rush", **result})
    return records, skipped, info


def main(argv=None) -> int:
    args = parse_args(argv)
    log = lambda text: print(text, flush=True)  # noqa: E731
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "smoke" if args.smoke else "full",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # Other work on the machine skews every figure: recorded, not corrected.
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        },
        "config": {
            "server": HTTP_CONFIG.describe(),
            "rush_server": RUSH_CONFIG.describe(),
            "loadgen": "wrk" if loadgen.have_wrk() else "python (httpx, asyncio)",
            "rounds": args.rounds,
            "duration_s": args.duration,
            "concurrency": list(args.concurrency),
        },
        "records": [],
        "skipped": [],
    }
    backends = [("sqlite", None)]
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    if admin_url:
        backends.append(("postgres", admin_url))
    with tempfile.TemporaryDirectory(prefix="convene-bench-") as tmp:
        work = Path(tmp)
        for name, admin in backends:
            url = (
                dataset.create_postgres_database(admin)
                if admin
                else dataset.scratch_sqlite_url(work)
            )
            try:
                records, skipped, info = bench_backend(name, url, work, args, log)
            finally:
                if admin:
                    dataset.drop_postgres_database(admin, url)
            document["records"] += records
            document["skipped"] += skipped
            document.setdefault("datasets", {})[name] = info
    document["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print()
    print(report.table(document["records"], document["skipped"]))
    report.write(args.out, document)
    print(f"\nResults written to {args.out}")
    failures = rush.failures(document["records"])
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Offline measurements, each in its own subprocess so its peak RSS is its own.

`python -m bench.offline NAME DATABASE_URL INSTANCE SECRET EVENT_IDS_JSON` runs one
measurement and prints one JSON line: seconds, peak RSS (ru_maxrss), RSS before the work
(the imported app), CPU seconds, and measurement-specific figures. The parent repeats each one and
keeps median, min and max.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench import offline_jobs

ROUNDS, SMOKE_ROUNDS = 3, 1


def _rss_mb() -> float:
    """Peak RSS of this process image, in MB.

    VmHWM from /proc when there is one: ru_maxrss survives exec on Linux, so a child
    spawned by a large parent (the harness, after loading 100,000 rows) would report
    the parent's peak instead of its own.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(name: str, url: str, instance: str, secret: str, ids_json: str) -> dict:
    """Run one measurement in this process and return its figures."""
    from webapp import create_app

    job = offline_jobs.JOBS[name]
    config = {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "SECRET_KEY": secret}
    config.update(job.config())
    app = create_app({**config, "CONVENE_BASE_URL": "http://127.0.0.1", "SERVER_NAME": None})
    ids = json.loads(ids_json)
    with app.app_context():
        state = job.prepare(app, ids)
        rss_before = _rss_mb()
        started, cpu_started = time.perf_counter(), time.process_time()
        figures = job.run(app, ids, state) or {}
        seconds = time.perf_counter() - started
        figures["cpu_seconds"] = time.process_time() - cpu_started
        figures.update(job.check(app, ids, state) or {})
    count = figures.get("count")
    if count:
        figures["per_second"] = count / seconds
        figures["ms_each"] = seconds * 1000 / count
    return {
        "seconds": seconds,
        "peak_rss_mb": _rss_mb(),
        "rss_before_mb": rss_before,
        **figures,
    }


def _one(name: str, url: str, instance: Path, secret: str, info: dict, smoke: bool) -> dict:
    cmd = [sys.executable, "-m", "bench.offline", name, url, str(instance), secret]
    cmd.append(json.dumps(info["event_ids"]))
    env = {**os.environ, "BENCH_SMOKE": "1"} if smoke else None
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no output")


def measure_all(url: str, instance: Path, secret: str, info: dict, args, log) -> tuple[list, list]:
    """Every offline job, repeated; returns (records, skipped)."""
    from bench.report import spread

    rounds = SMOKE_ROUNDS if args.smoke else ROUNDS
    records, skipped = [], []
    for name, job in offline_jobs.JOBS.items():
        missing = job.available()
        if missing:
            skipped.append({"name": name, "reason": missing})
            log(f"  {name}: skipped ({missing})")
            continue
        runs = []
        try:
            for _ in range(rounds):
                runs.append(_one(name, url, instance, secret, info, args.smoke))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            skipped.append({"name": name, "reason": f"failed: {exc}"})
            log(f"  {name}: failed ({exc})")
            continue
        record = {"kind": "offline", "name": name, "rounds": len(runs)}
        for key in runs[0]:
            values = [r[key] for r in runs]
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                record[key] = spread(values)
            else:
                record[key] = values[0]
        record.update(job.limits)
        records.append(record)
        log(
            f"  {name}: {record['seconds']['median']:.3f} s, "
            f"peak RSS {record['peak_rss_mb']['median']:.0f} MB"
            + (f", {record['per_second']['median']:.0f}/s" if "per_second" in record else "")
        )
    return records, skipped


if __name__ == "__main__":
    result = worker(*sys.argv[1:6])
    print("BENCH_JSON " + json.dumps(result), flush=True)

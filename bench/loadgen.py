"""Load generators: wrk when installed, otherwise an asyncio client on httpx.

Both keep `connections` keep-alive connections busy for `duration` seconds against a URL on
127.0.0.1 and report requests/s, p50 and p99 latency and errors (transport errors and
responses of 400 or above).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

LUA_DIR = Path(__file__).resolve().parent / "lua"


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PostPlan:
    """Registration POSTs: one prepared (cookie, CSRF token) pair per request."""

    path: str
    body_template: str  # urlencoded, with {TOKEN} and {EMAIL} placeholders
    sessions: list[tuple[str, str]]  # (Cookie header value, csrf token)
    tag: str  # makes every email of this run unique


def have_wrk() -> bool:
    """True when a wrk binary is on PATH (and BENCH_LOADGEN does not force python)."""
    return os.environ.get("BENCH_LOADGEN", "wrk") != "python" and shutil.which("wrk") is not None


def run(
    url: str,
    *,
    connections: int,
    duration: float,
    headers: dict | None = None,
    post: PostPlan | None = None,
) -> LoadResult:
    """Drive load at `url` with the available generator."""
    if have_wrk():
        return _run_wrk(url, connections, duration, headers or {}, post)
    return asyncio.run(_run_python(url, connections, duration, headers or {}, post))


def _parse_wrk(output: str) -> dict:
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    raise RuntimeError(f"wrk printed no result:\n{output}")


def _run_wrk(url, connections, duration, headers, post) -> LoadResult:
    threads = min(2, connections)
    # wrk takes whole seconds.
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s"]
    cmd += ["--timeout", "10s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="convene-wrk-") as tmp:
        if post is None:
            cmd += ["-s", str(LUA_DIR / "report.lua"), url]
        else:
            sessions = Path(tmp) / "sessions.tsv"
            sessions.write_text("".join(f"{c}\t{t}\n" for c, t in post.sessions))
            template = Path(tmp) / "body.txt"
            template.write_text(post.body_template)
            cmd += ["-s", str(LUA_DIR / "register.lua"), url]
            cmd += ["--", str(sessions), str(template), str(threads), post.path, post.tag]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    data = _parse_wrk(proc.stdout)
    seconds = data["duration_us"] / 1e6
    extra = {k: v for k, v in data.items() if k in ("registered", "reused_sessions")}
    return LoadResult(
        rps=data["requests"] / seconds,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"] + data["status_errors"],
        requests=data["requests"],
        extra=extra,
    )


def _post_request(post: PostPlan, n: int) -> tuple[str, dict, str]:
    cookie, token = post.sessions[n % len(post.sessions)]
    email = f"{post.tag}-p-{n}%40example.org"
    body = post.body_template.replace("{TOKEN}", token).replace("{EMAIL}", email)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    return "POST", headers, body


async def _run_python(url, connections, duration, headers, post) -> LoadResult:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    counters = {"errors": 0, "registered": 0, "n": 0}
    deadline = time.perf_counter() + duration

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            n = counters["n"]
            counters["n"] += 1
            method, extra_headers, body = (
                ("GET", {}, None) if post is None else _post_request(post, n)
            )
            start = time.perf_counter()
            try:
                response = await client.request(
                    method, url, headers={**headers, **extra_headers}, content=body
                )
            except httpx.HTTPError:
                counters["errors"] += 1
                continue
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                counters["errors"] += 1
            elif post is not None and response.status_code in (302, 303):
                counters["registered"] += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    extra = {}
    if post is not None:
        extra = {
            "registered": counters["registered"],
            "reused_sessions": max(0, counters["n"] - len(post.sessions)),
        }
    return LoadResult(
        rps=len(latencies) / elapsed,
        p50_ms=quantiles[49] * 1000,
        p99_ms=quantiles[98] * 1000,
        errors=counters["errors"],
        requests=len(latencies),
        extra=extra,
    )


async def gather_limited(count: int, concurrency: int, make: Callable) -> list:
    """Run `make(i)` coroutines for i in range(count), at most `concurrency` at a time."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int):
        async with semaphore:
            return await make(i)

    return await asyncio.gather(*(one(i) for i in range(count)))

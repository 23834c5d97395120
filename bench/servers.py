"""gunicorn on 127.0.0.1 with a fixed configuration, for Convene and for the ceiling app.

Configuration (the same for both apps, so the ratio compares the apps, not the servers):
- 2 workers: one process per core of the 2-core reference machine; Python runs one thread
  at a time per process, so a process per core is what uses both cores.
- 4 threads per worker, gthread: keeps HTTP keep-alive (the sync worker closes every
  connection, which would measure TCP set-up instead of the app) and lets a worker overlap
  the waits of one request (a SQLite write lock, a PostgreSQL round trip) with others.
  More threads only add GIL contention on 2 cores.
The rush test uses 4 workers × 4 threads so that many writers really race for the seats.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerConfig:
    workers: int = 2
    threads: int = 4
    worker_class: str = "gthread"
    keepalive: int = 30

    def describe(self) -> str:
        return f"gunicorn {self.workers} workers x {self.threads} threads ({self.worker_class})"


HTTP_CONFIG = ServerConfig()
RUSH_CONFIG = ServerConfig(workers=4, threads=4)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One gunicorn master with its workers; a context manager that waits until it answers."""

    def __init__(self, app: str, config: ServerConfig, env: dict | None = None, probe: str = "/"):
        self.app, self.config, self.probe = app, config, probe
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.config.workers),
            "--threads",
            str(self.config.threads),
            "--worker-class",
            self.config.worker_class,
            "--keep-alive",
            str(self.config.keepalive),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            self.app,
        ]
        self.process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=self.env)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn for {self.app} exited with {self.process.returncode}")
            try:
                if httpx.get(self.base_url + self.probe, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn for {self.app} did not answer within {timeout} s")

    def _cpu_ticks(self) -> int:
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime + stime
            except (OSError, IndexError, ValueError):
                continue
        return total

    def settle(self, timeout: float = 30.0) -> float:
        """Wait until the server has finished the requests a load run left queued.

        When the load generator stops, requests already accepted are still being served;
        they would otherwise eat into the next measurement. Idle means no CPU tick spent
        in 0.2 s (Linux /proc); elsewhere this waits one second. Returns seconds waited.
        """
        started = time.monotonic()
        if not Path(f"/proc/{self.process.pid}/stat").exists():
            time.sleep(1.0)
            return 1.0
        before = self._cpu_ticks()
        while time.monotonic() - started < timeout:
            time.sleep(0.2)
            now = self._cpu_ticks()
            if now == before:
                break
            before = now
        return time.monotonic() - started

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

"""One webhook POST: to an address that was checked, within a total deadline, no redirects.

The standard library's http.client speaks HTTP here; its connections are given the checked
address to connect to, while the Host header and the TLS server name (SNI and certificate
check) stay the URL's host. A socket timeout bounds each read only, so a watchdog timer
shuts the socket down when the delivery's total deadline passes: a receiver that trickles
its answer byte by byte is cut off like one that never answers.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from webapp import text
from webapp.webhooks import addresses

EXCERPT_BYTES = 1024


class SendFailed(Exception):
    """No HTTP answer: refused address, connection error, TLS error or deadline passed."""


@dataclass(frozen=True)
class Answer:
    """The receiver's HTTP status and the start of its body, cleaned for display."""

    status: int
    excerpt: str


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to `address`, speaking to the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to `address`; the certificate must match the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


class Watchdog:
    """Shuts a connection's socket down once `seconds` have passed, ending any wait on it."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self.connection = connection
        self.fired = False
        self.timer = threading.Timer(seconds, self.fire)
        self.timer.daemon = True

    def fire(self) -> None:
        self.fired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to wait on
                sock.shutdown(socket.SHUT_RDWR)


def post(url: str, body: bytes, headers: dict[str, str], *, deadline: float, private_allowed: bool):
    """POST `body` to `url`; returns the Answer, or raises SendFailed or addresses.UnsafeURL."""
    started = time.monotonic()
    target = addresses.parse(url)
    address = addresses.checked_addresses(target, private_allowed)[0]
    remaining = max(deadline - (time.monotonic() - started), 0.1)
    kind = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    connection = kind(target.host, target.port, address, remaining)
    watchdog = Watchdog(connection, remaining)
    watchdog.timer.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_BYTES)
        return Answer(response.status, clean(excerpt))
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.fired or isinstance(exc, TimeoutError):
            raise SendFailed(f"No answer within {deadline:g} seconds.") from None
        raise SendFailed(describe(exc)) from None
    finally:
        watchdog.timer.cancel()
        connection.close()


def clean(raw: bytes) -> str:
    """The answer's start as text without control characters (kept for the organiser)."""
    decoded = raw[:EXCERPT_BYTES].decode("utf-8", errors="replace")
    kept = "".join(c for c in decoded if not text.breaks_a_line(c, multiline=True))
    return kept.strip()[:EXCERPT_BYTES]


def describe(exc: BaseException) -> str:
    """A short description of a connection failure."""
    message = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message}"[:480]

"""Rendered public pages, reused until the database changes or a time boundary passes.

The listing and the event page are the same for every anonymous visitor until something is
committed (an event edited, a registration taken) or until time moves past a boundary (an
event ends and leaves the listing, registration opens or closes). Each process keeps the
HTML it rendered with two validity conditions:

- a change token, read before rendering, that changes whenever anything is committed to
  the database by anyone (any process, any host): SQLite's `PRAGMA data_version`, or
  PostgreSQL's current snapshot (which moves when any transaction gets or ends a write);
- `valid_until`, the next instant at which the page would read differently by itself.

Reading the token costs one trivial statement on a connection kept for it, instead of the
queries and the template. Any commit invalidates everything (coarse, but never stale); a
page embedding session data (flashes, a signed-in organiser, a CSRF token) is never cached.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, request, session

from webapp.db import now_utc

EXTENSION_KEY = "convene.page_cache"
# Session keys that do not change what a public page shows.
NEUTRAL_SESSION_KEYS = frozenset({"csrf_token"})
# Set by cached_page() on requests whose whole response may be shared (response_cache.py).
ENVIRON_KEY = "convene.shared_page"
# Requests carrying any of these may get a personal or partial answer: never shared.
PERSONAL_HEADERS = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_RANGE")


class ChangeGate:
    """A cheap token that changes whenever anything is committed to the database."""

    def __init__(self, engine: sa.Engine):
        self._url = engine.url
        self._dialect = engine.dialect
        self._lock = threading.Lock()
        self._conn = None
        self._pid = 0
        weakref.finalize(self, ChangeGate._close_connection, self.__dict__)

    @staticmethod
    def _close_connection(state: dict) -> None:
        if state.get("_conn") is not None:
            # The connection may already be gone (server restart, dropped database).
            with contextlib.suppress(Exception):
                state["_conn"].close()
            state["_conn"] = None

    def _connect(self):
        if self._dialect.name == "sqlite":
            path = self._url.database
            if not path or path == ":memory:":
                return None
            return sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if self._dialect.name == "postgresql":
            cargs, cparams = self._dialect.create_connect_args(self._url)
            conn = self._dialect.loaded_dbapi.connect(*cargs, **cparams)
            conn.autocommit = True
            return conn
        return None

    def _read(self) -> Hashable:
        if self._dialect.name == "sqlite":
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
        with self._conn.cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text")
            return cursor.fetchone()[0]

    def token(self) -> Hashable:
        """The current token; a fresh, unequal object when it cannot be read (no caching)."""
        with self._lock:
            try:
                if self._conn is None or self._pid != os.getpid():
                    # After a fork the parent's connection is not ours to use.
                    self._conn, self._pid = self._connect(), os.getpid()
                if self._conn is None:
                    return object()
                return self._read()
            except Exception:
                ChangeGate._close_connection(self.__dict__)
                return object()


@dataclass(frozen=True)
class Entry:
    token: Hashable
    valid_until: datetime | None
    body: Any


class PageCache:
    """A bounded, thread-safe LRU of rendered pages guarded by a ChangeGate."""

    def __init__(self, engine: sa.Engine, maxsize: int = 256):
        self.gate = ChangeGate(engine)
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(
        self,
        key: Hashable,
        render: Callable[[], tuple[Any, datetime | None]],
        *,
        page: bool = True,
    ) -> Any:
        """The cached value for `key` if still valid, else `render()`'s (value, valid_until).

        For a page (the default), a render that embedded session data is not kept.
        """
        token = self.gate.token()
        now = now_utc()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if (
            entry is not None
            and entry.token == token
            and (entry.valid_until is None or now < entry.valid_until)
        ):
            _used(entry.token, entry.valid_until)
            return entry.body
        body, valid_until = render()
        if not page or _storable():
            _used(token, valid_until)
            with self._lock:
                self._entries[key] = Entry(token, valid_until, body)
                self._entries.move_to_end(key)
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        return body

    def clear(self) -> None:
        """Forget every page (tests and CLI commands that change data behind the app)."""
        with self._lock:
            self._entries.clear()


def _used(token: Hashable, valid_until: datetime | None) -> None:
    # What this request's response was built from, for share_response().
    g.setdefault("convene_cache_validity", []).append((token, valid_until))


def share_response() -> None:
    """Let the response cache replay this request's whole response to visitors without
    cookies, on the terms of the cached values it was built from (see response_cache.py).

    Call only from views whose response depends on nothing but the URL and those values.
    """
    used = g.pop("convene_cache_validity", [])
    if not used or any(h in request.environ for h in PERSONAL_HEADERS):
        return
    tokens = {token for token, _ in used}
    if len(tokens) != 1:
        return  # something was committed while the response was built
    limits = [until for _, until in used if until is not None]
    request.environ[ENVIRON_KEY] = (tokens.pop(), min(limits, default=None))


def _storable() -> bool:
    # A page that generated a CSRF token embeds this visitor's session: never share it.
    return "csrf_token" not in g


def cacheable_request() -> bool:
    """True when the page cannot depend on this visitor's session (flashes, sign-in)."""
    if not current_app.config.get("PAGE_CACHE", True):
        return False
    if not session.modified and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return True  # no session at all; not reading it keeps `Vary: Cookie` off shared pages
    return set(session.keys()) <= NEUTRAL_SESSION_KEYS


def page_cache() -> PageCache:
    """The application's page cache, made on first use."""
    app = current_app._get_current_object()
    cache = app.extensions.get(EXTENSION_KEY)
    if cache is None:
        with _init_lock:
            cache = app.extensions.get(EXTENSION_KEY)
            if cache is None:
                from webapp.extensions import db

                cache = app.extensions[EXTENSION_KEY] = PageCache(db.engine)
    return cache


_init_lock = threading.Lock()


def cached_page(key: Hashable, render: Callable[[], tuple[str, datetime | None]]) -> str:
    """Serve `key` from the page cache when the request allows it, else render."""
    if not cacheable_request():
        return render()[0]
    body = page_cache().get_or_render(key, render)
    share_response()
    return body


def memoised(key: Hashable, compute: Callable[[], tuple[Any, datetime | None]]) -> Any:
    """A value read from the database (e.g. a feed's validator), reused on the same terms
    as pages: until anything is committed or its `valid_until` passes."""
    return page_cache().get_or_render(("memoised", key), compute, page=False)

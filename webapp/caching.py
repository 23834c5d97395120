"""The change token and the one cache that pages, calendar files and memoised values share.

The listing and the event page are the same for every visitor without session data until
something is committed (an event edited, a registration taken) or until time moves past a
boundary (an event ends and leaves the listing, registration opens or closes). So a value
read from the database is kept, per process, with two validity conditions:

- the change token read before computing it, which changes whenever anything is committed
  to the database by anyone (any process, any host): SQLite's `PRAGMA data_version`, or
  PostgreSQL's `pg_current_snapshot()` (it moves when any transaction of the server gets a
  write id or ends, so it is coarse, but a commit can never leave it unchanged; the
  per-database statistics lag behind commits, and NOTIFY arrives after them);
- `valid_until`, the next instant at which the value would read differently by itself.

Any commit invalidates everything: coarse, but never stale. A token that cannot be read
means no caching for that request. A visitor whose session holds anything but a CSRF
secret (a flash message, a signed-in organiser) never gets a stored page, and a page is
stored only if the session is still empty once it is rendered (so no CSRF token or other
session data is in it).

Every store is a `cachetools.LRUCache` behind a lock (`Store`): pages and memoised values
(`guarded`, entries checked against the token and the clock), whole responses for the
replay in front of Flask (`responses`, webapp/replay.py, on the same terms) and built feed
files (`files`, keyed by the feed's version; the events' entries are stored in the
database, webapp/calendar/entries.py). Page keys start with the request's full path, so
pages served under a language prefix (`/da/...`) are kept apart; pages send
`Vary: Cookie`, since a session (a flash, a sign-in) changes them.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cachetools
import sqlalchemy as sa
from flask import Flask, Response, current_app, g, make_response, request, session

from webapp.db import now_utc
from webapp.extensions import db

EXTENSION_KEY = "convene.caching"
# Session keys that do not change what a public page shows.
NEUTRAL_SESSION_KEYS = frozenset({"csrf_token"})
# One cheap statement per dialect whose answer changes with every commit (module docstring).
TOKEN_QUERIES = {
    "sqlite": "PRAGMA data_version",
    "postgresql": "SELECT pg_current_snapshot()::text",
}
MISSING = object()
# Change-token connections a forked process inherited from its parent (see ChangeToken).
INHERITED_CONNECTIONS: list[Any] = []
# Where a request notes the kept values its response is built from (see share_response).
USED_KEY = "convene_cache_used"
# Set in the WSGI environ of a request whose whole response may be replayed (as an Entry).
SHARED_KEY = "convene.shared"


class ChangeToken:
    """A cheap token that changes whenever anything is committed to the database."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.query = TOKEN_QUERIES.get(engine.dialect.name) if _shared(engine.url) else None
        self._lock = threading.Lock()
        # The connection lives in a holder so that it is closed even when nobody disposes
        # the engine (an application object that is simply dropped).
        self._holder: dict[str, Any] = {"connection": None}
        weakref.finalize(self, _close_held, self._holder)
        token = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (t := token()) and t._forget_connection())
        # The app's engine.dispose() (tests, shutdown) closes this connection too.
        sa.event.listen(engine, "engine_disposed", lambda _: (t := token()) and t.close())

    def read(self) -> Hashable | None:
        """The current token; None when it cannot be read (then nothing is cached)."""
        if self.query is None:
            return None
        with self._lock:
            try:
                if self._holder["connection"] is None:
                    self._holder["connection"] = self._connect()
                cursor = self._holder["connection"].cursor()
                try:
                    cursor.execute(self.query)
                    return cursor.fetchone()[0]
                finally:
                    cursor.close()
            except Exception:
                # A restarted or unreachable database: try a new connection next time.
                self._close()
                return None

    def _connect(self):
        # A connection of its own, outside the pool: in autocommit mode each read sees
        # every commit, and no transaction is ever left open on it.
        connection = self.engine.raw_connection()
        connection.detach()
        self.engine.dialect.set_isolation_level(connection.dbapi_connection, "AUTOCOMMIT")
        return connection

    def close(self) -> None:
        """Close the connection; the next read opens a new one."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        _close_held(self._holder)

    def _forget_connection(self) -> None:
        # A forked child must not use (or close) its parent's connection, and a lock held
        # by a parent's thread at the fork would never be released in the child.
        self._lock = threading.Lock()
        # Kept, never closed: closing (or collecting) it here would end the parent's session.
        INHERITED_CONNECTIONS.append(self._holder["connection"])
        self._holder["connection"] = None


def _close_held(holder: dict[str, Any]) -> None:
    connection, holder["connection"] = holder["connection"], None
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


def _shared(url: sa.URL) -> bool:
    """Whether other connections see the same database (not a private in-memory one)."""
    if url.get_backend_name() != "sqlite":
        return True
    database = url.database or ""
    return database not in ("", ":memory:") and "mode=memory" not in database


class Store(MutableMapping):
    """A bounded, thread-safe mapping that forgets its least recently used items."""

    def __init__(self, maxsize: int):
        self._items = cachetools.LRUCache(maxsize)
        self._lock = threading.Lock()

    def __getitem__(self, key: Hashable) -> Any:
        with self._lock:
            return self._items[key]

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value for `key` (now the most recently used), or `default`."""
        with self._lock:
            return self._items.get(key, default)

    def __setitem__(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value

    def __delitem__(self, key: Hashable) -> None:
        with self._lock:
            del self._items[key]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __iter__(self) -> Iterator[Hashable]:
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value for `key`, built (outside the lock) and kept on a miss."""
        value = self.get(key, MISSING)
        if value is MISSING:
            value = self[key] = build()
        return value


@dataclass(frozen=True)
class Entry:
    """A value kept while the change token stands and before `valid_until`."""

    token: Hashable
    valid_until: datetime | None
    value: Any

    def valid(self, token: Hashable | None, now: datetime) -> bool:
        """Whether the value may still be served."""
        return self.token == token and (self.valid_until is None or now < self.valid_until)


class Caches:
    """The change token and the stores of one application in one process."""

    def __init__(self, engine: sa.Engine):
        self.token = ChangeToken(engine)
        self.guarded = Store(1024)  # pages and memoised values, as Entry
        self.responses = Store(256)  # whole responses for webapp/replay.py, as Entry
        self.files = Store(16)  # built feed files, by feed version

    def fresh(self, entry: Entry | None) -> bool:
        """Whether `entry` is still valid now (reads the change token)."""
        return entry is not None and entry.valid(self.token.read(), now_utc())


def init_app(app: Flask) -> None:
    """Give the application its caches (one set per process)."""
    with app.app_context():
        app.extensions[EXTENSION_KEY] = Caches(db.engine)


def caches() -> Caches:
    """The current application's caches."""
    return current_app.extensions[EXTENSION_KEY]


def enabled(app: Flask) -> bool:
    """Whether pages and whole responses may be reused (PAGE_CACHE, on by default)."""
    return app.config["PAGE_CACHE"]


Compute = Callable[[], tuple[Any, datetime | None]]


def _guarded(key: Hashable, compute: Compute, *, page: bool) -> Any:
    """The kept value for `key` if still valid, else `compute()`'s (value, valid_until)."""
    state = caches()
    token = state.token.read()
    now = now_utc()
    entry = state.guarded.get(key)
    if token is not None and entry is not None and entry.valid(token, now):
        _used(entry)
        return entry.value
    value, valid_until = compute()
    # Only an empty session cannot have left anything of its own (a CSRF token) in a page.
    kept = token is not None and (not page or not session)
    entry = Entry(token if kept else None, valid_until, value)
    _used(entry)  # a value not kept makes the response unshareable
    if kept:
        state.guarded[key] = entry
    return value


def _used(entry: Entry) -> None:
    # What this request's response is built from, for share_response().
    g.setdefault(USED_KEY, []).append(entry)


def share_response() -> None:
    """Let webapp/replay.py replay this request's whole response to visitors without
    cookies, on the terms of the kept values it was built from.

    Call only from views whose response depends on nothing but the URL and those values.
    """
    used = g.get(USED_KEY)
    tokens = {entry.token for entry in used or ()}
    if len(tokens) != 1 or None in tokens:
        return  # nothing kept, no token, or something was committed meanwhile
    limits = [entry.valid_until for entry in used if entry.valid_until is not None]
    request.environ[SHARED_KEY] = Entry(tokens.pop(), min(limits, default=None), None)


def cacheable_request() -> bool:
    """True when a page cannot depend on this visitor's session (flashes, sign-in)."""
    return enabled(current_app) and set(session) <= NEUTRAL_SESSION_KEYS


def cached_page(render: Compute, *variant: Hashable) -> Response:
    """This URL's page: kept and reused when the request allows it, else rendered.

    `render` returns (html, valid_until); `variant` holds what besides the path selects the
    page (the parsed query string), so that equivalent URLs share one entry.
    """
    if not cacheable_request():
        response = make_response(render()[0])
    else:
        response = make_response(
            _guarded(("page", request.script_root, request.path, *variant), render, page=True)
        )
        share_response()
    response.vary.add("Cookie")  # a session (flash, sign-in) changes the page
    return response


def memoised(key: Hashable, compute: Compute) -> Any:
    """A value read from the database (a feed's validator, an event file), reused on the
    same terms as pages: until anything is committed or its `valid_until` passes."""
    return _guarded(("value", key), compute, page=False)


def make_conditional(response: Response, environ: dict) -> Response:
    """Werkzeug's answer to the request's conditions: 304 when If-None-Match (if present,
    else If-Modified-Since) matches the response's validators, 412 when If-Match fails."""
    response.make_conditional(environ)
    # The WSGI server sends the Date header (gunicorn adds one whatever the app sends).
    response.headers.pop("Date", None)
    if response.status_code == 304:
        # Werkzeug drops the entity headers; a 304 names no file either (RFC 9110 15.4.5).
        response.headers.pop("Content-Disposition", None)
    return response

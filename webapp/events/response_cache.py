"""Whole responses of cached public pages, replayed to visitors without cookies.

The page cache (webapp/events/cache.py) saves the queries and the template; what is left
of a hit is Flask's own work per request (contexts, session, routing, hooks), which costs
more than the page. For a request with no cookie at all, nothing in it can be personal,
so this WSGI middleware replays the exact status, headers and body Flask produced for the
same path and query string, on the page cache's terms: the same change token (any commit
invalidates) and the same `valid_until`. Everything else goes to Flask untouched.

Only responses a view marked as shared are kept (cached_page() and share_response() set
the mark), and only a 200 without Set-Cookie. A request naming the stored ETag in
If-None-Match gets the 304 Flask would give; If-Modified-Since goes to Flask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from werkzeug.http import parse_etags, unquote_etag

from webapp.events import cache
from webapp.events.cache import ENVIRON_KEY, EXTENSION_KEY, PERSONAL_HEADERS


@dataclass(frozen=True)
class Stored:
    token: Hashable
    valid_until: datetime | None
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ResponseCache:
    """WSGI middleware in front of the Flask app; see the module docstring."""

    def __init__(self, wsgi_app, app: Flask, maxsize: int = 256):
        self.wsgi_app, self.app, self.maxsize = wsgi_app, app, maxsize
        self._stored: OrderedDict[tuple[str, str], Stored] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or any(h in environ for h in PERSONAL_HEADERS):
            return self.wsgi_app(environ, start_response)
        key = (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        hit = self._fresh(key)
        if hit is not None and "HTTP_IF_MODIFIED_SINCE" not in environ:
            if _not_modified(environ, hit):
                start_response("304 NOT MODIFIED", _validator_headers(hit))
                return []
            start_response(hit.status, list(hit.headers))
            return [] if method == "HEAD" else [hit.body]
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        mark = environ.get(ENVIRON_KEY)
        if mark is None or method != "GET" or not _shareable(captured):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = tuple(captured["headers"])
        self._store(key, Stored(mark[0], mark[1], captured["status"], headers, body))
        return [body]

    def _fresh(self, key: tuple[str, str]) -> Stored | None:
        if not self.app.config.get("PAGE_CACHE", True):
            return None
        with self._lock:
            stored = self._stored.get(key)
            if stored is not None:
                self._stored.move_to_end(key)
        pages = self.app.extensions.get(EXTENSION_KEY)
        if stored is None or pages is None:
            return None
        if stored.valid_until is not None and cache.now_utc() >= stored.valid_until:
            return None
        return stored if pages.gate.token() == stored.token else None

    def _store(self, key: tuple[str, str], stored: Stored) -> None:
        with self._lock:
            self._stored[key] = stored
            self._stored.move_to_end(key)
            while len(self._stored) > self.maxsize:
                self._stored.popitem(last=False)


# Headers a 304 keeps from the stored 200 (RFC 9110 15.4.5), besides the security headers.
ENTITY_HEADERS = frozenset({"content-type", "content-length", "content-disposition"})


def _not_modified(environ, stored: Stored) -> bool:
    """If-None-Match names the stored response's ETag (weak comparison)."""
    wanted = environ.get("HTTP_IF_NONE_MATCH")
    if not wanted:
        return False
    etag = next((v for n, v in stored.headers if n.lower() == "etag"), None)
    if etag is None:
        return False
    return parse_etags(wanted).contains_weak(unquote_etag(etag)[0])


def _validator_headers(stored: Stored) -> list[tuple[str, str]]:
    return [(n, v) for n, v in stored.headers if n.lower() not in ENTITY_HEADERS]


def _shareable(captured: dict) -> bool:
    if not captured.get("status", "").startswith("200"):
        return False
    return not any(name.lower() == "set-cookie" for name, _ in captured["headers"])


def install(app: Flask) -> None:
    """Put the response cache in front of the app's WSGI callable."""
    app.wsgi_app = ResponseCache(app.wsgi_app, app)

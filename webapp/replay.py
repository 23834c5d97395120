"""Whole responses of shared pages and public calendar files, replayed before Flask runs.

The outer layer of webapp/caching.py, kept because the benchmark goals need it: with the
page cache alone, the listing stayed near or under half of a bare Flask app's rate (see
bench/README.md), since what is left of a cache hit is Flask's own work per request
(contexts, session, routing, hooks), which costs more than the page.

For a request that nothing personal can reach (GET or HEAD, no Cookie, Authorization or
Range, no If-Match/If-Unmodified-Since/If-Range, no body, a path and query string that
pass webapp/security.py's NUL check), this WSGI layer replays the status, headers and body
Flask produced for the same path and query string, on the caching terms: the same change
token (any commit invalidates) and before `valid_until`. If-None-Match and
If-Modified-Since get Werkzeug's answer from the stored validators, as in Flask. Anything
else goes to Flask, which applies its own checks (NUL bytes, the body limit) as always.

Only 200 responses a view marked as shared (caching.share_response) are kept, without
Set-Cookie and varying by no header but Cookie (a replayed request has none). The key is
the full path, so pages under a language prefix are kept apart. Replayed requests are
logged as any other by the WSGI server's access log, which sits outside this layer; the
application logs no requests of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from werkzeug.datastructures import Headers, ResponseCacheControl
from werkzeug.http import is_resource_modified, parse_cache_control_header, parse_set_header
from werkzeug.wrappers import Response

from webapp import caching
from webapp.security import has_nul_bytes

# Requests carrying any of these may get a personal, partial or refused answer: not replayed.
PERSONAL = (
    "HTTP_COOKIE",
    "HTTP_AUTHORIZATION",
    "HTTP_RANGE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_TRANSFER_ENCODING",
)
CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# A condition every response with an ETag meets: how the stored 304 is made (see _stored).
ANY_VERSION = {"REQUEST_METHOD": "GET", "HTTP_IF_NONE_MATCH": "*"}


@dataclass(frozen=True)
class Stored:
    """A response as Flask sent it, and the 304 Werkzeug makes of it (if it has an ETag)."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str | None
    last_modified: str | None
    not_modified: tuple[tuple[str, str], ...] | None


class ResponseReplay:
    """WSGI middleware in front of the Flask app; see the module docstring."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ, start_response):
        if not self._replayable(environ):
            return self.wsgi_app(environ, start_response)
        caches: caching.Caches = self.app.extensions[caching.EXTENSION_KEY]
        key = (environ.get("SCRIPT_NAME", ""), environ["PATH_INFO"], environ["QUERY_STRING"])
        stored = caches.responses.get(key)
        if caches.fresh(stored):
            return _replay(stored.value, environ, start_response)
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        shared = environ.get(caching.SHARED_KEY)
        if shared is None or environ["REQUEST_METHOD"] != "GET" or not _shareable(captured):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        value = _stored(captured["status"], captured["headers"], body)
        caches.responses[key] = caching.Entry(shared.token, shared.valid_until, value)
        return [body]

    def _replayable(self, environ) -> bool:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        if any(name in environ for name in PERSONAL):
            return False
        if environ.get("CONTENT_LENGTH", "0") not in ("", "0"):
            return False
        path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        if has_nul_bytes(path, query.encode("latin-1", "replace")):
            return False
        return caching.enabled(self.app)


def _stored(status: str, headers: list[tuple[str, str]], body: bytes) -> Stored:
    response = Response(body, status=status, headers=Headers(headers))
    etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    not_modified = None
    if etag is not None:
        caching.make_conditional(response, ANY_VERSION)
        not_modified = tuple(response.get_wsgi_headers(ANY_VERSION).to_wsgi_list())
    return Stored(status, tuple(headers), body, etag, last_modified, not_modified)


def _replay(stored: Stored, environ, start_response):
    conditional = stored.not_modified is not None and any(h in environ for h in CONDITIONS)
    if conditional and not is_resource_modified(
        environ, etag=stored.etag, last_modified=stored.last_modified
    ):
        start_response("304 NOT MODIFIED", list(stored.not_modified))
        return []
    start_response(stored.status, list(stored.headers))
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [stored.body]


def _shareable(captured: dict) -> bool:
    """A 200 that sets no cookie, varies by nothing a replayed request could carry, and
    whose Cache-Control allows sharing."""
    if not captured.get("status", "").startswith("200"):
        return False
    for name, value in captured["headers"]:
        name = name.lower()
        if name == "set-cookie":
            return False
        if name == "vary" and {v.lower() for v in parse_set_header(value)} - {"cookie"}:
            return False
        if name == "cache-control":
            control = parse_cache_control_header(value, cls=ResponseCacheControl)
            if control.no_store or control.private:
                return False
    return True


def init_app(app: Flask) -> None:
    """Put the replay in front of the app, unless RESPONSE_REPLAY is False."""
    if app.config["RESPONSE_REPLAY"]:
        app.wsgi_app = ResponseReplay(app.wsgi_app, app)

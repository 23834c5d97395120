"""How the API answers: JSON bodies with a strong ETag, 304s, CORS for public reads."""

from __future__ import annotations

import hashlib
import json

from flask import Response, request

from webapp import caching

# Public reads may be made from any site's JavaScript: they carry no credentials.
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag, Link, Retry-After, X-RateLimit-Remaining"),
)
PREFLIGHT_HEADERS = (
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "If-None-Match, Accept, Accept-Language"),
    ("Access-Control-Max-Age", "86400"),
)


def encode(payload: dict) -> bytes:
    """The JSON body; NaN never gets in (our numbers are bounded when stored)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def json_response(body: bytes, *, cache_control: str, links: dict | None = None) -> Response:
    """A 200 (or Werkzeug's 304 for a matching If-None-Match) with an ETag of the body."""
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = cache_control
    link = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in (links or {}).items() if url)
    if link:
        response.headers["Link"] = link
    caching.make_conditional(response, request.environ)
    return response


def add_cors(response: Response) -> Response:
    """CORS for a public GET, and the preflight's answer for OPTIONS."""
    for name, value in CORS_HEADERS:
        response.headers[name] = value
    if request.method == "OPTIONS":
        for name, value in PREFLIGHT_HEADERS:
            response.headers[name] = value
    return response

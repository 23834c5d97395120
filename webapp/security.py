"""Security headers on every response, and refusal of NUL bytes in input."""

from __future__ import annotations

import functools

from flask import Flask, abort, after_this_request, request
from flask_babel import gettext as _

from webapp import i18n

POLICY_WITHOUT_FRAMING = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)
NO_FRAMING = "frame-ancestors 'none'"
CONTENT_SECURITY_POLICY = "; ".join((*POLICY_WITHOUT_FRAMING, NO_FRAMING))

# Set on every response unless the view set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# Pages whose URL holds a secret (a manage token): never stored by caches, never indexed,
# and the URL never sent on as a Referer, whatever the page links to or loads.
PRIVATE_PAGE_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex"),
    ("Referrer-Policy", "no-referrer"),
)


def has_nul_bytes(path: str, query_string: bytes) -> bool:
    """Whether a URL's path or query string carries a NUL character (raw or %00)."""
    return "\x00" in path or b"\x00" in query_string or b"%00" in query_string


def register(app: Flask) -> None:
    """Install the request filter and response headers."""

    @app.before_request
    def refuse_nul_bytes():
        if has_nul_bytes(request.path, request.query_string):
            abort(400, _("Requests may not contain NUL characters."))
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            for key, value in request.form.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    abort(400, _("Forms may not contain NUL characters."))

    @app.after_request
    def add_security_headers(response):
        # One pass over the headers: Headers.setdefault raises and catches an exception
        # per missing header, a measurable cost on every request.
        present = {name.lower() for name, _ in response.headers}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present and not (
                name == "X-Frame-Options" and framing_allowed(response)
            ):
                response.headers.add(name, value)
        # Pages say their language (it is in the URL, so nothing varies by request header).
        if "content-language" not in present and response.mimetype == "text/html":
            response.headers.add("Content-Language", i18n.current_language())
        return response


def framing_allowed(response) -> bool:
    """Whether the response's own policy lets some origin frame it (see allow_framing)."""
    policy = response.headers.get("Content-Security-Policy")
    return policy is not None and "frame-ancestors" in policy and NO_FRAMING not in policy


def allow_framing(response, origins: list[str]) -> None:
    """Let `origins` (and only them) frame `response`: CSP frame-ancestors names them, and
    X-Frame-Options is left out, since it cannot name a list (browsers that know CSP level 2
    ignore it then anyway). With no origins the response refuses frames like every other."""
    sources = " ".join(origins) if origins else "'none'"
    response.headers["Content-Security-Policy"] = "; ".join(
        (*POLICY_WITHOUT_FRAMING, f"frame-ancestors {sources}")
    )
    if origins:
        response.headers.pop("X-Frame-Options", None)


def private_page(view):
    """Send PRIVATE_PAGE_HEADERS with every answer of `view`, its error pages included.

    Put it above any rate limit, so that a 429 gets them too. A view's own Cache-Control
    (e.g. "private, no-store") is kept.
    """

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        after_this_request(_add_private_page_headers)
        return view(*args, **kwargs)

    return wrapped


def _add_private_page_headers(response):
    for name, value in PRIVATE_PAGE_HEADERS:
        if name == "Cache-Control" and name in response.headers:
            continue
        response.headers[name] = value
    return response

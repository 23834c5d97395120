"""Errors as RFC 9457 problem details (application/problem+json) for the API's URLs.

A low floor: webapp/errors.py answers every error under API_PREFIX with `problem()`
instead of an HTML page, and the API's views raise ordinary HTTP exceptions.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Response, request

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"
# Problem types are relative URIs of this API (RFC 9457 §3.1.1); "about:blank" when the
# status code says it all.
TYPES = {
    400: "about:blank",
    401: "/api/v1/problems/unauthorized",
    404: "about:blank",
    422: "/api/v1/problems/invalid-parameters",
    429: "/api/v1/problems/rate-limited",
    503: "/api/v1/problems/unavailable",
}


# The API speaks English to the developers who call it, as the parameter errors that
# marshmallow words do; its pages and emails are what people read in their language.
NOT_PUBLISHED = "No published event has this slug."
NOT_IN_SCOPE = "No event with this id is readable with this token."
RANGE_REVERSED = "`to` must not be before `from`."


def is_api_request() -> bool:
    """Whether this request is for the API (its errors are problem details)."""
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str, *, errors: dict | None = None) -> Response:
    """A problem-details response: type, title, status, detail (and parameter errors)."""
    body: dict = {
        "type": TYPES.get(status, "about:blank"),
        "title": _title(status),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

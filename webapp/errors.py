"""Friendly error pages; bad input is a 4xx, never a 500."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    413: "Request too large",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Something went wrong",
}

MESSAGES = {
    404: "We could not find that page. The event may have moved or the link may be wrong.",
    413: "What you sent is too large for us to accept.",
    429: "You are sending requests faster than we can accept. Please wait a minute and try again.",
    500: "Sorry, something went wrong on our side. Please try again in a moment.",
}

CSRF_MESSAGE = (
    "Your form expired or was sent from another page, so we did not accept it. "
    "Please go back, reload the page and try again."
)


def render_error(code: int, message: str | None = None) -> Response:
    """The error page with a status and a human message."""
    body = render_template(
        "errors/error.html",
        code=code,
        title=TITLES.get(code, "Error"),
        message=message or MESSAGES.get(code, ""),
    )
    return make_response(body, code)


def register(app: Flask) -> None:
    """Render every HTTP error with templates/errors/error.html."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # Werkzeug's generic descriptions are written for developers; keep ours for the common ones.
        message = MESSAGES.get(error.code) or error.description
        response = render_error(error.code, message)
        for header, value in error.get_headers():
            if header.lower() in ("allow", "retry-after"):
                response.headers[header] = value
        return response

    @app.errorhandler(500)
    def server_error(error):
        return render_error(500)

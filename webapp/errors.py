"""Friendly error pages; bad input is a 4xx, never a 500."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import Flask, Response, current_app, make_response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db

TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    413: "Request too large",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Busy for a moment",
}

MESSAGES = {
    404: "We could not find that page. The event may have moved or the link may be wrong.",
    413: "What you sent is too large for us to accept.",
    429: "You are sending requests faster than we can accept. Please wait a minute and try again.",
    500: "Sorry, something went wrong on our side. Please try again in a moment.",
    503: (
        "We are very busy or briefly unavailable, and nothing you sent was saved. "
        "Please try again in a few seconds."
    ),
}
# What a database that is unreachable, or a lock not obtained in time, raises.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.TimeoutError, sa.exc.InterfaceError)

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

    @app.errorhandler(sa.exc.DBAPIError)
    @app.errorhandler(sa.exc.TimeoutError)
    def database_error(error: sa.exc.SQLAlchemyError):
        if not _unavailable(error):
            raise error
        return database_unavailable(error)

    @app.errorhandler(500)
    def server_error(error):
        return render_error(500)


def _unavailable(error: sa.exc.SQLAlchemyError) -> bool:
    if isinstance(error, DATABASE_UNAVAILABLE):
        return True
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def database_unavailable(error: sa.exc.SQLAlchemyError) -> Response:
    """503 with Retry-After: the database is away or busy; the transaction is rolled back."""
    current_app.logger.warning("Database unavailable: %s", error)
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()
    response = render_error(503)
    response.headers["Retry-After"] = str(current_app.config["DATABASE_RETRY_AFTER"])
    response.headers["Cache-Control"] = "no-store"
    return response

"""Friendly error pages; bad input is a 4xx, never a 500."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import Flask, Response, current_app, make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp import problems
from webapp.extensions import db

TITLES = {
    400: _l("Bad request"),
    403: _l("Forbidden"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Not possible now"),
    412: _l("Precondition failed"),
    413: _l("Request too large"),
    422: _l("Unprocessable request"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Busy for a moment"),
}

# Ours replace Werkzeug's generic descriptions, which are written for developers (and in
# English only); a description given to abort() (already translated) is kept.
MESSAGES = {
    400: _l("We could not understand what your browser sent. Please go back and try again."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find that page. The event may have moved or the link may be wrong."),
    405: _l("This page cannot be used that way. Please go back and use its links and buttons."),
    409: _l("This is not possible now. Please reload the page to see the current state."),
    412: _l("The file has changed since you last fetched it. Please fetch it again."),
    413: _l("What you sent is too large for us to accept."),
    422: _l("We could not process what you sent. Please check it and try again."),
    429: _l(
        "You are sending requests faster than we can accept. Please wait a minute and try again."
    ),
    500: _l("Sorry, something went wrong on our side. Please try again in a moment."),
    503: _l(
        "We are very busy or briefly unavailable, and nothing you sent was saved. "
        "Please try again in a few seconds."
    ),
}
# What a database that is unreachable, or a lock not obtained in time, raises.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.TimeoutError, sa.exc.InterfaceError)

CSRF_MESSAGE = _l(
    "Your form expired or was sent from another page, so we did not accept it. "
    "Please go back, reload the page and try again."
)


def render_error(code: int, message: str | None = None, detail: str | None = None) -> Response:
    """The error page with a status and a human message, in the page's language."""
    body = render_template(
        "errors/error.html",
        code=code,
        title=TITLES.get(code) or _("Error"),
        message=message or MESSAGES.get(code, ""),
        detail=detail,
    )
    return make_response(body, code)


# Codes whose message is always ours: what libraries put in their descriptions (Flask-Limiter's
# "5 per 1 minute") is not for readers.
ALWAYS_OURS = frozenset({404, 413, 429, 500, 503})


def _message(error: HTTPException) -> str:
    """The description a view gave abort() (already translated), else ours for the code."""
    given = error.description != type(error).description
    if given and error.description and error.code not in ALWAYS_OURS:
        return error.description
    return MESSAGES.get(error.code) or error.description


def register(app: Flask) -> None:
    """Render every HTTP error with templates/errors/error.html."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # The reason is Flask-WTF's English text, the msgid of its translation
        # (webapp/form_messages.py).
        return render_error(400, CSRF_MESSAGE, detail=_(error.description))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return http_error_response(error)

    @app.errorhandler(sa.exc.DBAPIError)
    @app.errorhandler(sa.exc.TimeoutError)
    def database_error(error: sa.exc.SQLAlchemyError):
        if not _unavailable(error):
            raise error
        return database_unavailable(error)

    @app.errorhandler(500)
    def server_error(error):
        if problems.is_api_request():
            return problems.problem(500, "Something went wrong on our side. Please retry later.")
        return render_error(500)


# Headers of an HTTP exception that its answer keeps.
KEPT_HEADERS = ("allow", "retry-after", "www-authenticate")


def http_error_response(error: HTTPException):
    """The error page for an HTTP exception, or problem details under /api/."""
    if error.code is None or error.code < 400:
        return error
    if problems.is_api_request():
        data = getattr(error, "data", None) or {}
        response = problems.problem(
            error.code, _api_detail(error), errors=data.get("errors") or data.get("messages")
        )
    else:
        response = render_error(error.code, _message(error))
    for header, value in error.get_headers():
        if header.lower() in KEPT_HEADERS:
            response.headers[header] = value
    return response


def _api_detail(error: HTTPException) -> str:
    """Werkzeug's description (English, for developers) or the one the API gave."""
    if error.code == 429:
        return f"Too many requests ({error.description}). Wait a minute and retry."
    if error.code == 422 and getattr(error, "data", None):
        return "Some parameters are not valid; `errors` says which and why."
    return str(error.description or error.name)


def _unavailable(error: sa.exc.SQLAlchemyError) -> bool:
    if isinstance(error, DATABASE_UNAVAILABLE):
        return True
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def database_unavailable(error: sa.exc.SQLAlchemyError) -> Response:
    """503 with Retry-After: the database is away or busy; the transaction is rolled back."""
    current_app.logger.warning("Database unavailable: %s", error)
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()
    if problems.is_api_request():
        response = problems.problem(503, "The database is busy or unavailable; nothing changed.")
    else:
        response = render_error(503)
    response.headers["Retry-After"] = str(current_app.config["DATABASE_RETRY_AFTER"])
    response.headers["Cache-Control"] = "no-store"
    return response

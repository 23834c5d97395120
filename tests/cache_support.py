"""Helpers for the caching tests: a visitor for each caching layer, and SQL counting.

A repeated request is answered by one of two layers (webapp/caching.py): the whole-response
replay in front of Flask, for requests without cookies, or Flask with the page cache, for a
visitor whose cookie holds no session data. Tests that make a promise about cached pages
run it through both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import sqlalchemy as sa

from webapp.extensions import db

LAYERS = ("replay", "page cache")


def visitor(app, layer: str):
    """A test client whose repeated requests are answered by `layer`."""
    client = app.test_client()
    if layer == "page cache":
        client.set_cookie("tracking", "1")  # any cookie keeps the request away from the replay
    return client


@contextlib.contextmanager
def recorded_statements(app) -> Iterator[list[str]]:
    """The SQL statements the application runs through SQLAlchemy inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def answered_without_sql(app, fetch: Callable[[], object], attempts: int = 5) -> bool:
    """Whether `fetch()` (a repeated request) is answered without running SQL.

    On PostgreSQL the change token moves with every commit anywhere on the server, other
    databases included (parallel test runs), and such a commit may fall between two
    requests; so a few attempts are allowed. Any one without SQL shows the reuse.
    """
    for _ in range(attempts):
        with recorded_statements(app) as statements:
            fetch()
        if not statements:
            return True
    return False

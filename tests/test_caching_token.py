"""The change token: it moves with every commit, and failing to read it never fails a request.

A token that cannot be read means "no caching" for that request; the connection it is read
on is reopened after a database restart and in a forked process.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.cache_support import LAYERS, answered_without_sql, visitor
from tests.conftest import BACKEND
from webapp import caching
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db

TOKEN_QUERY = caching.TOKEN_QUERIES["postgresql"]


def token_of(app) -> caching.ChangeToken:
    with app.app_context():
        return caching.caches().token


def test_token_moves_with_every_commit_of_another_connection(app, make_event):
    token = token_of(app)
    before = token.read()
    make_event()
    after = token.read()
    assert before is not None and after is not None
    assert after != before


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/no-such-folder/convene.db",
        "sqlite://",  # private to one connection: no one else's commits to see
        "postgresql+psycopg://postgres@127.0.0.1:9/convene",  # nothing listens there
    ],
)
def test_no_token_and_no_error_where_it_cannot_be_read(url, tmp_path):
    engine = sa.create_engine(url.format(tmp=tmp_path))
    try:
        token = caching.ChangeToken(engine)
        assert token.read() is None
        assert token.read() is None  # tried again, still no error
    finally:
        engine.dispose()


@pytest.mark.skipif(BACKEND != "postgres", reason="ends PostgreSQL server connections")
@pytest.mark.parametrize("layer", LAYERS)
def test_pages_stay_right_when_the_database_drops_every_connection(app, make_event, layer):
    event = make_event(title="Before the restart")
    guest = visitor(app, layer)
    assert "Before the restart" in guest.get("/").text
    # What a database restart does to the app's connections, the token's included.
    with app.app_context():
        begin_write(db.session)
        db.session.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        db.session.commit()
        begin_write(db.session)
        event_row = db.session.get(Event, event.id)
        event_row.title = "After the restart"
        db.session.commit()
    response = guest.get("/")
    assert response.status_code == 200
    assert "After the restart" in response.text
    assert answered_without_sql(app, lambda: guest.get("/")), "caching resumed"


def test_a_forked_process_reads_the_token_on_a_connection_of_its_own(app, make_event):
    token = token_of(app)
    assert token.read() is not None  # the parent's connection is open
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running any cleanup
        code = 1
        try:
            code = 0 if token.read() is not None else 2
            os.write(write, str(_token_connections(app)).encode())
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    reported = os.read(read, 100).decode()
    os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0
    if BACKEND == "postgres":
        assert reported == "2", "the child opened its own connection beside the parent's"
    before = token.read()
    make_event()
    after = token.read()
    assert None not in (before, after) and after != before, "the parent's still works"


def _token_connections(app) -> int:
    """How many server connections have read the token (PostgreSQL), else 0."""
    if BACKEND != "postgres":
        return 0
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query = :query"
                ),
                {"query": TOKEN_QUERY},
            )
    finally:
        engine.dispose()

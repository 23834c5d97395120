"""The ceilings, served under the same gunicorn configuration as Convene.

- `GET /`: a bare Flask "hello", the ceiling every HTTP measurement is divided by.
- `POST /insert`: a bare single-row insert (one form field, SQLAlchemy Core, one commit) into
  the `ceiling_item` table of CEILING_DATABASE_URL (SQLite in WAL mode, or PostgreSQL): what
  any write endpoint on this stack costs at least, beside which the registration POST (CSRF,
  session, validation, the per-event lock, two rows) is also reported.
"""

import functools
import os

import sqlalchemy as sa
from flask import Flask, redirect, request

app = Flask(__name__)
items = sa.table("ceiling_item", sa.column("name"))


def create_table(url: str) -> None:
    """Create `ceiling_item` in the database (called by the harness before serving)."""
    serial = "INTEGER PRIMARY KEY" if url.startswith("sqlite") else "SERIAL PRIMARY KEY"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if url.startswith("sqlite"):
            # WAL is a property of the file: set once here, before workers race to set it.
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS ceiling_item (id {serial}, name TEXT)")
    engine.dispose()


@functools.cache
def _engine() -> sa.Engine:
    # Built on first use, in each gunicorn worker (the app is not preloaded before the fork).
    url = os.environ["CEILING_DATABASE_URL"]
    if not url.startswith("sqlite"):
        return sa.create_engine(url)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def wal(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return engine


@app.get("/")
def hello():
    """The cheapest useful Flask response."""
    return "Hello, world!"


@app.post("/insert")
def insert():
    """Store one row from a form field, then redirect (as a form handler would)."""
    name = request.form.get("name", "")
    if not name:
        return "name is required", 400
    with _engine().begin() as conn:
        conn.execute(items.insert().values(name=name))
    return redirect("/", 303)

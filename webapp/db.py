"""Declarative base, the UTC column type, and transaction helpers shared by all features."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Execution option that makes the next transaction a serialising write transaction.
WRITE_LOCK_OPTION = "convene_write_lock"
HOLDS_WRITER = "convene_holds_writer"
WRITER_WAIT_SECONDS = 30


def now_utc() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """An instant stored as naive UTC; refuses naive datetimes and returns aware UTC ones."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def install_sqlite_pragmas(engine: sa.Engine) -> None:
    """WAL, foreign keys, and explicit BEGIN so writers can take the lock up front.

    pysqlite opens its implicit transaction only at the first write, which is too late
    for read-then-write logic such as seat allocation; SQLAlchemy also drops
    FOR UPDATE on SQLite. We therefore emit BEGIN ourselves, and BEGIN IMMEDIATE when
    the session asked for a write lock (see begin_write()).
    """

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # Threads of one process queue for the write lock here rather than in SQLite's busy
    # handler, whose sleeping back-off (up to 100 ms a try) leaves the lock idle most of the
    # time under a registration rush. Other processes still meet in BEGIN IMMEDIATE.
    writer = threading.Lock()

    def release_writer(connection) -> None:
        if connection.info.pop(HOLDS_WRITER, False):
            writer.release()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        if not connection.get_execution_options().get(WRITE_LOCK_OPTION):
            connection.exec_driver_sql("BEGIN")
            return
        # The timeout only guards against a lock leaked by a bug; SQLite still serialises.
        connection.info[HOLDS_WRITER] = writer.acquire(timeout=WRITER_WAIT_SECONDS)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            release_writer(connection)
            raise

    sa.event.listen(engine, "commit", release_writer)
    sa.event.listen(engine, "rollback", release_writer)


def begin_write(session) -> None:
    """Start a transaction that serialises with other writers on both databases.

    On SQLite this is BEGIN IMMEDIATE (the database write lock, taken before reading);
    on PostgreSQL callers additionally lock their row with SELECT ... FOR UPDATE.
    Any read-only transaction already open is ended first; pending changes are an error.
    Inside a write transaction this is a no-op, so services that lock can be composed in
    one unit of work without losing each other's flushed changes.
    """
    if isinstance(session, scoped_session):
        session = session()  # the proxy does not expose in_transaction()
    if session.in_transaction():
        if session.connection().get_execution_options().get(WRITE_LOCK_OPTION):
            return
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unsaved changes in the session")
        session.rollback()
    session.connection(execution_options={WRITE_LOCK_OPTION: True})


def lock_row(session, model, pk):
    """Begin a write transaction and return `model` row `pk` locked for update, or None."""
    begin_write(session)
    return session.scalars(
        sa.select(model)
        .where(model.id == pk)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()

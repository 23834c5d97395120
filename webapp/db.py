"""Declarative base, the UTC column type, and transaction helpers shared by all features."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import weakref
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
POLL_SECONDS = 0.0005

logger = logging.getLogger(__name__)


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


def install_sqlite_pragmas(engine: sa.Engine) -> WriterQueue:
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

    writer = WriterQueue(_lock_file_path(engine))

    def release_writer(connection) -> None:
        if connection.info.pop(HOLDS_WRITER, False):
            writer.release()

    # SQLAlchemy fires these events before it calls the driver's commit() or rollback(), so
    # the writer ends its transaction here itself: handing the queue on first would send
    # the next writer's BEGIN IMMEDIATE into SQLite's busy handler. The driver's own call
    # afterwards finds no transaction and does nothing. The queue is handed on whatever
    # happens (a failed COMMIT is rolled back first, so SQLite's lock goes too).
    def on_commit(connection) -> None:
        if not connection.info.get(HOLDS_WRITER):
            return
        driver_connection = connection.connection.driver_connection
        try:
            driver_connection.execute("COMMIT")
        except connection.dialect.dbapi.Error as error:
            _end_transaction(driver_connection)
            # As SQLAlchemy would have raised it from the driver's commit().
            raise sa.exc.DBAPIError.instance(
                "COMMIT", (), error, connection.dialect.dbapi.Error
            ) from error
        finally:
            release_writer(connection)

    def on_rollback(connection) -> None:
        if not connection.info.get(HOLDS_WRITER):
            return
        try:
            _end_transaction(connection.connection.driver_connection)
        finally:
            release_writer(connection)

    # A connection that goes back to the pool still holding the queue (its transaction
    # ended in a way that fired no event) hands it on there.
    @sa.event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        if record.info.pop(HOLDS_WRITER, False):
            writer.release()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        if not connection.get_execution_options().get(WRITE_LOCK_OPTION):
            connection.exec_driver_sql("BEGIN")
            return
        connection.info[HOLDS_WRITER] = writer.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            release_writer(connection)
            raise

    sa.event.listen(engine, "commit", on_commit)
    sa.event.listen(engine, "rollback", on_rollback)
    return writer


def _end_transaction(driver_connection) -> None:
    if driver_connection.in_transaction:
        driver_connection.execute("ROLLBACK")


def _lock_file_path(engine: sa.Engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + ".writer-lock"


class WriterQueue:
    """Writers of a SQLite database wait here for their turn, not in SQLite's busy handler.

    SQLite's busy handler sleeps with a growing back-off (up to 100 ms a try), so under a
    registration rush the write lock sits idle most of the time while a waiter sleeps.
    Threads of one process queue on a lock; processes meet on an flock() of a file beside
    the database (the kernel drops it if the holder dies), polled every half millisecond so
    that a stuck holder makes a writer give up after `wait_seconds` rather than hang. Polling
    is not a fair queue: a process whose threads write back to back can keep the lock for a
    while, but never for longer than that. Whenever the queue cannot be used (the wait runs
    out, the lock file cannot be opened), acquire() says so and BEGIN IMMEDIATE falls back
    on SQLite's own waiting; BEGIN IMMEDIATE does the real serialising in any case.
    """

    def __init__(self, lock_file: str | None, wait_seconds: float = WRITER_WAIT_SECONDS):
        self.lock_file = lock_file
        self.wait_seconds = wait_seconds
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        queue = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (q := queue()) and q._forget_parent_state())

    def acquire(self) -> bool:
        """Wait for our turn; False if the queue could not be used (see the class)."""
        deadline = time.monotonic() + self.wait_seconds
        if not self._thread_lock.acquire(timeout=self.wait_seconds):
            return False
        try:
            if self._lock_file(deadline):
                return True
        except OSError:
            logger.warning("cannot use the write lock file %s", self.lock_file, exc_info=True)
        self._thread_lock.release()
        return False

    @property
    def held(self) -> bool:
        """Whether a thread of this process holds the queue."""
        return self._thread_lock.locked()

    def release(self) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _lock_file(self, deadline: float) -> bool:
        if self.lock_file is None:
            return True
        if self._fd is None:
            # Read-only is enough for flock(), and lets processes of other users share it.
            self._fd = os.open(self.lock_file, os.O_RDONLY | os.O_CREAT, 0o644)
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(POLL_SECONDS)

    def _forget_parent_state(self) -> None:
        # A forked child gets its own lock and its own open file (flock() locks belong to
        # the open file, which the child would otherwise share with its parent).
        self._thread_lock = threading.Lock()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


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

"""SQLite transactions: the pysqlite recipe from SQLAlchemy's documentation, and writers that
take turns.

The recipe ("Serializable isolation / Savepoints / Transactional DDL" in SQLAlchemy's pysqlite
dialect documentation): pysqlite's own transaction handling is switched off, and the
`begin` event emits BEGIN, or BEGIN IMMEDIATE for a write transaction (begin_write() in
webapp.db), so that a writer holds SQLite's write lock before it reads anything.

Why writers do not simply wait in SQLite's busy handler: it sleeps ever longer between its
tries (up to 100 ms a try), so under a registration rush the lock sits free most of the
time while every waiter sleeps, and a writer that has waited long is overtaken by newcomers
whose first tries come sooner; in the benchmark's rush (1,000 registrations at once against
4 gunicorn workers) some waited past DATABASE_LOCK_TIMEOUT and got a 503. So:

- the writer threads of one process take turns on a lock (no sleeping: a thread waits
  until the one before it is done), and the turn ends when the connection goes back to the
  pool, which the Session does at the end of every transaction, after COMMIT or ROLLBACK;
- the one writer per process whose turn it is tries BEGIN IMMEDIATE every half millisecond
  (SQLite's busy timeout is off for that statement alone) until it gets the lock or
  DATABASE_LOCK_TIMEOUT runs out, so processes hand the lock over within a millisecond;
- every other statement keeps SQLite's busy timeout of DATABASE_LOCK_TIMEOUT.
Running out of time raises OperationalError, which the app answers with 503 and Retry-After.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import sqlalchemy as sa

from webapp.db import WRITE_LOCK_OPTION

HOLDS_WRITER_TURN = "convene_holds_writer_turn"
POLL_SECONDS = 0.0005


def install(engine: sa.Engine, lock_timeout: float) -> None:
    """WAL, foreign keys, BEGIN emitted by SQLAlchemy, and writers that take turns."""
    turn = threading.Lock()
    busy_timeout_ms = max(int(lock_timeout * 1000), 1)

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN of its own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        if not connection.get_execution_options().get(WRITE_LOCK_OPTION):
            connection.exec_driver_sql("BEGIN")
            return
        deadline = time.monotonic() + lock_timeout
        if not turn.acquire(timeout=lock_timeout):
            raise _locked(sqlite3.OperationalError("database is locked"))
        connection.info[HOLDS_WRITER_TURN] = True
        try:
            _begin_immediate(connection.connection.driver_connection, deadline, busy_timeout_ms)
        except BaseException:
            connection.info.pop(HOLDS_WRITER_TURN, None)
            turn.release()
            raise

    @sa.event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        if record.info.pop(HOLDS_WRITER_TURN, False):
            turn.release()


def _begin_immediate(driver_connection, deadline: float, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE, tried every POLL_SECONDS until `deadline` (see the module docstring)."""
    driver_connection.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                driver_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise _locked(error) from error
            time.sleep(POLL_SECONDS)
    finally:
        driver_connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")


def _locked(error: sqlite3.OperationalError) -> sa.exc.OperationalError:
    """The driver's error as SQLAlchemy raises it from a statement."""
    return sa.exc.OperationalError("BEGIN IMMEDIATE", None, error)

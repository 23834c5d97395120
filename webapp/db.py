"""Declarative base, the UTC column type, and the one way writes take their transaction.

Every write, on both databases, starts with `begin_write(session)` (or `lock_row()`, which
calls it) before its first read:

- SQLite: BEGIN IMMEDIATE (webapp/sqlite.py), so the write lock is taken before anything
  is read and what a writer reads stays true until it commits; a writer waits for the lock
  up to DATABASE_LOCK_TIMEOUT seconds. A deferred transaction that read first and wrote
  later would fail at once with "database is locked" whenever another writer committed in
  between, whatever the timeout: hence the rule, enforced by `guard_writes()`.
- PostgreSQL: a plain transaction; the rows a decision depends on (the event during seat
  allocation) are read with SELECT ... FOR UPDATE, and `lock_timeout` bounds the wait.

A lock not obtained in time, or a database that cannot be reached, raises SQLAlchemy's
OperationalError, which the app answers with 503 and Retry-After (webapp.errors).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Execution option that makes the next transaction a serialising write transaction.
WRITE_LOCK_OPTION = "convene_write_lock"


class UnguardedWrite(RuntimeError):
    """A change reached the database outside a transaction begun by begin_write()."""


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


def enum_column(enum_cls: type, name: str) -> sa.Enum:
    """A string enum stored as its values in a VARCHAR with a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


def engine_options(url: str, lock_timeout: float) -> dict:
    """Engine options that bound every wait for a lock or a connection by `lock_timeout`."""
    if url.startswith("sqlite"):
        # A file does not drop connections, and a ping would cost a statement per checkout.
        return {"pool_pre_ping": False, "connect_args": {"timeout": lock_timeout}}
    options: dict = {"pool_pre_ping": True, "pool_timeout": lock_timeout}
    if url.startswith("postgresql"):
        milliseconds = max(int(lock_timeout * 1000), 1)
        options["connect_args"] = {
            "options": f"-c lock_timeout={milliseconds}",
            "connect_timeout": max(int(lock_timeout), 1),
        }
    return options


def _plain(session) -> Session:
    # The scoped_session proxy does not expose in_transaction().
    return session() if isinstance(session, scoped_session) else session


def in_write_transaction(session) -> bool:
    """Whether the session's current transaction was begun by begin_write()."""
    session = _plain(session)
    if not session.in_transaction():
        return False
    return bool(session.connection().get_execution_options().get(WRITE_LOCK_OPTION))


def begin_write(session) -> None:
    """Start a transaction that serialises with other writers on both databases.

    Any read-only transaction already open is ended first; pending changes are an error.
    Inside a write transaction this is a no-op, so services that lock can be composed in
    one unit of work without losing each other's flushed changes.
    """
    session = _plain(session)
    if session.in_transaction():
        if in_write_transaction(session):
            return
        if session.new or session.dirty or session.deleted:
            raise UnguardedWrite("begin_write() called with unsaved changes in the session")
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


def guard_writes(session) -> None:
    """Make any flush or DML statement outside begin_write()'s transaction an error."""

    @sa.event.listens_for(session, "before_flush")
    def check_flush(flushing, _context, _instances):
        if (flushing.new or flushing.dirty or flushing.deleted) and not in_write_transaction(
            flushing
        ):
            raise UnguardedWrite("a change was flushed outside begin_write()")

    @sa.event.listens_for(session, "do_orm_execute")
    def check_statement(state):
        if (state.is_insert or state.is_update or state.is_delete) and not in_write_transaction(
            state.session
        ):
            raise UnguardedWrite("a data change was executed outside begin_write()")

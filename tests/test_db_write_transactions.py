"""Write transactions: begin_write() serialises writers on SQLite and PostgreSQL, a change
outside it is refused, and a wait for the lock is bounded."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from webapp import sqlite
from webapp.db import (
    WRITE_LOCK_OPTION,
    UnguardedWrite,
    begin_write,
    engine_options,
    in_write_transaction,
    lock_row,
)
from webapp.events.models import Event
from webapp.extensions import db

WRITES = 40


def _engine(path, lock_timeout: float = 10) -> sa.Engine:
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url, **engine_options(url, lock_timeout))
    sqlite.install(engine, lock_timeout)
    return engine


def _create_counter(path) -> None:
    engine = _engine(path)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (1, 0)")
    engine.dispose()


def _increment(engine: sa.Engine, times: int) -> None:
    """Read-modify-write in write transactions: a lost update would show in the total."""
    for _ in range(times):
        writer = engine.connect().execution_options(**{WRITE_LOCK_OPTION: True})
        with writer as conn, conn.begin():
            n = conn.exec_driver_sql("SELECT n FROM counter WHERE id = 1").scalar_one()
            conn.exec_driver_sql(f"UPDATE counter SET n = {n + 1} WHERE id = 1")


def _count(path) -> int:
    engine = _engine(path)
    with engine.connect() as conn:
        n = conn.exec_driver_sql("SELECT n FROM counter").scalar_one()
    engine.dispose()
    return n


def _increment_in_process(path: str, times: int) -> None:
    engine = _engine(path)
    _increment(engine, times)
    engine.dispose()


def test_sqlite_writer_threads_never_lose_an_update_nor_see_a_locked_database(tmp_path):
    path = tmp_path / "threads.db"
    _create_counter(path)
    engine = _engine(path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(_increment, engine, WRITES) for _ in range(8)]:
            future.result(timeout=120)  # "database is locked" would be raised here
    engine.dispose()
    assert _count(path) == 8 * WRITES


def test_sqlite_writer_processes_never_lose_an_update_nor_see_a_locked_database(tmp_path):
    path = tmp_path / "processes.db"
    _create_counter(path)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_increment_in_process, args=(str(path), WRITES)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert _count(path) == 4 * WRITES


def test_a_writer_that_cannot_get_the_lock_in_time_gives_up_with_an_operational_error(tmp_path):
    path = tmp_path / "busy.db"
    _create_counter(path)
    holder, waiter = _engine(path), _engine(path, lock_timeout=0.2)
    with holder.connect().execution_options(**{WRITE_LOCK_OPTION: True}) as held:
        held.begin()
        held.exec_driver_sql("UPDATE counter SET n = 1")
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            _increment(waiter, 1)
        held.rollback()
    _increment(waiter, 1)  # free again
    holder.dispose(), waiter.dispose()
    assert _count(path) == 1


def test_a_change_outside_begin_write_is_refused_and_nothing_is_stored(app, make_event):
    event = make_event(title="Before")
    with app.app_context():
        stored = db.session.get(Event, event.id)
        stored.title = "After"
        with pytest.raises(UnguardedWrite):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(UnguardedWrite):
            db.session.execute(sa.update(Event).values(title="After"))
        db.session.rollback()
        assert db.session.get(Event, event.id).title == "Before"


def test_begin_write_refuses_pending_changes_and_composes_inside_a_write(app, make_event):
    event = make_event()
    with app.app_context():
        stored = db.session.get(Event, event.id)  # a read transaction is open
        stored.title = "Changed before begin_write"
        with pytest.raises(UnguardedWrite):
            begin_write(db.session)
        db.session.rollback()
        locked = lock_row(db.session, Event, event.id)
        locked.title = "Changed in the write"
        begin_write(db.session)  # no-op: the flushed change is kept
        assert in_write_transaction(db.session)
        db.session.commit()
        assert not in_write_transaction(db.session)
        assert db.session.get(Event, event.id).title == "Changed in the write"


def _rename_under_lock(app, event_id: int, name: str, inside: threading.Event, go_on):
    with app.app_context():
        event = lock_row(db.session, Event, event_id)
        inside.set()
        go_on()
        event.title = event.title + name
        db.session.commit()


def test_lock_row_serialises_two_writers_of_one_event_on_both_databases(app, make_event):
    event = make_event(title="T")
    first_inside, release_first = threading.Event(), threading.Event()
    second_inside = threading.Event()
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(
            _rename_under_lock, app, event.id, "1", first_inside, lambda: release_first.wait(30)
        )
        assert first_inside.wait(30)
        second = pool.submit(_rename_under_lock, app, event.id, "2", second_inside, lambda: None)
        # The second writer waits for the first one's lock; it cannot be inside yet.
        assert not second_inside.wait(0.5)
        release_first.set()
        first.result(timeout=30), second.result(timeout=30)
    with app.app_context():
        assert db.session.get(Event, event.id).title == "T12"


def test_a_rolled_back_or_failed_writer_hands_the_turn_on(tmp_path):
    path = tmp_path / "handover.db"
    _create_counter(path)
    engine = _engine(path, lock_timeout=1)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY,"
            " counter_id INTEGER REFERENCES counter (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    writer = engine.connect().execution_options(**{WRITE_LOCK_OPTION: True})
    with pytest.raises(RuntimeError), writer as conn, conn.begin():
        conn.exec_driver_sql("UPDATE counter SET n = 99")
        raise RuntimeError("the unit of work failed")
    writer = engine.connect().execution_options(**{WRITE_LOCK_OPTION: True})
    with pytest.raises(sa.exc.IntegrityError), writer as conn, conn.begin():
        conn.exec_driver_sql("UPDATE counter SET n = 99")
        conn.exec_driver_sql("INSERT INTO child (counter_id) VALUES (12345)")  # fails at COMMIT
    # Another thread gets the turn at once: it would wait a second and fail otherwise.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_increment, engine, 1).result(timeout=30)
    engine.dispose()
    assert _count(path) == 1

"""SQLite writers queue in WriterQueue (threads and processes), never in SQLite's busy handler.

Each engine here sets a busy timeout of zero once connected, so a writer whose BEGIN
IMMEDIATE met a lock still held would fail at once with "database is locked" instead of
sleeping.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from webapp.db import WRITE_LOCK_OPTION, WriterQueue, install_sqlite_pragmas

WRITES = 60


def _engine(path) -> sa.Engine:
    return _engine_and_queue(path)[0]


def _engine_and_queue(path) -> tuple[sa.Engine, WriterQueue]:
    engine = sa.create_engine(f"sqlite:///{path}")
    queue = install_sqlite_pragmas(engine)

    @sa.event.listens_for(engine, "connect")
    def no_busy_waiting(dbapi_connection, _record):
        # After the app's own connect-time pragmas (switching to WAL may wait briefly).
        dbapi_connection.execute("PRAGMA busy_timeout = 0")

    return engine, queue


def _writer(engine: sa.Engine) -> sa.Connection:
    return engine.connect().execution_options(**{WRITE_LOCK_OPTION: True})


def _create_table(path) -> None:
    engine = _engine(path)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (1, 0)")
    engine.dispose()


def _increment(engine: sa.Engine, times: int) -> None:
    """Read-modify-write under the write lock: lost updates would show in the total."""
    for _ in range(times):
        with _writer(engine) as conn, conn.begin():
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


def test_threads_hand_over_the_write_lock_only_after_commit(tmp_path):
    path = tmp_path / "threads.db"
    _create_table(path)
    engine = _engine(path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(_increment, engine, WRITES) for _ in range(8)]:
            future.result(timeout=60)  # "database is locked" would be raised here
    engine.dispose()
    assert _count(path) == 8 * WRITES


def test_processes_queue_on_the_lock_file(tmp_path):
    path = tmp_path / "processes.db"
    _create_table(path)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_increment_in_process, args=(str(path), WRITES)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert _count(path) == 3 * WRITES
    assert (tmp_path / "processes.db.writer-lock").exists()


def test_a_rolled_back_writer_releases_the_queue(tmp_path):
    path = tmp_path / "rollback.db"
    _create_table(path)
    engine = _engine(path)
    with pytest.raises(RuntimeError), _writer(engine) as conn, conn.begin():
        conn.exec_driver_sql("UPDATE counter SET n = 99")
        raise RuntimeError("the unit of work failed")
    _increment(engine, 1)  # would wait forever (or fail) if the queue were still held
    engine.dispose()
    assert _count(path) == 1


def test_a_leaked_lock_makes_a_writer_give_up_waiting_not_hang(tmp_path):
    lock_file = str(tmp_path / "leaked.writer-lock")
    holder, waiter = WriterQueue(lock_file), WriterQueue(lock_file, wait_seconds=0.2)
    assert holder.acquire()
    assert waiter.acquire() is False
    holder.release()
    assert waiter.acquire()
    waiter.release()


def test_without_a_lock_file_threads_still_take_turns():
    queue = WriterQueue(None, wait_seconds=0.1)

    def acquire_in_thread() -> bool:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(queue.acquire).result(timeout=5)

    assert queue.acquire()
    assert acquire_in_thread() is False
    queue.release()
    assert acquire_in_thread() is True
    queue.release()


def test_a_failed_commit_is_rolled_back_and_hands_the_queue_on(tmp_path):
    path = tmp_path / "failed-commit.db"
    _create_table(path)
    engine, queue = _engine_and_queue(path)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY,"
            " counter_id INTEGER REFERENCES counter (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    with pytest.raises(sa.exc.IntegrityError), _writer(engine) as conn, conn.begin():
        conn.exec_driver_sql("UPDATE counter SET n = 99")
        conn.exec_driver_sql("INSERT INTO child (counter_id) VALUES (12345)")  # fails at COMMIT
    assert not queue.held
    _increment(engine, 1)  # SQLite's lock is free too: a busy timeout of zero would fail
    engine.dispose()
    assert _count(path) == 1  # the failed transaction's update is gone


def test_an_unusable_lock_file_falls_back_to_sqlite_waiting(tmp_path):
    queue = WriterQueue(str(tmp_path / "no-such-folder" / "x.writer-lock"), wait_seconds=0.1)
    assert queue.acquire() is False
    assert not queue.held


def _acquire_in_child(queue: WriterQueue, results) -> None:
    results.put(queue.acquire())


def _in_forked_child(queue: WriterQueue) -> bool:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_acquire_in_child, args=(queue, results))
    child.start()
    child.join(timeout=30)
    return results.get(timeout=5)


def test_a_forked_child_does_not_inherit_a_held_thread_lock():
    queue = WriterQueue(None, wait_seconds=0.2)
    assert queue.acquire()
    assert _in_forked_child(queue) is True
    queue.release()


def test_a_forked_child_opens_the_lock_file_again(tmp_path):
    queue = WriterQueue(str(tmp_path / "fork.writer-lock"), wait_seconds=0.2)
    assert queue.acquire()
    # Sharing the parent's open file would let the child take the lock the parent holds.
    assert _in_forked_child(queue) is False
    queue.release()
    assert _in_forked_child(queue) is True

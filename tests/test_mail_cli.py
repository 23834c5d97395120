"""`flask mail status` and `flask mail worker` as an operator runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.mail_support import outbox_rows
from tests.registration_support import register
from webapp import PROJECT_ROOT
from webapp.mail.models import OutboxStatus


def test_status_counts_and_lists_failures(app, runner, smtp_server, make_event):
    event = make_event()
    register(app, event.id, "ok@example.org")
    assert runner.invoke(args=["mail", "send-pending"]).output.startswith("Sent 1,")
    smtp_server.respond_with("554 5.7.1 Message rejected as spam")
    register(app, event.id, "spam@example.org")
    result = runner.invoke(args=["mail", "send-pending"])
    assert "failed 1" in result.output
    register(app, event.id, "later@example.org")

    result = runner.invoke(args=["mail", "status"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "queued   1" in lines and "sent     1" in lines and "failed   1" in lines
    assert any(
        "to spam@example.org after 1 attempt(s): 554 5.7.1 Message rejected as spam" in line
        for line in lines
    )


def _wait_until(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


def test_worker_delivers_and_stops_cleanly_on_sigterm(app, smtp_server, make_event, tmp_path):
    event = make_event()
    register(app, event.id, "first@example.org")
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "CONVENE_BASE_URL": app.config["CONVENE_BASE_URL"],
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": str(smtp_server.port),
    }
    flask = Path(sys.executable).parent / "flask"
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [str(flask), "mail", "worker", "--interval", "0.2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait_until(lambda: len(smtp_server.messages) == 1)
        register(app, event.id, "second@example.org")  # picked up by the running worker
        assert _wait_until(lambda: len(smtp_server.messages) == 2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.seek(0)
        output = log.read()
        log.close()

    assert "Mail worker started" in output and "Mail worker stopped." in output
    assert [row.status for row in outbox_rows(app)] == [OutboxStatus.SENT] * 2
    assert [m.rcpt_tos for m in smtp_server.messages] == [
        ["first@example.org"],
        ["second@example.org"],
    ]

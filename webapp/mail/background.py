"""Development delivery: send pending mail right after the request that queued it.

Enabled by MAIL_DELIVER_AFTER_REQUEST (`make run`). A single daemon thread per app does the
sending in its own application context, so a slow or dead mail server never delays or
breaks a response; production uses `flask mail worker` or `flask mail send-pending`.
"""

from __future__ import annotations

import threading

from flask import Flask, Response, g

from webapp.mail.delivery import send_pending

EXTENSION_KEY = "convene_mail_sender"


class BackgroundSender:
    """One thread that runs a delivery pass whenever it is woken."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Ask for a delivery pass soon; starts the thread on first use."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="convene-mail-sender", daemon=True
                )
                self._thread.start()
        self._idle.clear()
        self._wake.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no pass is pending or running (for tests and shutdown)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float | None = None) -> None:
        """Finish the current pass and end the thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                with self.app.app_context():
                    send_pending()
            except Exception:
                self.app.logger.exception("Mail: background delivery failed")
            finally:
                if not self._wake.is_set():
                    self._idle.set()
        self._idle.set()


def init_app(app: Flask) -> None:
    """Register the after-request trigger when MAIL_DELIVER_AFTER_REQUEST is on."""
    if not app.config.get("MAIL_DELIVER_AFTER_REQUEST"):
        return
    sender = BackgroundSender(app)
    app.extensions[EXTENSION_KEY] = sender

    @app.after_request
    def deliver_queued_mail(response: Response) -> Response:
        # Only wake the sender when this request queued mail (see messages._note_queued).
        if g.get("convene_mail_queued"):
            try:
                sender.wake()
            except Exception:  # a mail problem must never break the response
                app.logger.exception("Mail: could not start background delivery")
        return response


def stop_background_sender(app: Flask, timeout: float = 30) -> None:
    """Stop the app's development sender thread, if it has one."""
    sender = app.extensions.get(EXTENSION_KEY)
    if sender is not None:
        sender.stop(timeout)

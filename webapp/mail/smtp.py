"""SMTP through Flask-Mail: one connection per batch, the send itself, error triage.

Flask-Mail is the transport, through its documented API only: `mail.connect()` opens one
Connection per batch (it reads MAIL_SERVER, MAIL_PORT, MAIL_USE_SSL, MAIL_USE_TLS,
MAIL_USERNAME, MAIL_PASSWORD, MAIL_DEBUG and MAIL_SUPPRESS_SEND), and each message goes
with `Connection.send(message)`. The message is the one webapp.mail.mime built, carried by
PrebuiltMessage (below, with the one behaviour of Flask-Mail it relies on).

The envelope is ASCII: Connection.send passes the sender and every recipient through
flask_mail.sanitize_address, which leaves an ASCII address as it is but would rewrite a
non-ASCII one (an internationalised domain with IDNA 2003, `straße.de` as `strasse.de`, a
different domain), so it gets only addresses whose domain mime.py has already put in its
IDNA 2008 ASCII form, and no local part that is not ASCII (webapp.mail.addresses).

MAIL_TIMEOUT: Flask-Mail opens its SMTP connection without a socket timeout and has no
setting for one (pallets-eco/flask-mail issue 114), so a server that accepts and never
answers would block the sender for ever; a timeout could be passed to smtplib only through
Connection's internals (configure_host, host), which Convene does not use. Instead the
connection is set up under Python's documented `socket.setdefaulttimeout()`: smtplib,
called without a timeout, creates its socket with the default timeout, and a socket keeps
the timeout it was created with (STARTTLS's wrapped socket takes it over), so every read
and write of the batch, QUIT included, is bounded. The previous default is restored as
soon as the connection is set up, in a `finally`, and a lock keeps two senders of one
process from overlapping there (each would restore the other's value). Only sockets that
other threads of the process create during those moments of set-up share the timeout.
MAIL_MAX_EMAILS stays unset: Flask-Mail would reconnect inside send(), without it.
"""

from __future__ import annotations

import smtplib
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

import flask_mail
from flask import current_app

from webapp.extensions import mail
from webapp.mail.mime import Built

_DEFAULT_TIMEOUT_LOCK = threading.Lock()


class Failure(Exception):
    """A delivery attempt failed; `permanent` failures are not retried, and after one that
    `lost_connection` the connection cannot carry another message."""

    def __init__(self, text: str, *, permanent: bool, lost_connection: bool = False):
        super().__init__(text)
        self.permanent = permanent
        self.lost_connection = lost_connection


class PrebuiltMessage(flask_mail.Message):
    """A Flask-Mail message whose bytes are exactly the message mime.py built.

    It relies on one behaviour of Flask-Mail 0.10 that its documentation does not state:
    Connection.send(message) hands `message.as_bytes()` to smtplib's sendmail as the
    message data, unchanged, with the envelope from the documented `sender` and
    `recipients`. There is no documented alternative: a flask_mail.Message writes its own
    MIME from subject, bodies, alternatives and attachments, which cannot make the
    `text/calendar; charset=UTF-8; method=REQUEST` part inside multipart/alternative that
    calendar clients need, nor keep our Message-ID, Date and header encoding.
    tests/test_mail_transport.py sends through a real SMTP server and checks that it
    receives these very bytes and this envelope, so an upgrade that changes it fails there.
    """

    def __init__(self, built: Built) -> None:
        super().__init__(sender=built.envelope_sender, recipients=[built.envelope_recipient])
        self.prebuilt = built.as_bytes()

    def as_bytes(self) -> bytes:
        """The message as mime.py built it."""
        return self.prebuilt

    def as_string(self) -> str:
        """The same message as text (its 8bit parts are UTF-8)."""
        return self.prebuilt.decode("utf-8")


@contextmanager
def connection(timeout: float) -> Iterator[flask_mail.Connection]:
    """One open Flask-Mail connection for a batch, its socket with `timeout`; QUIT at the end.

    Raises what smtplib raised while connecting, greeting, starting TLS or logging in.
    """
    quit_at_end = ExitStack()
    with _DEFAULT_TIMEOUT_LOCK:
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(timeout)
        try:
            opened = quit_at_end.enter_context(mail.connect())
        finally:
            socket.setdefaulttimeout(previous)
    try:
        yield opened
    finally:
        # QUIT fails only on a broken connection, whose socket smtplib has closed already.
        with suppress(OSError):  # smtplib.SMTPException included
            quit_at_end.close()


def send(opened: flask_mail.Connection, built: Built) -> None:
    """Hand one message to the server (only to Flask-Mail's signal if sending is suppressed)."""
    opened.send(PrebuiltMessage(built))


def classify(exc: Exception) -> Failure:
    """Permanent for 5xx answers and unsendable messages; temporary for everything else."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return _answer(code, text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _answer(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, ValueError):  # UnicodeError included
        return Failure(f"Cannot send message: {describe(exc)}", permanent=True)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Failure(describe(exc), permanent=False, lost_connection=True)
    if not isinstance(exc, OSError):  # smtplib.SMTPException is an OSError
        current_app.logger.exception("Mail: unexpected error while sending")
    # A timeout or a reset leaves the conversation in an unknown state: not reused.
    return Failure(describe(exc), permanent=False, lost_connection=True)


def _answer(code: int, text: bytes | str) -> Failure:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    # 421: the server is closing the connection (RFC 5321 3.8).
    return Failure(f"{code} {text}".strip(), permanent=code >= 500, lost_connection=code == 421)


def describe(exc: BaseException) -> str:
    """The exception's type and text, for a row's last_error."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

"""SMTP: one connection per batch with a socket timeout, the send itself, error triage.

The connection is set up from Flask-Mail's documented settings (MAIL_SERVER, MAIL_PORT,
MAIL_USE_SSL, MAIL_USE_TLS, MAIL_USERNAME, MAIL_PASSWORD, MAIL_DEBUG, MAIL_SUPPRESS_SEND) as
Flask-Mail sets it up, but through smtplib's public API, because Flask-Mail 0.10's public
API (Mail.connect, Connection.send, Message) cannot carry what the outbox needs:

- it opens sockets without a timeout and offers no setting for one (pallets-eco/flask-mail
  issue 114), so a server that accepts and never answers would block the sender forever;
  smtplib.SMTP takes a timeout (MAIL_TIMEOUT) for every socket operation;
- Connection.send passes every envelope address through flask_mail.sanitize_address,
  whose formataddr raises UnicodeEncodeError for non-ASCII characters before the @, so it
  can never deliver with SMTPUTF8; smtplib.SMTP.send_message does (see send()).

Both could be mended only through Flask-Mail's undocumented internals (Connection.host,
Connection.configure_host), which Convene does not use.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping

from flask import current_app

from webapp.mail.mime import Built


class Failure(Exception):
    """A delivery attempt failed; `permanent` failures are not retried, and after one that
    `lost_connection` the connection cannot carry another message."""

    def __init__(self, text: str, *, permanent: bool, lost_connection: bool = False):
        super().__init__(text)
        self.permanent = permanent
        self.lost_connection = lost_connection


def connect(config: Mapping) -> smtplib.SMTP | None:
    """A connection to MAIL_SERVER, logged in if configured; None if sending is suppressed."""
    if config.get("MAIL_SUPPRESS_SEND"):
        return None
    factory = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    client = factory(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    try:
        client.set_debuglevel(int(config.get("MAIL_DEBUG", 0)))
        if config.get("MAIL_USE_TLS"):
            client.starttls()
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        client.close()
        raise
    return client


def send(client: smtplib.SMTP | None, built: Built) -> None:
    """Hand one message to the server (nothing when sending is suppressed).

    smtplib adds SMTPUTF8 (and BODY=8BITMIME) to MAIL FROM when an envelope address is not
    ASCII, and raises SMTPNotSupportedError before sending anything if the server does not
    offer it.
    """
    if client is not None:
        client.send_message(
            built.message, from_addr=built.envelope_sender, to_addrs=[built.envelope_recipient]
        )


def disconnect(client: smtplib.SMTP | None) -> None:
    """QUIT politely, or just drop a connection that is already broken."""
    if client is None:
        return
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def classify(exc: Exception) -> Failure:
    """Permanent for 5xx answers and unsendable messages; temporary for everything else."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return _answer(code, text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _answer(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Failure(
            "The mail server does not offer SMTPUTF8, which an address with non-ASCII "
            f"characters before the @ needs ({exc})",
            permanent=True,
        )
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

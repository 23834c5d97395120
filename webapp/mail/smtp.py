"""SMTP through Flask-Mail: a connection that times out, a prebuilt message, error triage."""

from __future__ import annotations

import smtplib

import flask_mail
from flask import current_app


class Failure(Exception):
    """A delivery attempt failed; `permanent` failures are not retried."""

    def __init__(self, text: str, *, permanent: bool):
        super().__init__(text)
        self.permanent = permanent


class TimeoutConnection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout: Flask-Mail opens sockets without one,
    so a server that accepts and never answers would block the sender forever."""

    def __init__(self, mail, timeout: float):
        super().__init__(mail)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        """Connect, STARTTLS and log in as Flask-Mail does, with every socket timing out."""
        mail = self.mail
        factory = smtplib.SMTP_SSL if mail.use_ssl else smtplib.SMTP
        host = factory(mail.server, mail.port, timeout=self.timeout)
        try:
            host.set_debuglevel(int(mail.debug))
            if mail.use_tls:
                host.starttls()
            if mail.username and mail.password:
                host.login(mail.username, mail.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:
        self.close()  # Flask-Mail's QUIT would raise on a connection that already broke

    def close(self) -> None:
        """QUIT politely, or just drop a connection that is already broken."""
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()
        self.host = None


class OutboxMail(flask_mail.Message):
    """A Flask-Mail message whose bytes are the prebuilt MIME of an outbox row."""

    def __init__(self, *, sender: str, recipient: str, subject: str, raw: bytes):
        super().__init__(subject=subject, recipients=[recipient], sender=sender)
        self.raw = raw

    def as_bytes(self) -> bytes:
        return self.raw


def classify(exc: Exception) -> Failure:
    """Permanent for 5xx answers and malformed messages; temporary for everything else."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return Failure(_response(code, text), permanent=code >= 500)
    if isinstance(exc, smtplib.SMTPResponseException):
        return Failure(_response(exc.smtp_code, exc.smtp_error), permanent=exc.smtp_code >= 500)
    if isinstance(exc, flask_mail.BadHeaderError | ValueError | UnicodeError):
        return Failure(f"Cannot send message: {describe(exc)}", permanent=True)
    if not isinstance(exc, smtplib.SMTPException | OSError):
        current_app.logger.exception("Mail: unexpected error while sending")
    return Failure(describe(exc), permanent=False)


def _response(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

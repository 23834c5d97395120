"""Flask-Mail is the transport: what the SMTP server receives is exactly what mime.py built.

webapp.mail.smtp.PrebuiltMessage relies on Flask-Mail's Connection.send handing
`message.as_bytes()` to the server unchanged, with the envelope from the message's sender
and recipients; these tests hold it to that through a real SMTP server, so a Flask-Mail
upgrade that changes it fails here. They also hold MAIL_TIMEOUT, which Flask-Mail has no
setting for, to its promise: it bounds the whole conversation and leaves Python's default
socket timeout as it was.
"""

from __future__ import annotations

import asyncio
import socket
import string
import threading
from collections.abc import Iterator

import flask_mail
import pytest
from aiosmtpd.controller import Controller
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ReceivedMail, free_port
from tests.mail_support import ICS, SCRIPTS, deliver, letter, outbox_rows, queue_row
from webapp.mail import mime, smtp
from webapp.mail.addresses import is_envelope_address
from webapp.mail.delivery import send_pending
from webapp.mail.models import OutboxStatus

# Lines that SMTP treats specially: a lone dot ends DATA unless the client doubles it.
AWKWARD_BODY = ".\n..leading dots\nFrom the start of a line\n" + "x" * 2000 + "\n"
# Every character an unquoted local part may have (RFC 5322 atext), and dots between.
ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~"


def _send_directly(app, built: mime.Built) -> None:
    with app.app_context(), smtp.connection(5) as connection:
        smtp.send(connection, built)


@pytest.mark.parametrize(
    "source",
    [
        letter(),
        letter(ics=ICS.format(method="CANCEL"), ics_method="CANCEL", reply_to=""),
        letter(ics=None, ics_method=None, text_body=AWKWARD_BODY, html_body=AWKWARD_BODY),
        letter(
            recipient_name=SCRIPTS["cjk"],
            subject=SCRIPTS["arabic"] + " " + SCRIPTS["emoji"],
            text_body=SCRIPTS["devanagari"] * 100,
        ),
    ],
    ids=["invitation", "cancellation", "awkward-lines", "every-script"],
)
def test_the_server_receives_exactly_the_bytes_mime_built(app, smtp_server, source):
    built = mime.build(source)

    _send_directly(app, built)

    (mail,) = smtp_server.messages
    assert mail.raw == built.as_bytes()
    assert (mail.mail_from, mail.rcpt_tos) == ("no-reply@convene.test", ["ana@example.org"])
    assert "SMTPUTF8" not in mail.mail_options  # which the server does not offer


@pytest.mark.parametrize(
    ("recipient", "envelope"),
    [
        ("ana@bücher.example", "ana@xn--bcher-kva.example"),
        ("ana@straße.de", "ana@xn--strae-oqa.de"),  # IDNA 2003 would say strasse.de
        (f"a{ATEXT_SPECIALS}z@example.org", f"a{ATEXT_SPECIALS}z@example.org"),
        (
            "first.m.last+tag@sub.xn--bcher-kva.example",
            "first.m.last+tag@sub.xn--bcher-kva.example",
        ),
        ("o'brien@" + "d" * 60 + ".example", "o'brien@" + "d" * 60 + ".example"),
    ],
)
def test_the_envelope_is_the_ascii_address_unchanged(app, smtp_server, recipient, envelope):
    built = mime.build(letter(recipient=recipient, sender="Convene <no-reply@bücher.example>"))

    _send_directly(app, built)

    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == [envelope] == [built.envelope_recipient]
    assert mail.mail_from == "no-reply@xn--bcher-kva.example" == built.envelope_sender
    assert mail.raw == built.as_bytes()


ATEXT = string.ascii_letters + string.digits + ATEXT_SPECIALS
dot_atoms = st.lists(st.text(ATEXT, min_size=1, max_size=12), min_size=1, max_size=4).map(".".join)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(local_part=dot_atoms, domain=dot_atoms)
def test_flask_mail_puts_every_address_mime_lets_through_into_the_envelope_as_it_is(
    local_part, domain
):
    address = f"{local_part}@{domain}"
    assert is_envelope_address(address)
    # What Connection.send does to the sender and each recipient before MAIL FROM / RCPT TO.
    assert flask_mail.sanitize_address(address) == address


def test_delivery_goes_through_flask_mail_one_message_per_row(app, smtp_server, monkeypatch):
    for index in range(3):
        queue_row(app, recipient=f"person{index}@example.org", text_body=AWKWARD_BODY)
    built: list[mime.Built] = []
    real_build = mime.build

    def build_and_keep(source, **options):
        built.append(real_build(source, **options))
        return built[-1]

    monkeypatch.setattr(mime, "build", build_and_keep)
    dispatched = []
    with flask_mail.email_dispatched.connected_to(lambda app, message: dispatched.append(message)):
        assert deliver(app).sent == 3

    assert [m.raw for m in smtp_server.messages] == [b.as_bytes() for b in built]
    assert [m.recipients for m in dispatched] == [[b.envelope_recipient] for b in built]
    assert len({m.peer for m in smtp_server.messages}) == 1  # one connection for the batch


# --- MAIL_TIMEOUT ------------------------------------------------------------------------


class _Hanging:
    """aiosmtpd handler: accepts the first message, then never answers DATA again."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.release = asyncio.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.messages:
            await self.release.wait()
        raw = envelope.original_content or envelope.content
        self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw))
        return "250 2.0.0 Message accepted"


@pytest.fixture
def hanging_server(app_config) -> Iterator[_Hanging]:
    """A real SMTP server that greets, accepts one message and then stops answering."""
    handler = _Hanging()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TIMEOUT=1)
    yield handler
    controller.loop.call_soon_threadsafe(handler.release.set)
    controller.stop()


def test_the_timeout_bounds_the_conversation_after_the_connection_is_set_up(
    hanging_server, app, make_event
):
    for index in range(4):
        queue_row(app, recipient=f"person{index}@example.org")

    report = deliver(app)

    assert (report.sent, report.retried, report.failed) == (1, 1, 0)
    first, second, *untried = outbox_rows(app)
    assert first.status == OutboxStatus.SENT
    assert second.status == OutboxStatus.RETRY and "timed out" in second.last_error
    assert [(row.status, row.attempts) for row in untried] == [(OutboxStatus.QUEUED, 0)] * 2
    assert socket.getdefaulttimeout() is None


@pytest.fixture
def silent_listener(app_config) -> Iterator[socket.socket]:
    """Accepts connections and never says a word (no SMTP greeting)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", free_port()))
        listener.listen(50)
        app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1])
        app_config["MAIL_TIMEOUT"] = 1
        yield listener


def test_the_default_socket_timeout_is_restored_after_a_failed_set_up(silent_listener, app):
    queue_row(app)
    socket.setdefaulttimeout(123.0)  # whatever the process had
    try:
        report = deliver(app)
        assert socket.getdefaulttimeout() == 123.0
    finally:
        socket.setdefaulttimeout(None)
    assert report.retried == 1
    assert "timed out" in outbox_rows(app)[0].last_error


def test_senders_in_threads_leave_the_default_socket_timeout_as_it_was(app, smtp_server):
    for index in range(30):
        queue_row(app, recipient=f"person{index}@example.org")
    start, sent = threading.Barrier(3), []

    def sender() -> None:
        with app.app_context():
            start.wait()
            sent.append(send_pending(batch_size=2).sent)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(sent) == 30
    assert socket.getdefaulttimeout() is None


@pytest.fixture
def login_configured(app_config):
    app_config.update(MAIL_USERNAME="convene", MAIL_PASSWORD="secret")


# Flask-Mail 0.10 does not close the SMTP connection when its set-up fails after the socket
# opened (here: the server offers no AUTH), and its Connection keeps no handle on it, so
# the socket is closed by the garbage collector, with a ResourceWarning.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_failed_login_is_a_temporary_failure_with_the_servers_words(
    login_configured, app, smtp_server
):
    queue_row(app)

    report = deliver(app)

    assert (report.sent, report.retried) == (0, 1)
    (row,) = outbox_rows(app)
    assert row.status == OutboxStatus.RETRY
    assert row.last_error == "SMTPNotSupportedError: SMTP AUTH extension not supported by server."
    assert smtp_server.messages == []

"""The message builder never fails on what Convene queues, and every message reads back as sent.

Every built message is parsed back with email.policy.default (display names with
email.header, see tests.mail_support.mailbox) and compared by meaning: headers decoded,
bodies equal, the calendar part's method and file; and no line is longer than SMTP's 998
octets. The builder needs no application: these tests run it directly.
"""

from __future__ import annotations

import email
import email.policy
import re

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mail_support import ICS, SCRIPTS, header_block, leaf_parts, letter, mailbox, part_of_type
from webapp.mail import mime
from webapp.mail.content import mailbox as mailbox_text
from webapp.mail.content import one_line

TRICKY = [
    'Ana "The Boss" O\'Neil',
    "Martín, Ana (Cluster), Inc.",
    "=?utf-8?q?Eve?=",
    "Eve =?utf-8?q?=0D=0ABcc:_victim@example.org?= x",
    'back\\slash \\\\ and \\"',
    "semi; colon: at@ <angle> [square]",
    "=? alone and ?= too",
]
PROPERTY = settings(
    max_examples=150,
    derandomize=True,  # the same examples on every run: a red build is reproducible
    database=None,
    deadline=None,  # never a timed assertion
    suppress_health_check=[HealthCheck.too_slow],
)


def _lines(text: str) -> str:
    """Text with every line ending as LF, and no final line ending."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


def read_back(built: mime.Built, source: mime.Letter) -> email.message.EmailMessage:
    """Parse the built message and check that it says what `source` says; returns it."""
    raw = built.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= mime.MAX_LINE_OCTETS
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends with CRLF"
    header_block(raw).decode("ascii")  # no message needs SMTPUTF8
    assert (built.envelope_sender + built.envelope_recipient).isascii()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert not [name for name in message if name.lower() in ("bcc", "cc")]

    assert str(message["Subject"]) == source.subject
    assert mailbox(raw, "To") == (source.recipient_name, built.envelope_recipient)
    assert message["Message-ID"] == source.message_id
    assert message["Date"].datetime == source.created_at
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert (_lines(text), _lines(html)) == (_lines(source.text_body), _lines(source.html_body))
    if source.ics:
        calendar = part_of_type(message, "text/calendar")
        assert calendar.get_param("method") == source.ics_method
        assert calendar.get_payload(decode=True) == source.ics.encode("utf-8")
    return message


# --- structure ---------------------------------------------------------------------------


def test_an_invitation_has_the_layout_calendar_clients_recognise():
    source = letter()
    built = mime.build(source)
    message = read_back(built, source)

    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_payload(decode=True) == source.ics.encode("utf-8")
    # The one verbatim header: some calendar clients match the unquoted method literally.
    assert b"\r\nContent-Type: text/calendar; charset=UTF-8; method=REQUEST\r\n" in built.as_bytes()
    parsed = icalendar.Calendar.from_ical(
        part_of_type(message, "text/calendar").get_payload(decode=True)
    )
    assert parsed["METHOD"] == "REQUEST"
    assert str(parsed.walk("VEVENT")[0]["SUMMARY"]) == "Webinar – Zoë"
    assert (message["Auto-Submitted"], message["X-Auto-Response-Suppress"]) == (
        "auto-generated",
        "All",
    )
    assert mailbox(built.as_bytes(), "Reply-To") == (
        "Cluster Policy Platform",
        "events@cluster.example",
    )


def test_a_cancellation_carries_method_cancel():
    source = letter(ics=ICS.format(method="CANCEL"), ics_method="CANCEL")
    built = mime.build(source, attach_ics=False)
    message = read_back(built, source)
    assert b"\r\nContent-Type: text/calendar; charset=UTF-8; method=CANCEL\r\n" in built.as_bytes()
    assert [p.get_content_type() for p in leaf_parts(message)] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]


def test_without_a_calendar_the_message_is_just_the_alternative():
    source = letter(ics=None, ics_method=None, reply_to="")
    message = read_back(mime.build(source), source)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Reply-To"] is None


# --- every field at its limits -------------------------------------------------------------


def _at_limit(text: str, length: int) -> str:
    return one_line((text + " ") * (length // len(text) + 1), length)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_every_field_at_its_limits_in_every_script(script):
    words = SCRIPTS[script]
    unbroken = words.replace(" ", "") * 200  # one line of several thousand octets
    source = letter(
        sender=mailbox_text(_at_limit(words, 200), "no-reply@convene.test"),
        recipient_name=_at_limit(words, 200),
        reply_to=mailbox_text(_at_limit(words, 200), "events@cluster.example"),
        subject=_at_limit(words, 300),
        text_body=f"{words}\n{unbroken}\n\n{words}\n",
        html_body=f'<p dir="auto">{words}</p>\n<p>{unbroken}</p>\n',
    )
    built = mime.build(source)
    read_back(built, source)
    raw = built.as_bytes()
    assert mailbox(raw, "From") == (_at_limit(words, 200), "no-reply@convene.test")
    assert mailbox(raw, "Reply-To") == (_at_limit(words, 200), "events@cluster.example")


def test_empty_bodies_and_subject():
    source = letter(text_body="", html_body="", subject="", recipient_name="")
    read_back(mime.build(source), source)


@pytest.mark.parametrize("name", TRICKY)
def test_punctuation_and_encoded_word_lookalikes_in_every_header_field(name):
    source = letter(
        sender=mailbox_text(name, "no-reply@convene.test"),
        recipient_name=name,
        reply_to=mailbox_text(name, "events@cluster.example"),
        subject=name,
    )
    built = mime.build(source)
    read_back(built, source)
    raw = built.as_bytes()
    assert mailbox(raw, "From") == (name, "no-reply@convene.test")
    assert mailbox(raw, "Reply-To") == (name, "events@cluster.example")


def test_an_encoded_line_break_cannot_add_a_header():
    source = letter(
        subject="Launch =?utf-8?q?x=0D=0ABcc:_victim@example.org?=",
        recipient_name="=?utf-8?q?Eve=0D=0ACc:_other@example.org?=",
    )
    built = mime.build(source)
    message = read_back(built, source)
    assert re.search(rb"\r\n(Bcc|Cc):", header_block(built.as_bytes())) is None
    assert message["Bcc"] is None and message["Cc"] is None


# --- property: whatever Convene queues builds, and reads back the same ---------------------

header_texts = st.text(st.characters(codec="utf-8"), max_size=300)
body_texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=3000)


@PROPERTY
@given(
    name=header_texts,
    reply_name=header_texts,
    subject=header_texts,
    text=body_texts,
    html=body_texts,
)
def test_any_queued_text_builds_and_reads_back(name, reply_name, subject, text, html):
    name, reply_name = one_line(name), one_line(reply_name)
    source = letter(
        recipient_name=name,
        reply_to=mailbox_text(reply_name, "events@cluster.example"),
        subject=one_line(subject, 300),
        text_body=text,
        html_body=html,
    )
    built = mime.build(source)
    read_back(built, source)
    assert mailbox(built.as_bytes(), "Reply-To") == (reply_name, "events@cluster.example")


@PROPERTY
@given(name=header_texts, subject=header_texts, text=body_texts)
def test_any_queued_text_to_an_internationalised_domain_builds_and_reads_back(name, subject, text):
    source = letter(
        recipient="asa.lindqvist@exämple.se",
        recipient_name=one_line(name),
        subject=one_line(subject, 300),
        text_body=text,
    )
    built = mime.build(source)
    assert built.envelope_recipient == "asa.lindqvist@xn--exmple-cua.se"
    read_back(built, source)


# --- addresses ---------------------------------------------------------------------------


def test_internationalised_domains_take_their_idna_2008_form():
    for address, ascii_form in [
        ("ana@bücher.example", "ana@xn--bcher-kva.example"),
        ("ana@straße.de", "ana@xn--strae-oqa.de"),  # IDNA 2003 would say strasse.de
    ]:
        source = letter(recipient=address)
        built = mime.build(source)
        assert built.envelope_recipient == ascii_form
        read_back(built, source)
    built = mime.build(letter(sender="Convene <no-reply@bücher.example>"))
    assert built.envelope_sender == "no-reply@xn--bcher-kva.example"
    assert mailbox(built.as_bytes(), "From") == ("Convene", "no-reply@xn--bcher-kva.example")


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"recipient": "Åsa.Lindqvist@example.se"}, "Åsa.Lindqvist@example.se"),
        ({"recipient": "åsa@bücher.example"}, "åsa@bücher.example"),
        ({"sender": "Convène <événements@convene.test>"}, "événements@convene.test"),
    ],
)
def test_a_non_ascii_local_part_is_refused_naming_the_address(values, named):
    with pytest.raises(mime.BuildError) as refused:
        mime.build(letter(**values))
    assert str(refused.value) == (
        f"{named} has non-ASCII characters before the @, which only the SMTPUTF8 mail "
        "extension can carry; Convene does not send such messages"
    )


def test_a_reply_to_with_a_non_ascii_local_part_is_left_out_never_the_message():
    source = letter(reply_to="Åsa Lindqvist <åsa@example.se>")
    message = read_back(mime.build(source), source)
    assert message["Reply-To"] is None
    idn = letter(reply_to="Bokhandel <info@bücher.example>")
    assert mailbox(mime.build(idn).as_bytes(), "Reply-To") == (
        "Bokhandel",
        "info@xn--bcher-kva.example",
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            {"subject": "Hello\r\nBcc: victim@example.org"},
            "line break or control character in a header value",
        ),
        ({"recipient_name": "Eve\nX"}, "line break or control character in a header value"),
        (
            {"sender": "Convene\n <no-reply@convene.test>"},
            "line break or control character in a header value",
        ),
        ({"recipient": "not-an-address"}, "not an email address"),
        ({"recipient": "Eve <eve@example.org>"}, "not an email address"),
        ({"recipient": "ana@example.org, eve@example.org"}, "not an email address"),
        ({"recipient": "ana example@example.org"}, "not an email address"),
        ({"recipient": '"ana"@example.org'}, "not an email address"),
        ({"recipient": "ana(x)@example.org"}, "not an email address"),
        ({"recipient": "ana..b@example.org"}, "not an email address"),
        ({"recipient": "ana@exä mple.org"}, "cannot send to"),
        (
            {"reply_to": "Eve <eve@example.org>\nBcc: x@example.org"},
            "line break or control character in a header",
        ),
        ({"ics_method": "REQUEST; x=y"}, "not an iTIP method"),
    ],
)
def test_a_message_that_cannot_be_built_says_why(values, reason):
    with pytest.raises(mime.BuildError, match=reason):
        mime.build(letter(**values))

"""Helpers for the data-subject request tests: ask for the link, read it from the mail."""

from __future__ import annotations

import re

from tests.conftest import TEST_CONFIG
from tests.mail_support import deliver
from tests.registration_support import issued_stamp

LINK = re.compile(r"https://convene\.test(/(?:[a-z]{2}/)?privacy/requests/[A-Za-z0-9_.\-]+)")


def ask(client, email: str, prefix: str = "", **overrides):
    """POST the data request form as a person would (CSRF off)."""
    data = {"email": email, "leave_blank": "", "issued": issued_stamp()}
    data.update(overrides)
    return client.post(f"{prefix}/privacy/request", data=data)


def mailed_link(app, smtp_server, address: str) -> str:
    """Deliver the outbox and return the path of the request link mailed to `address`."""
    deliver(app)
    for mail in reversed(smtp_server.messages):
        if address.lower() in [rcpt.lower() for rcpt in mail.rcpt_tos]:
            body = mail.message.get_body(("plain",)).get_content()
            match = LINK.search(body)
            if match:
                return match.group(1)
    raise AssertionError(f"no request link mailed to {address}")


SECRET = TEST_CONFIG["SECRET_KEY"]

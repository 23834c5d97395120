"""In Chromium on a phone: a person asks for their data, opens the emailed link, erases it."""

from __future__ import annotations

import json
import re
import uuid

from tests.browser.a11y import PHONE_WIDTH, assert_accessible, assert_no_sideways_scroll
from tests.browser.people import fill_registration, unique_email
from tests.browser.pw import expect

LINK = re.compile(r"https?://[^/\s]+(/privacy/requests/[A-Za-z0-9_.\-]+)")


def _register(page, slug: str, email: str) -> None:
    page.goto(f"/events/{slug}/register")
    fill_registration(page, "Zoë", "Lefèvre-Ødegård", email)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()


def _mailed_link(live_server, email: str) -> str:
    live_server.deliver_mail()
    # The link goes to the address as typed (here in capitals), which matches case-insensitively.
    mails = [m for m in live_server.smtp.messages if email in [r.lower() for r in m.rcpt_tos]]
    for mail in reversed(mails):
        match = LINK.search(mail.message.get_body(("plain",)).get_content())
        if match:
            return match.group(1)
    raise AssertionError(f"no data request link mailed to {email}")


def test_a_person_downloads_then_erases_their_data_on_a_phone(live_server, new_context):
    tag = uuid.uuid4().hex[:6]
    event = live_server.make_event(title=f"Blue Economy Forum {tag}", capacity=1)
    email = unique_email("zoe")
    phone = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True)
    page = phone.new_page()
    _register(page, event.slug, email)

    page.goto("/privacy")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="ask for a link to your data").click()
    expect(page.get_by_role("heading", name="Your data", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email address").fill(email.upper())
    page.get_by_role("button", name="Email me the link").click()
    expect(page.locator(".notice-ok")).to_contain_text("If we hold data for this address")

    page.goto(_mailed_link(live_server, email))
    expect(page.get_by_role("cell", name=f"Blue Economy Forum {tag}")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["registrations"][0]["last_name"] == "Lefèvre-Ødegård"

    page.get_by_role("link", name="Erase all my data").click()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, erase all my data").click()
    expect(page.locator(".flash")).to_contain_text("We erased 1 registration")
    expect(page.locator(".nothing-held")).to_be_visible()
    assert_accessible(page)
    assert live_server.registrations(event) == {}

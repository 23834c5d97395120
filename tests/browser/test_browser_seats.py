"""A person confirms a held place from the email, then moves online at a hybrid event:
CSRF on, by the labels they read, every page accessible."""

from __future__ import annotations

import re
import uuid

from tests.browser.a11y import assert_accessible
from tests.browser.people import fill_registration, unique_email
from tests.browser.pw import expect
from webapp.events.models import EventFormat, EventKind


def test_confirm_the_address_from_the_email_then_move_online(live_server, new_context):
    tag = uuid.uuid4().hex[:6]
    event = live_server.make_event(
        title=f"Held hybrid summit {tag}",
        kind=EventKind.SUMMIT,
        format=EventFormat.HYBRID,
        venue_name="Egmont Palace",
        city="Brussels",
        capacity=5,
        online_capacity=5,
        requires_email_confirmation=True,
        hold_minutes=30,
    )
    email = unique_email("held")
    page = new_context().new_page()
    page.goto(f"/events/{event.slug}/register")
    fill_registration(page, "Maëlle", "N'Diaye", email)
    page.get_by_label("In person").check()
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".confirm-needed")).to_contain_text("30 minutes")
    assert_accessible(page)

    live_server.deliver_mail()
    (mail,) = live_server.mail_to(email)
    assert mail.message["Subject"].startswith("Confirm your email address")
    page.set_content(mail.message.get_body(("html",)).get_content())
    assert_accessible(page)  # the email itself
    page.get_by_role("link", name="Confirm my email address").click()

    expect(page).to_have_url(re.compile(r"/r/[\w-]{20,}/confirm$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    assert_accessible(page)
    assert live_server.outbox(event) == [
        ("confirm_email", email, "sent")
    ]  # opening changed nothing
    page.get_by_role("button", name="Confirm my email address").click()

    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")
    expect(page.locator(".status-confirmed")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Attend online instead").click()
    expect(page.get_by_role("status")).to_contain_text("You now attend online.")
    expect(page.get_by_role("button", name="Attend in person instead")).to_be_visible()
    assert_accessible(page)
    kinds = [kind for kind, _, _ in live_server.outbox(event)]
    assert kinds == ["confirm_email", "confirmed", "mode_changed"]

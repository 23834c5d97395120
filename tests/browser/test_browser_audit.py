"""In Chromium, an admin reads what was done: the event's log from its page, the whole audit
log filtered by event and action, and its CSV download; each page passes axe-core and fits
a phone."""

from __future__ import annotations

import csv
import io

from tests.browser.a11y import (
    PHONE_WIDTH,
    assert_accessible,
    assert_labelled_inputs,
    assert_no_sideways_scroll,
)
from tests.browser.people import PASSWORD, sign_in, unique_email
from tests.browser.pw import Page, expect
from webapp.events.models import EventStatus


def _create_admin(live_server, email: str) -> None:
    result = live_server.app.test_cli_runner().invoke(
        args=["organiser", "create", email, "--admin", "--name", "Aud Itor"],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output


def _rows(page: Page) -> list[str]:
    return page.locator("table.audit-log tbody .audit-action").all_inner_texts()


def test_an_admin_follows_an_action_into_the_logs(live_server, new_context, tmp_path):
    email = unique_email("auditor")
    _create_admin(live_server, email)
    event = live_server.make_event(title="Audited webinar", status=EventStatus.DRAFT)
    live_server.give_event(event, email)
    page = new_context().new_page()
    sign_in(page, email)

    page.goto(f"/organiser/events/{event.id}")
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("link", name="Log", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log")
    assert _rows(page) == ["Event published"]
    expect(page.locator("table.audit-log")).to_contain_text("Aud Itor")
    assert_accessible(page)

    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Event number").fill(str(event.id))
    page.get_by_label("Action").select_option(label="All event actions")
    page.get_by_role("button", name="Filter").click()
    assert _rows(page) == ["Event published"]
    assert_labelled_inputs(page)
    assert_accessible(page)

    page.get_by_label("From").fill("2027-02-10")
    page.get_by_label("Until").fill("2027-02-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#error-summary")).to_contain_text("The end date comes before")
    assert_accessible(page)
    page.go_back()

    with page.expect_download() as info:
        page.get_by_role("link", name="Download as CSV").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert [(r["action"], r["event_id"], r["actor"]) for r in rows] == [
        ("event.published", str(event.id), email)
    ]

    phone = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True).new_page()
    sign_in(phone, email)
    for path in ("/organiser/audit", f"/organiser/events/{event.id}/log"):
        phone.goto(path)
        assert_no_sideways_scroll(phone)

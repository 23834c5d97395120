"""In Chromium: the API's interactive docs from our own files under their CSP, and an
organiser making a token that then reads their events."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.browser.a11y import assert_accessible
from tests.browser.people import create_organiser, sign_in, unique_email
from tests.browser.pw import expect


def test_docs_render_every_operation_from_our_own_files(live_server, page):
    violations, foreign, errors = [], [], []
    # Failed loads are judged by their responses below (the browser's own /favicon.ico is
    # not ours to serve).
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and errors.append(m.text)
        ),
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and not r.url.endswith("/favicon.ico")
            and errors.append(f"{r.status} {r.url}")
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda r: (
            urlsplit(r.url).netloc != urlsplit(live_server.url).netloc
            and not r.url.startswith("data:")
            and foreign.append(r.url)
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => (window.__violations = window.__violations || []).push(e.violatedDirective))"
    )
    page.goto("/api/v1/docs")
    for path in (
        "/api/v1/events",
        "/api/v1/events/{slug}",
        "/api/v1/organiser/events/{event_id}/registrations",
    ):
        expect(page.get_by_text(path, exact=True).first).to_be_visible()
    violations = page.evaluate("() => window.__violations || []")
    assert violations == []
    assert foreign == []
    assert errors == []


def test_an_organiser_creates_a_token_that_reads_their_events(live_server, page):
    email = unique_email("api")
    create_organiser(live_server, email)
    event = live_server.make_event(title="API summit")
    live_server.give_event(event, email)
    sign_in(page, email)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    page.get_by_label("Name").fill("Our CRM")
    page.get_by_label("Events it may read").select_option(label="API summit")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("cvn_")
    assert_accessible(page)
    answer = httpx.get(
        f"{live_server.url}/api/v1/organiser/events",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert [item["title"] for item in answer.json()["items"]] == ["API summit"]
    page.get_by_role("button", name="Revoke token Our CRM").click()
    expect(page.get_by_text("The token is revoked")).to_be_visible()
    again = httpx.get(
        f"{live_server.url}/api/v1/organiser/events",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert again.status_code == 401

"""In Chromium, an organiser turns on two-step sign-in by scanning a QR code, then signs in
with a code and, another time, with a recovery code."""

from __future__ import annotations

import time

import pyotp

from tests.browser.a11y import assert_accessible, assert_labelled_inputs
from tests.browser.people import PASSWORD, create_organiser, sign_in, unique_email
from tests.browser.pw import Page, expect


def _password_step(page: Page, email: str) -> None:
    page.goto("/organiser/events")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organiser sign-in")


def test_enrol_with_the_qr_code_and_sign_in_with_codes(page: Page, live_server):
    email = unique_email("tove")
    create_organiser(live_server, email)
    sign_in(page, email)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    page.get_by_role("button", name="Set up two-step sign-in").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    # The QR code is drawn (the page's Content-Security-Policy lets the data: image load).
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_labelled_inputs(page)
    assert_accessible(page)
    totp = pyotp.TOTP(page.locator(".totp-secret").inner_text())
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as text").click()
    saved = download.value.path().read_text(encoding="utf-8")
    assert all(code in saved for code in codes)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.locator(".two-factor-state")).to_contain_text("10 unused recovery codes")
    _sign_out(page)

    _password_step(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    assert_accessible(page)
    # The enrolment code's time step is used up: the app's next code is accepted early.
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        totp.at(time.time() + 30)
    )
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My events")
    _sign_out(page)

    _password_step(page, email)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My events")

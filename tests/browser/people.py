"""What people do in the browser, by the labels they read: shared by the journeys."""

from __future__ import annotations

import re
import uuid

from tests.browser.a11y import assert_accessible, assert_labelled_inputs
from tests.browser.pw import Page, expect


def unique_email(name: str) -> str:
    """An address no other test uses (the live server's database is shared)."""
    return f"{name}.{uuid.uuid4().hex[:6]}@example.org"


def fill_registration(
    page: Page, first: str, last: str, email: str, *, country: str = "Belgium"
) -> None:
    """Fill the registration form the way a person does, by the visible labels."""
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Organisation").fill("Flanders Make")
    page.get_by_label("Country").select_option(label=country)
    page.get_by_label("I agree").check()


PASSWORD = "a long organiser passphrase"


def create_organiser(live_server, email: str) -> None:
    """`flask organiser create EMAIL --name ...`, with the password on stdin."""
    result = live_server.app.test_cli_runner().invoke(
        args=["organiser", "create", email, "--name", "Lena Organiser"], input=f"{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output


def sign_in(page: Page, email: str, *, check_accessibility: bool = False) -> None:
    """Open an organiser page signed out, land on the sign-in form, and sign in."""
    page.goto("/organiser/events")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organiser sign-in")
    if check_accessibility:
        assert_labelled_inputs(page)
        assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("My events|All events"))

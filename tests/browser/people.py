"""What people do in the browser, by the labels they read: shared by the journeys."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page


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

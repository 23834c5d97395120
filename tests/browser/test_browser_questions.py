"""In Chromium: an organiser asks two questions, one shown only after an answer to the other;
an attendee answers them on a phone; the organiser sees the answers and downloads them."""

from __future__ import annotations

import csv
import io
import re
import uuid

from tests.browser.a11y import PHONE_WIDTH, assert_accessible, assert_no_sideways_scroll
from tests.browser.people import create_organiser, fill_registration, sign_in, unique_email
from tests.browser.pw import Page, expect
from webapp.events.models import EventFormat, EventKind


def _add_questions(page: Page) -> None:
    page.get_by_role("link", name="Registration questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registration questions")
    assert_accessible(page)
    page.get_by_label("Question", exact=True).fill("Dinner?")
    page.get_by_label("Type of answer").select_option(label="Checkbox (yes or no)")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_role("status")).to_contain_text("The question is added")
    page.get_by_label("Question", exact=True).fill("Your diet")
    page.get_by_label("Type of answer").select_option(label="Short text")
    page.get_by_label("An answer is required").check()
    page.get_by_label("Show this question").select_option(
        label="Only if “Dinner?” is answered “Yes”"
    )
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_role("status")).to_contain_text("The question is added")
    expect(page.locator(".questions-editor li")).to_have_count(2)


def _answer_on_a_phone(page: Page, slug: str, email: str) -> None:
    page.goto(f"/events/{slug}/register")
    diet = page.get_by_label("Your diet")
    expect(diet).to_be_hidden()  # shown only once dinner is ticked
    fill_registration(page, "Maja", "Lindqvist", email, country="Sweden")
    page.get_by_label("Dinner?").check()
    expect(diet).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    # Registering without the now required diet: the error sits beside it and in the summary.
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#error-summary")).to_contain_text("Your diet: Answer this question.")
    expect(page.get_by_label("Your diet")).to_be_visible()
    page.get_by_label("Your diet").fill("Vegetarian, no nuts")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")


def _correct_on_the_manage_page(page: Page, path: str) -> None:
    page.goto(path)
    answers = page.locator(".your-answers")
    expect(answers.locator("dl")).to_contain_text("Vegetarian, no nuts")
    page.get_by_text("Change your answers").click()
    page.get_by_label("Your diet").fill("Vegetarian")
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("status")).to_contain_text("Your answers are saved.")
    expect(answers.locator("dl")).to_contain_text("Vegetarian")
    expect(answers.locator("dl")).not_to_contain_text("no nuts")
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_organiser_asks_conditional_questions_attendee_answers_on_a_phone_organiser_exports(
    live_server, new_context, tmp_path
):
    tag = uuid.uuid4().hex[:6]
    organiser_email, attendee_email = unique_email("ines"), unique_email("maja")
    slug = f"regions-summit-{tag}"
    event = live_server.make_event(
        slug=slug,
        title=f"Regions summit {tag}",
        kind=EventKind.SUMMIT,
        format=EventFormat.IN_PERSON,
        city="Lund",
        online_url="",
    )
    create_organiser(live_server, organiser_email)
    live_server.give_event(event, organiser_email)
    organiser = new_context().new_page()
    sign_in(organiser, organiser_email)
    organiser.goto(f"/organiser/events/{event.id}")
    _add_questions(organiser)

    phone = new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True)
    attendee = phone.new_page()
    _answer_on_a_phone(attendee, slug, attendee_email)
    _correct_on_the_manage_page(attendee, live_server.manage_path(event, attendee_email))

    organiser.goto(f"/organiser/events/{event.id}/attendees")
    expect(organiser.locator(".answer-counts")).to_contain_text("Yes: 1")
    organiser.get_by_label("Your diet").check()
    organiser.get_by_role("button", name="Show", exact=True).click()
    table = organiser.get_by_role("region", name="Attendees")
    row = table.get_by_role("row", name=re.compile("Maja Lindqvist"))
    expect(row).to_contain_text("Vegetarian")
    assert_accessible(organiser)

    with organiser.expect_download() as info:
        organiser.get_by_role("link", name="CSV", exact=True).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert [(r["Email"], r["Dinner?"], r["Your diet"]) for r in rows] == [
        (attendee_email, "Yes", "Vegetarian")
    ]

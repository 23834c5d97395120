"""The organiser area in every language: `/da/organiser/...` is Danish through and through.

Each page is rendered in Danish, Swedish and German and checked for its `lang`, its words
from the catalogue, localised dates and numbers, and that no English sentence of the
organiser area is left on it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ORGANISER_EMAIL, local
from tests.organiser_support import make_organiser
from webapp import PROJECT_ROOT
from webapp.registration.models import RegistrationStatus

LANGUAGES = ("da", "sv", "de")
# Words of each language the pages must show (from its catalogue and the glossary).
WORDS = {
    "da": {
        "sign_in": "Log ind som arrangør",
        "bad_password": "E-mailadressen eller adgangskoden er forkert. Prøv igen.",
        "events": "Mine arrangementer",
        "create": "Opret et arrangement",
        "title_missing": "Angiv en titel.",
        "translation_title_missing": "Angiv en titel på dette sprog",
        "attendees": "Deltagere",
        "seats_left": "ledige pladser",
        "language": "Sprog",
        "published": "Offentliggjort",
        "capacity": "Angiv mindst 1 plads",
        "chart": "4 tilmeldinger mellem",
        "counts": "3 bekræftede af 50, 1 på venteliste",
    },
    "sv": {
        "sign_in": "Inloggning för arrangörer",
        "bad_password": "E-postadressen eller lösenordet stämmer inte. Försök igen.",
        "events": "Mina evenemang",
        "create": "Skapa ett evenemang",
        "title_missing": "Ange en titel.",
        "translation_title_missing": "Ange en titel på det här språket",
        "attendees": "Deltagare",
        "seats_left": "lediga platser",
        "language": "Språk",
        "published": "Publicerat",
        "capacity": "Ange minst 1 plats",
        "chart": "4 anmälningar mellan",
        "counts": "3 bekräftade av 50, 1 på väntelistan",
    },
    "de": {
        "sign_in": "Anmeldung für Veranstalter·innen",
        "bad_password": "E-Mail-Adresse oder Passwort stimmen nicht. Bitte versuchen Sie es erneut.",
        "events": "Meine Veranstaltungen",
        "create": "Veranstaltung anlegen",
        "title_missing": "Geben Sie einen Titel ein.",
        "translation_title_missing": "Geben Sie einen Titel in dieser Sprache ein",
        "attendees": "Teilnehmende",
        "seats_left": "freie Plätze",
        "language": "Sprache",
        "published": "Veröffentlicht",
        "capacity": "Geben Sie mindestens 1 Platz ein",
        "chart": "4 Anmeldungen zwischen",
        "counts": "3 von 50 bestätigt, 1 auf der Warteliste",
    },
}
# The webinar of the tests, Sunday 28 February 2027, 18:00–19:30 in Brussels, as each
# language writes it (Babel's CLDR data; the Danish form is the one the glossary shows).
WHEN = {
    "da": "søn. 28. feb. 2027 kl. 18.00–19.30 CET",
    "sv": "sön 28 feb. 2027 kl. 18:00–19:30 CET",
    "de": "So., 28. Feb. 2027, 18:00–19:30 CET",
}


class _VisibleText(HTMLParser):
    """The text a reader sees: no scripts, styles, zone list or country names (which
    come from pycountry, not from the organiser area's catalogue)."""

    HIDDEN = ("script", "style", "datalist", "svg")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0
        self.in_country = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag in self.HIDDEN:
            self.hidden += 1
        if tag == "select" and names.get("name") == "country":
            self.in_country = True

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden -= 1
        if tag == "select":
            self.in_country = False

    def handle_data(self, data):
        if not self.hidden and not self.in_country:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _english_sentences(language: str) -> set[str]:
    """The organiser catalogue's English messages of two words or more, without
    placeholders, that the language translates differently: none may stay on a page."""
    path = PROJECT_ROOT / "webapp" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as po:
        catalogue = read_po(po, locale=language)
    sentences = set()
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or "%" in message.id:
            continue
        if " " in message.id and message.string != message.id and "<" not in message.id:
            sentences.add(message.id)
    return sentences


# Single English words of the organiser pages that their translations never use.
ENGLISH_WORDS = (
    "Attendees",
    "Registrations",
    "confirmed",
    "waiting",
    "Save",
    "Edit",
    "Duplicate",
    "Publish",
    "Title",
    "Summary",
    "Description",
    "Seats",
    "Where",
    "When",
    "Search",
    "Everyone",
    "Password",
)


def assert_no_english(html: str, language: str) -> None:
    text = visible_text(html)
    left = sorted(s for s in _english_sentences(language) if s in text)
    left += [w for w in ENGLISH_WORDS if re.search(rf"\b{w}\b", text)]
    assert not left, f"English left on a {language} page: {left}"


def assert_language(html: str, language: str) -> None:
    assert re.search(rf'<html[^>]* lang="{language}"', html), html[:300]


@pytest.fixture
def webinar(event_with_attendees):
    """A published webinar with 50 seats on Sunday 28 February 2027 in Brussels, with
    registrants who registered in Danish, Swedish and English."""
    event, _ = event_with_attendees(
        [
            {"first_name": "Mette", "language": "da"},
            {"first_name": "Sven", "language": "sv"},
            {"first_name": "Ann", "language": "en"},
            {"first_name": "Uwe", "language": "de", "status": RegistrationStatus.WAITLISTED},
        ],
        title="Smart Regions webinar",
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
        capacity=50,
    )
    return event


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_in_page_and_its_wrong_password_error(app, client, language):
    make_organiser(app, ORGANISER_EMAIL)
    page = client.get(f"/{language}/organiser/sign-in")
    assert page.status_code == 200
    assert_language(page.text, language)
    assert WORDS[language]["sign_in"] in page.text
    assert_no_english(page.text, language)

    wrong = client.post(
        f"/{language}/organiser/sign-in",
        data={"email": ORGANISER_EMAIL, "password": "not the password"},
    )
    assert wrong.status_code == 422
    assert_language(wrong.text, language)
    assert WORDS[language]["bad_password"] in wrong.text
    assert "is not right" not in wrong.text
    assert_no_english(wrong.text, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_signing_in_from_a_language_stays_in_it(app, client, language):
    make_organiser(app, ORGANISER_EMAIL)
    response = client.post(
        f"/{language}/organiser/sign-in", data={"email": ORGANISER_EMAIL, "password": ""}
    )
    assert response.status_code == 422  # an empty password: the form's own message
    assert "Enter your password." not in response.text
    signed_in = client.post(
        f"/{language}/organiser/sign-in",
        data={"email": ORGANISER_EMAIL, "password": "correct horse battery staple"},
    )
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == f"/{language}/organiser/events"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_event_list_with_localised_dates_and_counts(client, webinar, language):
    page = client.get(f"/{language}/organiser/events")
    assert page.status_code == 200
    assert_language(page.text, language)
    words = WORDS[language]
    assert f"<h1>{words['events']}</h1>" in page.text
    assert words["create"] in page.text and words["published"] in page.text
    assert WHEN[language] in page.text
    assert words["counts"] in visible_text(page.text)
    assert_no_english(page.text, language)
    # Links stay in the language.
    assert f'href="/{language}/organiser/events/{webinar.id}"' in page.text


def test_the_english_event_list_is_unchanged(client, webinar):
    page = client.get("/organiser/events")
    assert_language(page.text, "en")
    assert "Sun 28 Feb 2027, 18:00–19:30 CET" in page.text
    assert "3 confirmed of 50, 1 waiting" in visible_text(page.text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_event_page_in_every_language(client, webinar, language):
    page = client.get(f"/{language}/organiser/events/{webinar.id}")
    assert page.status_code == 200
    assert_language(page.text, language)
    assert WHEN[language] in page.text
    assert_no_english(page.text, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_event_form_with_errors_in_every_language(app, client, signed_in_organiser, language):
    form = client.get(f"/{language}/organiser/events/new")
    assert form.status_code == 200
    assert_language(form.text, language)
    assert_no_english(form.text, language)
    # The main language defaults to the site's; a fieldset for every other one.
    assert re.search(r'<option selected value="en">English</option>', form.text)
    assert {"title_da", "title_sv", "title_de"} <= set(re.findall(r'name="(title_\w+)"', form.text))
    response = client.post(
        f"/{language}/organiser/events/new",
        data={
            "title": "",
            "kind": "webinar",
            "format": "online",
            "language": "en",
            "summary_sv": "En sammanfattning utan titel.",
            "start_date": "2027-02-28",
            "start_time": "18:00",
            "end_date": "2027-02-28",
            "end_time": "19:30",
            "timezone": "Europe/Brussels",
            "online_url": "https://meet.example.org/room",
            "capacity": "0",
            "save": "Save",
        },
    )
    assert response.status_code == 422
    assert_language(response.text, language)
    words = WORDS[language]
    assert words["title_missing"] in response.text
    assert words["translation_title_missing"] in response.text
    assert words["capacity"] in response.text
    assert 'aria-invalid="true"' in response.text
    assert_no_english(response.text, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_attendee_list_names_each_registrants_language(client, webinar, language):
    page = client.get(f"/{language}/organiser/events/{webinar.id}/attendees")
    assert page.status_code == 200
    assert_language(page.text, language)
    words = WORDS[language]
    assert f'<th scope="col">{words["language"]}</th>' in page.text
    assert f"<strong>47</strong> {words['seats_left']}" in page.text
    table = page.text.split('<table class="attendees">', 1)[1]
    cells = dict(
        re.findall(
            r"<tr>\s*<td>(\w+)[^<]*</td>.*?<td class=\"registration-language\" "
            r"lang=\"\w+\">([^<]+)</td>",
            table,
            re.S,
        )
    )
    assert cells == {"Mette": "dansk", "Sven": "svenska", "Ann": "English", "Uwe": "Deutsch"}
    # The chart's words are in the page's language too.
    assert words["attendees"] in page.text and words["chart"] in page.text
    assert_no_english(page.text, language)


def test_the_english_attendee_list_has_the_language_column(client, webinar):
    page = client.get(f"/organiser/events/{webinar.id}/attendees")
    assert '<th scope="col">Language</th>' in page.text
    assert '<td class="registration-language" lang="da">dansk</td>' in page.text
    assert "4 registrations match." in page.text


def test_counts_use_the_languages_digit_grouping(client, event_with_attendees):
    event, _ = event_with_attendees([{} for _ in range(1234)], capacity=5000)
    assert "<strong>1.234</strong> bekræftede" in client.get(
        f"/da/organiser/events/{event.id}/attendees"
    ).get_data(as_text=True)
    assert "<strong>1,234</strong> confirmed" in client.get(
        f"/organiser/events/{event.id}/attendees"
    ).get_data(as_text=True)

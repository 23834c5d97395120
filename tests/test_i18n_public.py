"""The public pages, the registration and the error pages in every language.

Each page is fetched under `/`, `/da/`, `/sv/` and `/de/`: it says its language (`<html
lang>`, Content-Language), carries no English words in the other languages, shows dates
the way its readers write them, links its versions in the other languages (absolute
hreflang alternates, a switcher that keeps the page and its query string), and shows an
event's own words in the reader's language where the organiser gave them.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from tests.cache_support import LAYERS, visitor
from tests.conftest import local
from tests.i18n_support import LANGUAGES, WINTER_WEBINAR_TIME
from tests.registration_support import form_data, register
from webapp import errors, i18n
from webapp.db import now_utc
from webapp.events.models import EventTranslation
from webapp.extensions import db
from webapp.forms import Form
from webapp.registration.models import Registration

TRANSLATED = ("da", "sv", "de")
PREFIX = {"en": "", "da": "/da", "sv": "/sv", "de": "/de"}
BASE_URL = "https://convene.test"  # TEST_CONFIG's CONVENE_BASE_URL

TITLES = {
    "en": "Smart specialisation webinar",
    "da": "Webinar om smart specialisering",
    "sv": "Webbinarium om smart specialisering",
    "de": "Webinar zur intelligenten Spezialisierung",
}
SUMMARIES = {
    "da": "En onlinesession om smart specialisering.",
    "sv": "En session online om smart specialisering.",
    "de": "Eine Online-Sitzung zur intelligenten Spezialisierung.",
}
# Words of Convene's English pages that must not be left on a Danish, Swedish or German
# one (words those languages share, such as "Online", "Webinar" or "Name", are left out).
ENGLISH_WORDS = re.compile(
    r"\b(Register|Registration|registration|Upcoming|upcoming|Past|past|When|Where|Seats|"
    r"seats|Privacy|privacy|Cancel|cancel|Cancelled|Your|your|Please|please|Thank|Email|"
    r"email|Search|Previous|Next|Event|event|events|waiting|the|Country|required|Check|Back|"
    r"Skip|Add|calendar|Calendar|Subscribe|Download|Organiser|organiser|Attending|Yes|keep|"
    r"found|Page|page|Language|language|Save|First|Last|address|Role|Sorry|Something|"
    r"Method|allowed|with|you|Bad|request|Too|many)\b"
)
# The date and time of the events below, as each language writes them.
WINTER = WINTER_WEBINAR_TIME
SUMMER = {
    "en": "Sun 13 Jun 2027, 18:00–19:30 CEST",
    "da": "søn. 13. jun. 2027 kl. 18.00–19.30 CEST",
    "sv": "sön 13 juni 2027 kl. 18:00–19:30 CEST",
    "de": "So., 13. Juni 2027, 18:00–19:30 CEST",
}


SUMMARIES_EN = "An online session on smart specialisation."  # conftest.build_event's


def translations(*languages: str) -> list[EventTranslation]:
    return [
        EventTranslation(
            language=lang, title=TITLES[lang], summary=SUMMARIES[lang], description=SUMMARIES[lang]
        )
        for lang in languages
    ]


def visible_text(page: str) -> str:
    """What a reader sees or hears: text, and the attributes read out; no scripts, no
    country list (names of places, tested on their own)."""
    page = re.sub(r"<script.*?</script>|<select.*?</select>", " ", page, flags=re.S)
    attributes = re.findall(r'\b(?:alt|title|placeholder|aria-label|content)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    read = [value for value in attributes if not value.startswith(("http://", "https://"))]
    return html.unescape(" ".join([text, *read]))


def english_words(page: str) -> list[str]:
    return ENGLISH_WORDS.findall(visible_text(page))


@pytest.fixture
def event(make_event):
    """A webinar on 28 February 2027 at 18:00 in Copenhagen, in all four languages."""
    return make_event(
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
        timezone="Europe/Copenhagen",
        capacity=1200,
        translations=translations(*TRANSLATED),
    )


@pytest.fixture
def pages(app, client, event, make_event):
    """Every public page of one language: (name, method, path, data, status)."""
    started = (now_utc() - timedelta(days=3)).replace(tzinfo=None, microsecond=0)
    over = make_event(
        start_local=started,
        end_local=started + timedelta(hours=2),
        translations=translations(*TRANSLATED),
    )
    later = make_event(
        registration_opens_at=now_utc() + timedelta(days=2),
        translations=translations(*TRANSLATED),
    )
    _, token, _ = register(app, event.id, "eva@example.org")
    slug = event.slug
    return [
        ("listing", "GET", "/", None, 200),
        ("listing with a search", "GET", "/?q=smart&kind=webinar", None, 200),
        ("past events", "GET", "/events/past", None, 200),
        ("event", "GET", f"/events/{slug}", None, 200),
        ("privacy notice", "GET", "/privacy", None, 200),
        ("registration form", "GET", f"/events/{slug}/register", None, 200),
        (
            "form with errors",
            "POST",
            f"/events/{slug}/register",
            form_data(first_name="", email="not-an-address", country="XX", consent=None),
            422,
        ),
        ("registered", "POST", f"/events/{slug}/register", form_data(), 303),
        ("registered page", "GET", f"/events/{slug}/registered", None, 200),
        ("manage", "GET", f"/r/{token}", None, 200),
        ("cancel", "GET", f"/r/{token}/cancel", None, 200),
        ("not open yet", "GET", f"/events/{later.slug}/register", None, 200),
        ("event over", "GET", f"/events/{over.slug}/register", None, 200),
        ("past event", "GET", f"/events/{over.slug}", None, 200),
        ("page not found", "GET", "/events/no-such-event", None, 404),
        ("method not allowed", "POST", "/privacy", None, 405),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_speaks_the_language_of_its_url(app, client, pages, language):
    for name, method, path, data, status in pages:
        url = PREFIX[language] + path
        response = client.open(url, method=method, data=data)
        assert response.status_code == status, name
        if status == 303:
            continue
        page = response.text
        assert f'<html lang="{language}">' in page, name
        assert response.headers["Content-Language"] == language, name
        if language != "en":
            assert english_words(page) == [], name
        for other in LANGUAGES:
            alternate = BASE_URL + PREFIX[other] + path
            assert f'hreflang="{other}" href="{html.escape(alternate)}"' in page, name
        assert f'hreflang="x-default" href="{html.escape(BASE_URL + path)}"' in page, name


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_event_page_shows_the_time_as_its_readers_write_it(client, event, make_event, language):
    summer = make_event(
        start_local=local("2027-06-13 18:00"),
        end_local=local("2027-06-13 19:30"),
        timezone="Europe/Copenhagen",
    )
    assert WINTER[language] in client.get(f"{PREFIX[language]}/events/{event.slug}").text
    assert SUMMER[language] in client.get(f"{PREFIX[language]}/events/{summer.slug}").text
    listing = client.get(f"{PREFIX[language]}/").text
    assert WINTER[language] in listing and SUMMER[language] in listing


def test_the_switcher_keeps_the_page_and_its_query_string(client, event):
    page = client.get("/sv/?q=smart&kind=webinar").text
    switcher = page.split('class="language-switcher"', 1)[1].split("</nav>", 1)[0]
    links = dict(re.findall(r'href="([^"]+)" hreflang="(\w+)"', switcher))
    assert {code: html.unescape(url) for url, code in links.items()} == {
        "en": "/?q=smart&kind=webinar",
        "da": "/da/?q=smart&kind=webinar",
        "sv": "/sv/?q=smart&kind=webinar",
        "de": "/de/?q=smart&kind=webinar",
    }
    assert re.search(r'hreflang="sv" lang="sv"\s+aria-current="true"', switcher)


@pytest.mark.parametrize("language", TRANSLATED)
def test_an_event_is_shown_in_the_readers_language_with_its_own_lang(client, event, language):
    page = client.get(f"{PREFIX[language]}/events/{event.slug}").text
    # In the page's language: the page's own lang covers it.
    assert f"<h1>{TITLES[language]}</h1>" in page
    assert f"<title>{TITLES[language]} · Convene</title>" in page
    assert f'<p class="lead">{SUMMARIES[language]}</p>' in page
    assert TITLES["en"] not in page
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["name"] == TITLES[language] and data["inLanguage"] == language
    assert data["url"] == f"{BASE_URL}/{language}/events/{event.slug}"
    listing = client.get(f"{PREFIX[language]}/").text
    assert '<h2 class="event-title"><a' in listing
    assert TITLES[language] in listing and SUMMARIES[language] in listing
    form = client.get(f"{PREFIX[language]}/events/{event.slug}/register").text
    assert re.search(f"<h1>[^<]+{TITLES[language]}</h1>", form)


def test_an_event_without_a_translation_falls_back_to_its_main_language(client, make_event):
    event = make_event(translations=translations("da"))
    swedish = client.get(f"/sv/events/{event.slug}").text
    assert '<html lang="sv">' in swedish
    assert f'<h1 lang="en">{TITLES["en"]}</h1>' in swedish
    danish = client.get(f"/da/events/{event.slug}").text
    assert f"<h1>{TITLES['da']}</h1>" in danish
    listing = client.get("/de/").text
    assert f'<h2 class="event-title" lang="en"><a href="/de/events/{event.slug}">' in listing
    assert f'<p class="event-summary" lang="en">{html.escape(SUMMARIES_EN)}</p>' in listing
    form = client.get(f"/sv/events/{event.slug}/register").text
    assert f'<span lang="en">{TITLES["en"]}</span></h1>' in form
    assert f'<dd lang="en"><a href="/sv/events/{event.slug}">' in form
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', swedish, re.S).group(1))
    assert data["inLanguage"] == "en" and data["name"] == TITLES["en"]


def test_the_pages_after_registering_show_the_event_in_the_readers_language(app, client, event):
    response = client.post(f"/de/events/{event.slug}/register", data=form_data())
    assert response.status_code == 303 and response.headers["Location"].startswith("/de/")
    registered = client.get(response.headers["Location"]).text
    assert f"<strong>{TITLES['de']}</strong>" in registered
    assert "<strong>ana@example.org</strong>" in registered
    _, token, _ = register(app, event.id, "otto@example.org")
    for path in (f"/de/r/{token}", f"/de/r/{token}/cancel"):
        page = client.get(path).text
        assert f'<dd><a href="/de/events/{event.slug}">{TITLES["de"]}</a></dd>' in page


def test_numbers_follow_the_language(client, event):
    assert "1,200 of 1,200" in client.get(f"/events/{event.slug}").text
    assert "1.200 af 1.200" in client.get(f"/da/events/{event.slug}").text
    assert "1.200 von 1.200" in client.get(f"/de/events/{event.slug}").text
    assert "1\xa0200 av 1\xa0200" in client.get(f"/sv/events/{event.slug}").text


def test_a_registration_stores_the_language_of_its_page(app, client, event):
    client.post(f"/sv/events/{event.slug}/register", data=form_data(email="sven@example.org"))
    client.post(f"/events/{event.slug}/register", data=form_data(email="emma@example.org"))
    with app.app_context():
        rows = db.session.execute(db.select(Registration.email, Registration.language))
        languages = {email: language for email, language in rows}
    assert languages == {"sven@example.org": "sv", "emma@example.org": "en"}


# -- Countries ------------------------------------------------------------------------------


def _country_options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select[^>]*name="country".*?</select>', page, re.S).group(0)
    return [(v, html.unescape(n)) for v, n in re.findall(r'value="(\w*)"[^>]*>([^<]*)<', select)]


def test_the_country_list_is_in_the_readers_language_and_order(client, event):
    danish = _country_options(client.get(f"/da/events/{event.slug}/register").text)
    assert danish[0] == ("", "Vælg dit land")
    names = [name for _, name in danish[1:]]
    assert names[-3:] == ["Ækvatorialguinea", "Østrig", "Åland"]
    assert names.index("Zimbabwe") < names.index("Østrig")
    assert ("AT", "Østrig") in danish and ("DE", "Tyskland") in danish
    swedish = [
        name for _, name in _country_options(client.get(f"/sv/events/{event.slug}/register").text)
    ]
    assert swedish.index("Zimbabwe") < swedish.index("Åland") < swedish.index("Österrike")
    german = [
        name for _, name in _country_options(client.get(f"/de/events/{event.slug}/register").text)
    ]
    # German sorts Ä as A: Ägypten among the A's, Österreich among the O's.
    assert german.index("Afghanistan") < german.index("Ägypten") < german.index("Albanien")
    assert german.index("Oman") < german.index("Österreich") < german.index("Pakistan")
    english = _country_options(client.get(f"/events/{event.slug}/register").text)
    assert ("AT", "Austria") in english


def test_a_country_chosen_in_danish_is_stored_as_its_iso_code(app, client, event):
    response = client.post(
        f"/da/events/{event.slug}/register", data=form_data(email="k@example.org", country="AT")
    )
    assert response.status_code == 303
    with app.app_context():
        country = db.session.scalar(db.select(Registration.country))
    assert country == "AT"
    _, token, _ = register(app, event.id, "l@example.org", country="AT")
    for language, name in (("en", "Austria"), ("da", "Østrig"), ("sv", "Österrike")):
        page = client.get(f"{PREFIX[language]}/r/{token}").text
        assert f'<dd class="country">{name}</dd>' in page


# -- Forms: our messages and WTForms' own -----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        ("en", ["Enter your first name.", "Enter a valid email address.", "Please correct these"]),
        ("da", ["Skriv dit fornavn.", "Skriv en gyldig e-mailadresse.", "Ret venligst disse 4"]),
        ("sv", ["Skriv ditt förnamn.", "Skriv en giltig e-postadress.", "Rätta de här 4"]),
        ("de", ["Bitte geben Sie Ihren Vornamen ein.", "Bitte geben Sie eine gültige E-Mail"]),
    ],
)
def test_the_form_comes_back_with_its_errors_in_the_readers_language(
    client, event, language, messages
):
    response = client.post(
        f"{PREFIX[language]}/events/{event.slug}/register",
        data=form_data(first_name="", email="not-an-address", country="XX", consent=None),
    )
    assert response.status_code == 422
    for message in messages:
        assert message in response.text
    assert response.text.count('class="error-message"') == 4


def test_the_reason_email_validator_gives_is_shown_on_english_pages_only(client, event):
    data = form_data(email="two@@example.org")
    english = client.post(f"/events/{event.slug}/register", data=data).text
    assert re.search(r"Enter a valid email address\. \w", english)
    danish = client.post(f"/da/events/{event.slug}/register", data=data).text
    assert "Skriv en gyldig e-mailadresse.</p>" in danish


class Sample(Form):
    """A form with WTForms' own messages: no message of ours on its validators."""

    name = StringField("Name", validators=[DataRequired()])
    code = StringField("Code", validators=[Length(min=3, max=5)])
    word = StringField("Word", validators=[Optional(), Length(min=2)])
    kind = SelectField("Kind", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["This field is required.", "Field must be between 3 and 5 characters long.",
                "Field must be at least 2 characters long.", "Not a valid choice."]),
        ("da", ["Dette felt skal udfyldes.", "Feltet skal være mellem 3 og 5 tegn langt.",
                "Feltet skal være mindst 2 tegn langt.", "Ikke et gyldigt valg."]),
        ("sv", ["Det här fältet måste fyllas i.", "Fältet måste vara mellan 3 och 5 tecken långt.",
                "Fältet måste vara minst 2 tecken långt.", "Inte ett giltigt val."]),
        ("de", ["Dieses Feld ist ein Pflichtfeld.", "Das Feld muss zwischen 3 und 5 Zeichen lang sein.",
                "Das Feld muss mindestens 2 Zeichen lang sein.", "Keine gültige Auswahl."]),
    ],
)  # fmt: skip
def test_wtforms_own_messages_come_from_our_catalogue(app, client, language, expected):
    def sample():
        form = Sample()
        form.validate()
        return [form.errors[name][0] for name in ("name", "code", "word", "kind")]

    app.add_url_rule("/_sample", "sample", sample, methods=["POST"])
    answer = client.post(
        f"{PREFIX[language]}/_sample", data={"code": "x", "word": "y", "kind": "z"}
    )
    assert answer.json == expected


def test_wtforms_messages_follow_a_language_forced_for_a_message(app):
    # Outside the page's language too: i18n.language() (an email to a registrant) decides.
    for language, required in (("sv", "Det här fältet måste fyllas i."), ("en", "This field")):
        with app.test_request_context("/da/", method="POST", data={}), i18n.language(language):
            form = Sample(meta={"csrf": False})
            assert not form.validate()
            assert form.name.errors[0].startswith(required)


@pytest.fixture
def csrf_on(app_config):
    app_config.update(WTF_CSRF_ENABLED=True)
    return app_config


@pytest.mark.parametrize(
    ("language", "title", "reason"),
    [
        ("en", "Bad request", "The CSRF token is missing."),
        ("da", "Ugyldig forespørgsel", "Formularens sikkerhedsnøgle mangler."),
        ("sv", "Felaktig begäran", "Formulärets säkerhetstoken saknas."),
        ("de", "Ungültige Anfrage", "Das Sicherheitstoken des Formulars fehlt."),
    ],
)
def test_a_form_without_its_csrf_token_is_refused_in_the_readers_language(
    csrf_on, client, event, language, title, reason
):
    response = client.post(f"{PREFIX[language]}/events/{event.slug}/register", data=form_data())
    assert response.status_code == 400
    assert f"<h1>{title}</h1>" in response.text and reason in response.text
    assert f'<html lang="{language}">' in response.text
    if language != "en":
        assert english_words(response.text) == []


# -- Error pages ------------------------------------------------------------------------------


ERROR_TITLES = {
    "da": {400: "Ugyldig forespørgsel", 404: "Siden blev ikke fundet", 405: "Metoden er ikke tilladt",
           413: "Forespørgslen er for stor", 429: "For mange forespørgsler", 500: "Noget gik galt"},
    "sv": {400: "Felaktig begäran", 404: "Sidan hittades inte", 405: "Metoden är inte tillåten",
           413: "Begäran är för stor", 429: "För många förfrågningar", 500: "Något gick fel"},
    "de": {400: "Ungültige Anfrage", 404: "Seite nicht gefunden", 405: "Methode nicht erlaubt",
           413: "Anfrage zu groß", 429: "Zu viele Anfragen", 500: "Etwas ist schiefgelaufen"},
}  # fmt: skip


@pytest.mark.parametrize("language", TRANSLATED)
def test_error_pages_under_a_language_prefix_are_in_that_language(app, client, event, language):
    app.config.update(PROPAGATE_EXCEPTIONS=False, MAX_CONTENT_LENGTH=1000)

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/_broken", "broken", broken)
    prefix = PREFIX[language]
    answers = {
        400: client.get(f"{prefix}/?q=%00"),
        404: client.get(f"{prefix}/events/no-such-event"),
        405: client.delete(f"{prefix}/events/{event.slug}"),
        413: client.post(f"{prefix}/events/{event.slug}/register", data={"x": "y" * 5000}),
        500: client.get(f"{prefix}/_broken"),
    }
    for code, response in answers.items():
        assert response.status_code == code
        assert f"<h1>{ERROR_TITLES[language][code]}</h1>" in response.text, code
        assert f'<html lang="{language}">' in response.text, code
        assert response.headers["Content-Language"] == language
        assert english_words(response.text) == [], code


@pytest.mark.parametrize("code", [400, 403, 404, 405, 409, 413, 422, 429, 500, 503])
def test_every_error_page_has_a_title_and_message_in_every_language(app, code):
    seen = set()
    for language in LANGUAGES:
        with app.test_request_context("/"), i18n.language(language):
            page = errors.render_error(code).get_data(as_text=True)
        title = re.search(r"<h1>(.*?)</h1>", page).group(1)
        message = re.search(r"</h1>\s*<p>(.*?)</p>", page, re.S).group(1)
        assert title and message
        seen.add((title, message))
        if language != "en":
            assert english_words(page) == [], (language, code)
    assert len(seen) == len(LANGUAGES)  # each language its own words


def test_the_english_prefix_redirects_to_the_unprefixed_page(client, event):
    response = client.get(f"/en/events/{event.slug}?x=1")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/events/{event.slug}?x=1"


# -- Caches ------------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
def test_caches_keep_each_language_apart(app, event, layer):
    guest = visitor(app, layer)
    for first, second in (("/da", ""), ("", "/da"), ("/de", "/sv")):
        for _ in range(2):  # the second round is answered from the cache
            for prefix in (first, second):
                language = prefix.strip("/") or "en"
                for path in ("/", f"/events/{event.slug}"):
                    response = guest.get(prefix + path)
                    assert f'<html lang="{language}">' in response.text
                    assert response.headers["Content-Language"] == language
                    assert TITLES[language] in response.text


# -- Rate limits -------------------------------------------------------------------------------


@pytest.fixture
def limits(app_config):
    app_config.update(RATELIMIT_ENABLED=True)
    return app_config


def test_registrations_under_every_prefix_share_one_budget(limits, app, event):
    app.config["REGISTRATION_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    statuses = [
        client.post(
            f"{prefix}/events/{event.slug}/register", data=form_data(email=f"p{n}@office.example")
        ).status_code
        for n, prefix in enumerate(("", "/da", "/sv", "/de", ""))
    ]
    assert statuses == [303, 303, 303, 429, 429]
    refused = client.post(f"/de/events/{event.slug}/register", data=form_data(email="x@o.example"))
    assert "<h1>Zu viele Anfragen</h1>" in refused.text


# -- The manage page and the language of emails ----------------------------------------------


def _language_of(app, registration_id: int) -> str:
    with app.app_context():
        return db.session.get(Registration, registration_id).language


def test_the_manage_page_is_in_the_language_of_its_url(app, client, event):
    _, token, _ = register(app, event.id, language="da")
    for language in LANGUAGES:
        page = client.get(f"{PREFIX[language]}/r/{token}").text
        assert f'<html lang="{language}">' in page
        assert 'class="language-switcher"' in page
        assert f'href="{PREFIX["sv"]}/r/{token}" hreflang="sv"' in page
    swedish = client.get(f"/sv/r/{token}").text
    assert '<dd class="email-language">danska</dd>' in swedish
    assert re.search(r'<option lang="da" selected value="da">dansk</option>', swedish)


def test_the_language_of_future_emails_can_be_changed_on_the_manage_page(app, client, event):
    registration_id, token, _ = register(app, event.id, language="en")
    response = client.post(f"/de/r/{token}/language", data={"language": "sv"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/de/r/{token}"
    assert _language_of(app, registration_id) == "sv"
    page = client.get(response.headers["Location"]).text
    assert "Ab jetzt schreiben wir Ihnen auf Schwedisch." in page
    assert '<dd class="email-language">Schwedisch</dd>' in page
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("value", ["xx", "", "EN", "en-GB"])
def test_a_language_the_site_does_not_offer_is_refused_with_a_clear_message(
    app, client, event, value
):
    registration_id, token, _ = register(app, event.id, language="da")
    response = client.post(f"/da/r/{token}/language", data={"language": value})
    assert response.status_code == 422
    message = re.search(r'class="error-message"[^>]*>([^<]*)<', response.text).group(1)
    assert message in ("Vælg et af sprogene på listen.", "Vælg et sprog.")
    assert _language_of(app, registration_id) == "da"


def test_an_unknown_token_cannot_change_a_language(client):
    assert client.post("/da/r/not-a-token/language", data={"language": "sv"}).status_code == 404


def test_the_language_form_needs_its_csrf_token(csrf_on, app, client, event):
    registration_id, token, _ = register(app, event.id, language="da")
    refused = client.post(f"/sv/r/{token}/language", data={"language": "de"})
    assert refused.status_code == 400 and "Felaktig begäran" in refused.text
    page = client.get(f"/sv/r/{token}").text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post(f"/sv/r/{token}/language", data={"language": "de", "csrf_token": csrf})
    assert accepted.status_code == 303
    assert _language_of(app, registration_id) == "de"


def test_the_language_form_shares_the_manage_pages_rate_limit(limits, app, event):
    app.config["MANAGE_RATE_LIMIT"] = "3 per minute"
    _, token, _ = register(app, event.id)
    client = app.test_client()
    statuses = [client.get(f"/r/{token}").status_code]
    statuses += [
        client.post(f"{prefix}/r/{token}/language", data={"language": "de"}).status_code
        for prefix in ("/da", "/sv", "")
    ]
    assert statuses == [200, 303, 303, 429]

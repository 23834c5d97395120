"""The language prefix of URLs, and dates and numbers in each language (webapp/i18n.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from webapp import i18n, timezones

BRUSSELS = "Europe/Brussels"
WINTER_START = datetime(2027, 2, 28, 17, 0, tzinfo=UTC)  # 18:00 CET
WINTER_END = datetime(2027, 2, 28, 18, 30, tzinfo=UTC)
SUMMER_START = datetime(2027, 5, 8, 7, 0, tzinfo=UTC)  # 09:00 CEST
SUMMER_END = datetime(2027, 5, 8, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "winter", "summer"),
    [
        ("en", "Sun 28 Feb 2027, 18:00–19:30 CET", "Sat 8 May 2027, 09:00–17:00 CEST"),
        ("da", "søn. 28. feb. 2027 kl. 18.00–19.30 CET", "lør. 8. maj 2027 kl. 09.00–17.00 CEST"),
        ("sv", "sön 28 feb. 2027 kl. 18:00–19:30 CET", "lör 8 maj 2027 kl. 09:00–17:00 CEST"),
        ("de", "So., 28. Feb. 2027, 18:00–19:30 CET", "Sa., 8. Mai 2027, 09:00–17:00 CEST"),
    ],
)
def test_a_day_range_in_each_language_keeps_the_zone_abbreviation(app, language, winter, summer):
    with app.app_context():
        assert timezones.format_range(WINTER_START, WINTER_END, BRUSSELS, language) == winter
        assert timezones.format_range(SUMMER_START, SUMMER_END, BRUSSELS, language) == summer


def test_a_range_across_the_autumn_switch_names_both_abbreviations(app):
    # The last Sunday of October 2027 is the 31st: from 01:30 CEST to 03:30 CET.
    start = datetime(2027, 10, 30, 23, 30, tzinfo=UTC)
    end = datetime(2027, 10, 31, 2, 30, tzinfo=UTC)
    with app.app_context():
        assert (
            timezones.format_range(start, end, BRUSSELS, "da")
            == "søn. 31. okt. 2027 kl. 01.30 CEST–03.30 CET"
        )
        assert (
            timezones.format_range(start, end, BRUSSELS, "en")
            == "Sun 31 Oct 2027, 01:30 CEST–03:30 CET"
        )


@pytest.mark.parametrize(
    ("language", "same_month", "across_years"),
    [
        ("en", "23–25 Nov 2027", "30 Dec 2027 – 2 Jan 2028"),
        ("da", "23.–25. nov. 2027", "30. dec. 2027 – 2. jan. 2028"),
        ("sv", "23–25 nov. 2027", "30 dec. 2027 – 2 jan. 2028"),
        ("de", "23.–25. Nov. 2027", "30. Dez. 2027 – 2. Jan. 2028"),
    ],
)
def test_date_spans_in_each_language(app, language, same_month, across_years):
    with app.app_context():
        assert timezones.format_date_span(date(2027, 11, 23), date(2027, 11, 25), language) == (
            same_month
        )
        assert timezones.format_date_span(date(2027, 12, 30), date(2028, 1, 2), language) == (
            across_years
        )


def test_a_multi_day_events_hours_are_a_translated_sentence(app):
    start = datetime(2027, 11, 23, 8, 0, tzinfo=UTC)
    end = datetime(2027, 11, 25, 15, 0, tzinfo=UTC)
    with app.app_context():
        danish = timezones.format_time_span(start, end, BRUSSELS, "da")
        german = timezones.format_time_span(start, end, BRUSSELS, "de")
        english = timezones.format_time_span(start, end, BRUSSELS, "en")
    assert danish == "Starter tirs. 23. nov. kl. 09.00 CET; slutter tors. 25. nov. kl. 16.00 CET"
    assert german.startswith("Beginnt Di. 23. Nov., 09:00 CET; endet Do. 25. Nov., 16:00 CET")
    assert english == "Starts Tue 23 Nov, 09:00 CET; ends Thu 25 Nov, 16:00 CET"


def test_numbers_use_each_languages_separators(app):
    with app.app_context():
        assert i18n.localised_number(1234, "en") == "1,234"
        assert i18n.localised_number(1234, "da") == "1.234"
        assert i18n.localised_number(1234, "de") == "1.234"
        assert i18n.localised_number(1234, "sv") == "1\xa0234"


def test_language_names_are_written_in_their_own_language(app):
    with app.app_context():
        assert [name for _, name in i18n.language_choices()] == [
            "English",
            "dansk",
            "svenska",
            "Deutsch",
        ]


def test_an_unknown_language_falls_back_to_the_default(app):
    with app.app_context(), i18n.language("fi"):
        assert i18n.current_language() == "en"


# -- The language prefix of URLs ----------------------------------------------------------


def _html_lang(response) -> str:
    text = response.get_data(as_text=True)
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("language", ["da", "sv", "de"])
def test_a_prefixed_url_serves_its_language_and_links_stay_in_it(client, language):
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    assert _html_lang(response) == language
    assert f'href="/{language}/past"' in response.get_data(as_text=True) or (
        f'href="/{language}/events/past"' in response.get_data(as_text=True)
    )


def test_the_default_language_has_no_prefix(client):
    response = client.get("/en/?kind=webinar")
    assert response.status_code == 301
    assert response.headers["Location"] == "/?kind=webinar"
    assert _html_lang(client.get("/")) == "en"


def test_a_word_that_only_starts_like_a_language_is_no_prefix(client):
    assert client.get("/dax").status_code == 404
    assert client.get("/daa/").status_code == 404


def test_the_prefix_keeps_a_mount_point(app):
    environ_seen = {}

    def inner(environ, start_response):
        environ_seen.update(environ)
        start_response("204 No Content", [])
        return []

    layer = i18n.LanguagePrefix(inner, ("en", "da"), "en")
    layer({"SCRIPT_NAME": "/convene", "PATH_INFO": "/da/events/x"}, lambda *a: None)
    assert environ_seen["SCRIPT_NAME"] == "/convene/da"
    assert environ_seen["PATH_INFO"] == "/events/x"
    assert environ_seen[i18n.ENVIRON_KEY] == "da"

    answered = {}
    layer(
        {"SCRIPT_NAME": "/convene", "PATH_INFO": "/en/events/x", "QUERY_STRING": ""},
        lambda status, headers: answered.update(status=status, headers=dict(headers)),
    )
    assert answered["status"].startswith("301")
    assert answered["headers"]["Location"] == "/convene/events/x"


def test_the_switcher_keeps_the_page_and_its_query(client):
    text = client.get("/da/?kind=webinar").get_data(as_text=True)
    assert '/sv/?kind=webinar"' in text
    assert '/?kind=webinar" hreflang="en"' in text
    assert 'hreflang="de"' in text

"""Catalogue search: five fields, any case and accent in any script, every word must match."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.test_events_catalogue import _titles, _wall
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, search_text_for
from webapp.extensions import db
from webapp.search import MAX_WORDS, fold, search_words


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("malmo", "Malmö"),
        ("MALMÖ", "Malmö"),
        ("Malmö", "Malmo"),
        ("oresund", "Øresund"),
        ("øresund", "Øresund"),
        ("Öresund", "Øresund"),
        ("strasse", "Straße"),
        ("STRASSE", "straße"),
        ("zurich", "Zürich"),
        ("ZÜRICH", "Zürich"),
        ("aero", "Ærø"),
        ("lodz", "Łódź"),
        ("dakovo", "Đakovo"),
        ("kobenhavn", "København"),
        ("reykjavik", "Reykjavík"),
        ("thorshofn", "Þórshöfn"),
        ("istanbul", "İstanbul"),
        ("αθηνα", "ΑΘΗΝΑ"),
        ("Αθήνα", "αθηνα"),
        ("οδος", "ΟΔΟΣ"),  # final sigma
        ("οδός", "Οδος"),
        ("москва", "МОСКВА"),
        ("ёлка", "ЁЛКА"),
        ("finance", "ﬁnance"),  # a ligature from a PDF
        ("o'brien", "O’Brien"),
    ],
)
def test_folding_makes_what_people_type_meet_what_is_stored(typed, stored):
    assert fold(typed) == fold(stored)


def test_folding_keeps_what_differs():
    assert fold("Malmö") != fold("Malaga")
    assert fold("Øresund") == "oresund" and fold("ß") == "ss" and fold("Æ") == "ae"
    assert fold("张伟") == "张伟" and fold("محمد") == "محمد"


def test_folding_is_stable_for_every_character():
    # Folded text is stored; folding it again (the query side) must change nothing.
    for code in range(0x30000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        once = fold(chr(code))
        assert fold(once) == once, hex(code)
        assert not any(unicodedata.combining(c) for c in once), hex(code)


def test_query_words_are_folded_distinct_and_bounded():
    assert search_words("  Malmö  MALMO\tØresund ") == ["malmo", "oresund"]
    assert search_words("") == [] and search_words("\u0301 ") == []
    assert len(search_words(" ".join(f"w{n}" for n in range(30)))) == MAX_WORDS


@pytest.fixture
def summit(make_event):
    """An event in Malmö on the Øresund, plus two that must not match."""
    make_event(title="Smart Regions", city="Brussels", organiser_name="Cluster Platform")
    make_event(title="Zürich fintech evening", city="Zürich", organiser_name="Straße Labs")
    return make_event(
        title="Greater Copenhagen Cluster Summit",
        summary="Cluster managers from across the Øresund region.",
        format=EventFormat.IN_PERSON,
        venue_name="Konserthus Live",
        city="Malmö",
        organiser_name="Öresundskomiteen",
        online_url="",
    )


@pytest.mark.parametrize(
    "query", ["malmo", "MALMÖ", "Malmö", "malmö", "oresund", "øresund", "Öresund", "ØRESUND"]
)
def test_accents_and_case_never_hide_an_event(client, summit, query):
    assert _titles(client.get(f"/?q={quote(query)}").text) == [summit.title]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("copenhagen", "title"),
        ("managers", "summary"),
        ("konserthus", "venue"),
        ("malmo", "city"),
        ("oresundskomiteen", "organiser"),
    ],
)
def test_every_searched_field_is_found(client, summit, query, field):
    assert _titles(client.get(f"/?q={query}").text) == [summit.title], field


def test_other_scripts_and_letters_that_do_not_decompose(client, make_event):
    make_event(title="Συνέδριο στην Αθήνα", city="Αθήνα")
    make_event(title="Форум в Москве", organiser_name="Фонд развития")
    make_event(title="Tagung in der Straße der Innovation")
    assert _titles(client.get(f"/?q={quote('ΑΘΗΝΑ')}").text) == ["Συνέδριο στην Αθήνα"]
    assert _titles(client.get(f"/?q={quote('ФОРУМ')}").text) == ["Форум в Москве"]
    assert _titles(client.get(f"/?q={quote('фонд')}").text) == ["Форум в Москве"]
    assert _titles(client.get("/?q=STRASSE").text) == ["Tagung in der Straße der Innovation"]
    assert _titles(client.get("/?q=zurich").text) == []


def test_every_word_must_match_somewhere(client, summit):
    assert _titles(client.get("/?q=malmo+summit").text) == [summit.title]  # city + title
    assert _titles(client.get("/?q=summit+%C3%B6resund+live").text) == [summit.title]
    assert _titles(client.get("/?q=malmo+webinar").text) == []
    # Words match within one field, never across the boundary of two.
    assert _titles(client.get("/?q=summitcluster").text) == []


@pytest.mark.parametrize("query", ["%", "_", "malm_", "m%o", "\\", "'", '"'])
def test_wildcards_and_quotes_are_literal(client, summit, query):
    response = client.get(f"/?q={quote(query)}")
    assert response.status_code == 200
    assert _titles(response.text) == []


def test_past_events_are_searched_the_same_way(client, make_event):
    make_event(title="Malmö edition 2019", start_local=_wall(-300), city="Malmö")
    make_event(title="Malmö edition 2027", start_local=_wall(30), city="Malmö")
    assert _titles(client.get("/events/past?q=MALMO").text) == ["Malmö edition 2019"]
    assert _titles(client.get("/?q=malmo").text) == ["Malmö edition 2027"]


def test_the_search_text_follows_every_change(app, client, summit):
    with app.app_context():
        begin_write(db.session)
        event = db.session.get(Event, summit.id)
        event.city = "Lund"
        event.organiser_name = "Region Skåne"
        db.session.commit()
    assert _titles(client.get("/?q=lund").text) == [summit.title]
    assert _titles(client.get("/?q=skane").text) == [summit.title]
    assert _titles(client.get("/?q=oresundskomiteen").text) == []
    assert _titles(client.get("/?q=konserthus").text) == [summit.title]  # unchanged fields


def _insert_event_as_revision_0001_stored_it(connection) -> None:
    table = sa.Table("event", sa.MetaData(), autoload_with=connection)
    assert "search_text" not in table.c
    starts = now_utc().replace(tzinfo=None, microsecond=0) + timedelta(days=30)  # naive UTC
    connection.execute(
        table.insert().values(
            slug="before-search",
            title="Øresund Summit",
            kind="summit",
            summary="",
            description="",
            start_local=starts,
            end_local=starts + timedelta(hours=8),
            timezone="UTC",
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            format="in_person",
            venue_name="",
            address="",
            city="Malmö",
            country="SE",
            online_url="",
            status="published",
            organiser_name="",
            organiser_email="",
            created_at=starts,
            updated_at=starts,
            sequence=0,
        )
    )


def test_the_migration_fills_events_that_existed_before_it(app, client):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="0001")
        try:
            with db.engine.begin() as connection:
                _insert_event_as_revision_0001_stored_it(connection)
        finally:
            upgrade()  # the other tests need the current schema whatever happens here
        stored = db.session.scalar(sa.select(Event.search_text))
        db.session.remove()
    assert stored == search_text_for({"title": "Øresund Summit", "city": "Malmö"})
    assert _titles(client.get("/?q=oresund+malmo").text) == ["Øresund Summit"]

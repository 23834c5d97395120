"""The catalogue search finds an event by the title and summary of any of its languages,
whatever code path added, changed or removed a translation (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from webapp.db import begin_write
from webapp.events.models import Event, EventTranslation
from webapp.extensions import db


def _found(client, prefix: str, query: str) -> bool:
    return "event-title" in client.get(f"{prefix}/", query_string={"q": query}).text


def _search_text(app, event_id: int) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Event.search_text).where(Event.id == event_id))


@pytest.mark.parametrize("prefix", ["", "/da", "/de"])
def test_a_danish_title_finds_the_event_from_every_language(client, make_event, prefix):
    make_event(
        title="Green hydrogen summit",
        translations=[
            EventTranslation(language="da", title="Topmøde om grøn brint", summary="Øresund"),
            EventTranslation(language="de", title="Gipfel zu grünem Wasserstoff"),
        ],
    )
    for query in ("grøn brint", "gron brint", "GRØN", "øresund", "wasserstoff", "hydrogen"):
        assert _found(client, prefix, query), query
    assert not _found(client, prefix, "solenergi")


def test_a_translation_added_through_the_relationship_is_searchable(app, client, make_event):
    event = make_event(title="Cluster meeting")
    assert not _found(client, "", "klyngemøde")
    with app.app_context():
        begin_write(db.session)
        loaded = db.session.get(Event, event.id)
        loaded.translations.append(EventTranslation(language="da", title="Klyngemøde"))
        db.session.commit()
    assert _found(client, "", "klyngemode") and _found(client, "/sv", "Klyngemøde")


def test_a_translation_added_on_its_own_is_searchable(app, client, make_event):
    event = make_event(title="Cluster meeting")
    with app.app_context():
        begin_write(db.session)
        db.session.add(EventTranslation(event_id=event.id, language="sv", title="Klustermöte"))
        db.session.commit()
    assert _found(client, "", "klustermote")


def test_an_edited_translation_is_found_by_its_new_words_only(app, client, make_event):
    make_event(translations=[EventTranslation(language="de", title="Alter Titel")])
    with app.app_context():
        begin_write(db.session)
        translation = db.session.scalars(sa.select(EventTranslation)).one()
        translation.title = "Neuer Titel"
        translation.summary = "Zusammenfassung über Straßen"
        db.session.commit()
    assert _found(client, "", "neuer") and _found(client, "", "strassen")
    assert not _found(client, "", "alter")


def test_a_removed_translation_is_no_longer_found(app, client, make_event):
    event = make_event(
        translations=[
            EventTranslation(language="da", title="Dansk titel"),
            EventTranslation(language="sv", title="Svensk titel"),
        ]
    )
    with app.app_context():
        begin_write(db.session)
        loaded = db.session.get(Event, event.id)
        danish = next(t for t in loaded.translations if t.language == "da")
        loaded.translations.remove(danish)  # delete-orphan
        db.session.commit()
    assert not _found(client, "", "dansk") and _found(client, "", "svensk")
    with app.app_context():
        begin_write(db.session)
        db.session.delete(db.session.scalars(sa.select(EventTranslation)).one())
        db.session.commit()
    assert not _found(client, "", "svensk")
    assert "svensk" not in _search_text(app, event.id)


def test_replacing_all_translations_at_once_keeps_the_search_text_exact(app, make_event):
    event = make_event(
        title="Main title", translations=[EventTranslation(language="da", title="Gammel")]
    )
    with app.app_context():
        begin_write(db.session)
        loaded = db.session.get(Event, event.id)
        loaded.translations = [
            EventTranslation(language="sv", title="Ny svensk"),
            EventTranslation(language="de", title="Neu deutsch"),
        ]
        db.session.commit()
    text = _search_text(app, event.id)
    assert "gammel" not in text
    # Stable order (by language), identical on every database.
    assert text.endswith("neu deutsch\n\nny svensk\n")
    assert text.startswith("main title\n")


def test_editing_the_event_keeps_its_translations_searchable(app, client, make_event):
    event = make_event(translations=[EventTranslation(language="da", title="Dansk titel")])
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).title = "A new English title"
        db.session.commit()
    assert _found(client, "", "dansk") and _found(client, "", "english")

"""An event's text in several languages: the main language and one fieldset per other one.

Saving writes the EventTranslation rows in the event's own transaction, an empty fieldset
removes its row, a translation without a title is refused, and any change of the words
moves the event's `updated_at` (pages and calendar entries are rebuilt from it).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.organiser_support import event_form_data, make_organiser, share_event, sign_in
from webapp.db import begin_write, lock_row
from webapp.events.models import Event, EventTranslation
from webapp.extensions import db
from webapp.organiser import services
from webapp.organiser.translations import TextData

DANISH = {
    "title_da": "Smarte regioner – Bruxelles",
    "summary_da": "En online session om smart specialisering.",
    "description_da": "Et webinar om **evidens** i RIS3.",
}
GERMAN = {"title_de": "Intelligente Regionen – Brüssel", "summary_de": "", "description_de": ""}


form_data = event_form_data


def translations(app, event_id: int | None = None) -> dict[str, tuple[str, str, str]]:
    """{language: (title, summary, description)} of one event, or of all events."""
    with app.app_context():
        stmt = sa.select(EventTranslation)
        if event_id is not None:
            stmt = stmt.where(EventTranslation.event_id == event_id)
        return {t.language: (t.title, t.summary, t.description) for t in db.session.scalars(stmt)}


def only_event(app) -> Event:
    with app.app_context():
        (event,) = db.session.scalars(sa.select(Event))
        db.session.expunge(event)
        return event


def errors(html: str) -> list[str]:
    return re.findall(r'class="error-message"[^>]*>([^<]*)', html)


@pytest.fixture
def created(app, client, signed_in_organiser) -> Event:
    """An event created through the form in English with Danish and German text."""
    response = client.post("/organiser/events/new", data=form_data(**DANISH, **GERMAN))
    assert response.status_code == 302, errors(response.text)
    return only_event(app)


def test_creating_stores_the_main_language_and_each_filled_fieldset(app, created):
    assert created.language == "en"
    assert translations(app, created.id) == {
        "da": (DANISH["title_da"], DANISH["summary_da"], DANISH["description_da"]),
        "de": (GERMAN["title_de"], "", ""),
    }  # nothing for Swedish: its fieldset was left empty
    with app.app_context():
        event = db.session.get(Event, created.id)
        assert event.text_in("da").title == DANISH["title_da"]
        assert event.text_in("sv").title == "Smart Regions – Brussels"
        assert event.text_in("sv").language == "en"


def test_the_edit_form_shows_each_language_with_its_lang_attribute(client, created):
    html = client.get(f"/organiser/events/{created.id}/edit").text
    assert re.search(r'<option selected value="en">English</option>', html)
    title_da = re.search(r'<input[^>]*name="title_da"[^>]*>', html).group(0)
    assert 'lang="da"' in title_da and 'value="Smarte regioner – Bruxelles"' in title_da
    summary_da = re.search(r'<textarea[^>]*name="summary_da"[^>]*>([^<]*)<', html)
    assert 'lang="da"' in summary_da.group(0) and DANISH["summary_da"] in summary_da.group(1)
    assert re.search(r'<input[^>]*lang="sv"[^>]*name="title_sv"', html)
    assert 'name="title_en"' not in html  # English is the main language: no fieldset
    assert '<span lang="de">Deutsch</span>' in html


def test_editing_changes_adds_and_removes_translations(app, client, created, clock):
    before = created.updated_at
    clock.shift(timedelta(minutes=5))
    response = client.post(
        f"/organiser/events/{created.id}/edit",
        data=form_data(
            title_da="Smarte regioner 2027",
            summary_da=DANISH["summary_da"],
            description_da="",
            title_sv="Smarta regioner – Bryssel",
            title_de="",  # emptied: the German text goes
        ),
    )
    assert response.status_code == 302, errors(response.text)
    assert translations(app, created.id) == {
        "da": ("Smarte regioner 2027", DANISH["summary_da"], ""),
        "sv": ("Smarta regioner – Bryssel", "", ""),
    }
    with app.app_context():
        event = db.session.get(Event, created.id)
        assert event.updated_at > before
        assert event.title == "Smart Regions – Brussels"


def test_a_change_of_translation_alone_is_a_change_of_the_event(app, client, created, clock):
    """Nothing on the event row changes, yet its version (updated_at) must move: the
    public pages and stored calendar entries are keyed on it."""
    unchanged = form_data(**DANISH, **GERMAN)
    clock.shift(timedelta(minutes=5))
    response = client.post(f"/organiser/events/{created.id}/edit", data=unchanged)
    assert response.status_code == 302
    with app.app_context():
        same = db.session.get(Event, created.id).updated_at
    assert same == created.updated_at  # saving the same words is no change

    clock.shift(timedelta(minutes=5))
    changed = {**unchanged, "summary_de": "Eine Online-Sitzung."}
    response = client.post(f"/organiser/events/{created.id}/edit", data=changed)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Event, created.id).updated_at > same
    assert translations(app, created.id)["de"] == (GERMAN["title_de"], "Eine Online-Sitzung.", "")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"title_sv": "", "summary_sv": "Bara en sammanfattning."},
            "title_sv",
            "Enter a title in this language, or leave its summary and description empty.",
        ),
        (
            {"title_sv": "", "description_sv": "Bara en beskrivning."},
            "title_sv",
            "Enter a title in this language, or leave its summary and description empty.",
        ),
        ({"title_sv": "x" * 201}, "title_sv", "Use at most 200 characters."),
        ({"title_sv": "Rad ett\nrad två"}, "title_sv", "Please remove"),
        ({"title_sv": "Titel", "summary_sv": "x" * 501}, "summary_sv", "Use at most 500"),
        ({"language": "xx"}, "language", "Not a valid choice."),
    ],
)
def test_bad_translations_are_field_errors_and_nothing_is_stored(
    app, client, signed_in_organiser, fields, field, message
):
    response = client.post("/organiser/events/new", data=form_data(**DANISH, **fields))
    assert response.status_code == 422
    assert any(message in error for error in errors(response.text)), errors(response.text)
    assert re.search(rf'<a href="#{field}">', response.text)  # listed in the summary
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0
    assert translations(app) == {}


def test_a_bad_edit_leaves_every_translation_as_it_was(app, client, created):
    stored = translations(app, created.id)
    response = client.post(
        f"/organiser/events/{created.id}/edit",
        data=form_data(title_da="", summary_da="Kun et resumé.", title_de=""),
    )
    assert response.status_code == 422
    assert translations(app, created.id) == stored


def test_a_taken_address_stores_no_translation_either(app, client, created):
    response = client.post(
        "/organiser/events/new", data=form_data(slug=created.slug, title_sv="Smarta regioner")
    )
    assert response.status_code == 422
    assert "sv" not in translations(app)


def test_another_main_language_drops_its_fieldset_and_its_old_translation(app, client, created):
    # The organiser now writes the main text in Danish, and gives English as a translation.
    response = client.post(
        f"/organiser/events/{created.id}/edit",
        data=form_data(
            language="da",
            title="Smarte regioner – Bruxelles",
            summary=DANISH["summary_da"],
            title_en="Smart Regions – Brussels",
            summary_en="An online session.",
            title_da="Ignored: Danish is the main language now",
            **GERMAN,
        ),
    )
    assert response.status_code == 302, errors(response.text)
    assert translations(app, created.id) == {
        "en": ("Smart Regions – Brussels", "An online session.", ""),
        "de": (GERMAN["title_de"], "", ""),
    }
    html = client.get(f"/organiser/events/{created.id}/edit").text
    assert 'name="title_da"' not in html and 'name="title_en"' in html
    assert re.search(r'<option selected value="da">dansk</option>', html)


def test_duplicating_copies_every_translation(app, client, created):
    response = client.post(f"/organiser/events/{created.id}/duplicate")
    assert response.status_code == 302
    copy_id = int(re.search(r"/events/(\d+)/edit", response.headers["Location"]).group(1))
    assert copy_id != created.id
    assert translations(app, copy_id) == translations(app, created.id)
    with app.app_context():
        assert db.session.get(Event, copy_id).language == "en"
        copy_rows = db.session.scalars(
            sa.select(EventTranslation.id).where(EventTranslation.event_id == copy_id)
        ).all()
        original_rows = db.session.scalars(
            sa.select(EventTranslation.id).where(EventTranslation.event_id == created.id)
        ).all()
    assert not set(copy_rows) & set(original_rows)  # rows of its own


def test_the_event_page_lists_the_languages_provided(client, created):
    html = client.get(f"/organiser/events/{created.id}").text
    assert re.search(r'<dd class="event-languages">English, dansk, Deutsch</dd>', html)
    html = client.get(f"/sv/organiser/events/{created.id}").text
    assert "<dt>Språk</dt>" in html


def test_deleting_an_event_row_takes_its_translations(app, created):
    with app.app_context():
        begin_write(db.session)
        db.session.delete(db.session.get(Event, created.id))
        db.session.commit()
    assert translations(app) == {}


def test_a_co_organiser_edits_translations_too(app, client, created):
    share_event(app, created.id, make_organiser(app, "co@cluster.example"))
    other_client = app.test_client()
    assert sign_in(other_client, "co@cluster.example").status_code == 302
    response = other_client.post(
        f"/organiser/events/{created.id}/edit", data=form_data(title_sv="Smarta regioner")
    )
    assert response.status_code == 302
    assert set(translations(app, created.id)) == {"sv"}


def _data_of(event: Event, **changes) -> services.EventData:
    """The event's current values as form data, with `changes`."""
    values = {name: getattr(event, name) for name in services.EventData.PLAIN_FIELDS}
    values.update(
        kind=event.kind,
        format=event.format,
        start_local=event.start_local,
        end_local=event.end_local,
        language=event.language,
    )
    return services.EventData(**{**values, **changes})


def test_the_service_writes_translations_in_the_events_own_transaction(app, created):
    """Applied but not committed, a change of words leaves no row behind: the event and
    its translations are one unit of work."""
    with app.app_context():
        event = lock_row(db.session, Event, created.id)
        changes = {"translations": {"sv": TextData("Smarta regioner")}, "city": "Malmö"}
        services.update_event(event, event.owner, _data_of(event, **changes))
        db.session.flush()
        stored = db.session.scalars(
            sa.select(EventTranslation.language).where(EventTranslation.event_id == created.id)
        )
        assert set(stored) == {"sv"}
        db.session.rollback()
    assert set(translations(app, created.id)) == {"da", "de"}
    with app.app_context():
        assert db.session.get(Event, created.id).city == ""

    with app.app_context():
        event = lock_row(db.session, Event, created.id)
        services.update_event(event, event.owner, _data_of(event, translations={}))
        db.session.commit()
    assert translations(app, created.id) == {}

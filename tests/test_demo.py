"""`flask demo load`: realistic events in the future, local times kept, idempotent."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from webapp import timezones
from webapp.db import begin_write
from webapp.demo import DEMO_ADMIN_EMAIL, DEMO_CONTACT_EMAIL, DEMO_EVENTS, load_demo_events
from webapp.events.models import Event
from webapp.extensions import db
from webapp.organiser import accounts
from webapp.organiser.models import Organiser


def test_demo_load_is_idempotent(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert f"{len(DEMO_EVENTS)} created" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "0 created" in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Event.id))) == len(DEMO_EVENTS)


def test_demo_events_keep_their_local_times_and_lie_in_the_future(app):
    today = date(2026, 11, 25)
    with app.app_context():
        load_demo_events(today=today)
        events = {e.slug: e for e in db.session.scalars(sa.select(Event))}
        webinar = events["smart-specialisation-evidence-based-implementation"]
        assert webinar.start_local.isoformat() == "2027-02-28T18:00:00"
        assert timezones.iso_utc(webinar.starts_at) == "2027-02-28T17:00:00Z"
        assert timezones.abbreviation(webinar.starts_at, webinar.timezone) == "CET"
        summit = events["greater-copenhagen-cluster-summit"]
        assert (summit.timezone, summit.start_local.date()) == (
            "Europe/Stockholm",
            date(2027, 5, 8),
        )
        conference = events["smart-regions-conference"]
        assert timezones.abbreviation(conference.starts_at, conference.timezone) == "CEST"
        workshop = events["cluster-based-local-economic-development-ris3"]
        assert (workshop.end_local.date() - workshop.start_local.date()).days == 2
        past = [e for e in events.values() if e.start_local.date() < today]
        assert [e.slug for e in past] == ["cluster-excellence-days-past"]
        assert events["towards-european-strategic-cluster-partnerships"].capacity == 5


def test_demo_catalogue_is_served(app, client):
    with app.app_context():
        load_demo_events()
    html = client.get("/").text
    assert "Greater Copenhagen Cluster Summit" in html
    assert "Cluster Excellence Days" not in html
    assert "Cluster Excellence Days" in client.get("/events/past").text


class _PostForms(HTMLParser):
    """The values a browser would send for each POST form of a page (submit: "Save" only)."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._in_textarea = False

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._fields = []
        if self._fields is None:
            return
        kind = a.get("type", "text").lower()
        if tag == "input" and kind in ("checkbox", "radio") and "checked" not in a:
            return
        if tag == "input" and (kind != "submit" or a.get("value") == "Save"):
            self._fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._in_textarea = True
            self._fields.append((a["name"], ""))

    def handle_data(self, data):
        if self._in_textarea:
            name, text = self._fields[-1]
            self._fields[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "form" and self._fields is not None:
            self.forms.append(self._fields)
            self._fields = None
        elif tag == "select" and self._select:
            # The selected option, or the first one when none is.
            chosen = [value for value, selected in self._options if selected] or [
                value for value, _ in self._options[:1]
            ]
            self._fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea":
            self._in_textarea = False


def _form_values(html: str, field: str) -> MultiDict:
    """What the browser sends for the page's POST form that has `field`."""
    parser = _PostForms()
    parser.feed(html)
    (fields,) = [form for form in parser.forms if any(name == field for name, _ in form)]
    # A browser reads CR LF as one line break, and drops the one that follows <textarea>.
    return MultiDict(
        [(name, value.replace("\r\n", "\n").removeprefix("\n")) for name, value in fields]
    )


@pytest.fixture
def demo_organiser(app_config, app, runner):
    """The demo loaded as `make run` loads it; a client signed in as its admin, CSRF on."""
    app.config["WTF_CSRF_ENABLED"] = True
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    password = re.search(r"with the password (\S+) \(shown only this once\)", loaded.output)
    client = app.test_client()
    sign_in = client.get("/organiser/sign-in").text
    values = _form_values(sign_in, "password")
    values["email"], values["password"] = DEMO_ADMIN_EMAIL, password.group(1)
    assert client.post("/organiser/sign-in", data=values).status_code == 302
    return client


def _texts(app) -> dict[str, tuple]:
    """Each demo event's main language and its translations, by slug."""
    with app.app_context():
        return {
            event.slug: (
                event.language,
                {t.language: (t.title, t.summary, t.description) for t in event.translations},
            )
            for event in db.session.scalars(sa.select(Event))
        }


def test_every_demo_event_can_be_saved_unchanged(app, demo_organiser):
    with app.app_context():
        events = {e.id: e.slug for e in db.session.scalars(sa.select(Event))}
    assert len(events) == len(DEMO_EVENTS)
    before = _texts(app)
    for event_id, slug in events.items():
        page = demo_organiser.get(f"/organiser/events/{event_id}/edit")
        assert page.status_code == 200
        values = _form_values(page.text, "save")
        # The form carries the main language and every translation, as stored.
        assert values["language"] == before[slug][0]
        for language, (title, summary, description) in before[slug][1].items():
            assert values[f"title_{language}"] == title
            assert values[f"summary_{language}"] == summary
            assert values[f"description_{language}"] == description
        saved = demo_organiser.post(f"/organiser/events/{event_id}/edit", data=values)
        assert saved.status_code == 302, (
            slug,
            re.findall(r"error-message[^>]*>([^<]*)", saved.text),
        )
        assert saved.headers["Location"] == f"/organiser/events/{event_id}"
    assert _texts(app) == before


def test_demo_events_come_with_translations(app):
    with app.app_context():
        load_demo_events(today=date(2026, 11, 25))
    texts = _texts(app)
    summit = texts["greater-copenhagen-cluster-summit"]
    assert summit[0] == "en" and set(summit[1]) == {"da", "sv"}
    assert "Øresundsregionen" in summit[1]["da"][1] and "Öresundsregionen" in summit[1]["sv"][1]
    workshop = texts["cluster-based-local-economic-development-ris3"]
    assert set(workshop[1]) == {"de"} and "Frankfurt" in workshop[1]["de"][2]
    webinar = texts["smart-specialisation-evidence-based-implementation"]
    assert webinar[1]  # the Brussels webinar in at least one more language
    for _language, (title, summary, description) in (
        item for _slug, (_main, given) in texts.items() for item in given.items()
    ):
        assert title and summary and description and "\n" not in title


def test_the_danish_organiser_page_of_the_summit_lists_its_languages(app, demo_organiser):
    with app.app_context():
        summit = db.session.scalar(
            sa.select(Event).where(Event.slug == "greater-copenhagen-cluster-summit")
        )
        summit_id = summit.id
    html = demo_organiser.get(f"/da/organiser/events/{summit_id}").text
    assert '<dd class="event-languages">English, dansk, svenska</dd>' in html


def test_the_new_event_form_prefilled_for_the_demo_admin_is_accepted(app, demo_organiser):
    page = demo_organiser.get("/organiser/events/new").text
    values = _form_values(page, "save")
    assert values["organiser_email"] == DEMO_ADMIN_EMAIL
    typed = {
        "title": "Demo admin's first event",
        "format": "online",
        "start_date": "2027-09-01",
        "start_time": "10:00",
        "end_date": "2027-09-01",
        "end_time": "11:00",
        "online_url": "https://meet.example.org/first",
    }
    for name, value in typed.items():
        values[name] = value  # what the organiser types; the rest is as the form came
    created = demo_organiser.post("/organiser/events/new", data=values)
    assert created.status_code == 302, re.findall(r"error-message[^>]*>([^<]*)", created.text)


def test_loading_again_moves_earlier_demo_addresses_the_forms_refuse(app, runner):
    with app.app_context():
        begin_write(db.session)
        accounts.create_organiser(
            "admin@convene.localhost", "an earlier password", name="Demo", is_admin=True
        )
        load_demo_events()
        begin_write(db.session)
        db.session.execute(sa.update(Event).values(organiser_email="events@convene.localhost"))
        db.session.commit()
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "0 created" in again.output
    assert "password" not in again.output  # the same account, its password unchanged
    with app.app_context():
        emails = set(db.session.scalars(sa.select(Organiser.email)))
        contacts = set(db.session.scalars(sa.select(Event.organiser_email)))
        assert accounts.authenticate(DEMO_ADMIN_EMAIL, "an earlier password") is not None
    assert emails == {DEMO_ADMIN_EMAIL} and contacts == {DEMO_CONTACT_EMAIL}

"""`flask demo load`: realistic events in the future, local times kept, idempotent."""

from datetime import date

import sqlalchemy as sa

from webapp import timezones
from webapp.demo import DEMO_EVENTS, load_demo_events
from webapp.events.models import Event
from webapp.extensions import db


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

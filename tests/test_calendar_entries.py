"""Stored calendar entries: written with every change to an event, in its transaction, by
whatever path changed it; read back only while current; rebuilt by `flask calendar refresh`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.calendar_support import meaning
from tests.organiser_support import (
    event_form_data,
    make_organiser,
    sign_in,
)
from webapp.calendar import entries, ics
from webapp.calendar.models import CalendarEntry
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventStatus
from webapp.extensions import db

BASE_URL = "https://convene.test"
ORGANISER = "olga@cluster.example"


def stored(app, language: str = "en") -> dict[int, dict]:
    """Every stored entry in a language by event id: its columns, the parsed VEVENT, whether
    it is current."""
    with app.app_context():
        current = {
            event_id: entries.version_key(updated_at)
            for event_id, updated_at in db.session.execute(sa.select(Event.id, Event.updated_at))
        }
        result = {}
        for entry in db.session.scalars(
            sa.select(CalendarEntry).where(CalendarEntry.variant == entries.variant(language))
        ):
            (vevent,) = Calendar.from_ical(
                b"BEGIN:VCALENDAR\r\n" + entry.vevent + b"END:VCALENDAR\r\n"
            ).walk("VEVENT")
            result[entry.event_id] = {
                "variant": entry.variant,
                "base_url": entry.base_url,
                "tzids": entry.tzids,
                "current": entry.version == current.get(entry.event_id),
                "vevent": vevent,
            }
        return result


def feed_vevents(client) -> dict[str, Calendar]:
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_a_new_event_has_its_entry_from_the_same_commit(app, make_event):
    event = make_event(title="Cluster days in Malmö", timezone="Europe/Stockholm")
    (entry,) = stored(app).values()
    assert entry["variant"] == entries.variant("en") and entry["base_url"] == BASE_URL
    assert entry["current"] and entry["tzids"] == "Europe/Stockholm"
    assert entry["vevent"]["UID"] == f"event-{event.id}@convene.test"
    assert str(entry["vevent"]["SUMMARY"]) == "Cluster days in Malmö"
    assert entry["vevent"]["DTSTAMP"].dt == event.updated_at.replace(microsecond=0)


def test_every_organiser_change_rewrites_the_entry(app, client):
    organiser_id = make_organiser(app, ORGANISER, name="Olga")
    sign_in(client, ORGANISER)
    form = event_form_data(title="Smart Regions", slug="smart-regions")
    assert client.post("/organiser/events/new", data=form).status_code == 302
    with app.app_context():
        event_id = db.session.scalar(sa.select(Event.id).where(Event.owner_id == organiser_id))

    def entry():
        found = stored(app)[event_id]
        assert found["current"]
        return found["vevent"]

    assert str(entry()["SUMMARY"]) == "Smart Regions"
    assert client.post(f"/organiser/events/{event_id}/publish").status_code == 302
    assert entry()["STATUS"] == "CONFIRMED"
    edit = client.post(f"/organiser/events/{event_id}/edit", data={**form, "start_time": "17:00"})
    assert edit.status_code == 302
    assert entry()["DTSTART"].dt.hour == 17 and entry()["SEQUENCE"] == 1
    assert client.post(f"/organiser/events/{event_id}/unpublish").status_code == 302
    client.post(f"/organiser/events/{event_id}/publish")
    client.post(f"/organiser/events/{event_id}/cancel")
    assert entry()["STATUS"] == "CANCELLED" and entry()["SEQUENCE"] == 2
    assert str(entry()["SUMMARY"]) == "Cancelled: Smart Regions"
    client.post(f"/organiser/events/{event_id}/duplicate")
    copies = {k: v for k, v in stored(app).items() if k != event_id}
    (copy,) = copies.values()
    assert copy["current"] and str(copy["vevent"]["SUMMARY"]) == "Smart Regions (copy)"


def test_a_change_rolled_back_leaves_the_entry_as_it_was(app, make_event):
    event = make_event(title="Kept title")
    with app.app_context():
        begin_write(db.session)
        loaded = db.session.get(Event, event.id)
        loaded.title = "Never saved"
        db.session.add(Event(**{**_copy_columns(loaded), "slug": "never-saved"}))
        db.session.flush()
        # The edited event's entries and the new one's (one per language), written in this
        # transaction.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarEntry)) == 8
        db.session.rollback()
    (entry,) = stored(app).values()
    assert str(entry["vevent"]["SUMMARY"]) == "Kept title" and entry["current"]


def _copy_columns(event: Event) -> dict:
    skip = {"id", "slug", "created_at", "updated_at"}
    return {c.key: getattr(event, c.key) for c in Event.__table__.columns if c.key not in skip}


def test_the_feed_and_the_event_file_serve_the_stored_entry(app, client, make_event):
    event = make_event(title="Stored")
    marker = b"X-CONVENE-TEST:served from storage\r\n"
    with app.app_context():
        begin_write(db.session)
        entry = db.session.get(CalendarEntry, (event.id, entries.variant("en")))
        entry.vevent = entry.vevent.replace(b"END:VEVENT\r\n", marker + b"END:VEVENT\r\n")
        db.session.commit()
    assert marker in client.get("/calendar.ics").data
    assert marker in client.get(f"/events/{event.slug}.ics").data


def test_stale_and_missing_entries_are_built_for_the_response_and_not_stored(
    app, client, make_event
):
    missing, moved_host, bulk_edited, current = (make_event(title=f"Event {n}") for n in range(4))
    with app.app_context():
        begin_write(db.session)
        db.session.execute(sa.delete(CalendarEntry).where(CalendarEntry.event_id == missing.id))
        db.session.execute(
            sa.update(CalendarEntry)
            .where(CalendarEntry.event_id == moved_host.id)
            .values(base_url="https://old.example")
        )
        # A bulk update that no session hook sees (a script, a data fix).
        db.session.execute(
            sa.update(Event)
            .where(Event.id == bulk_edited.id)
            .values(title="Edited in bulk", updated_at=now_utc() + timedelta(seconds=1))
        )
        db.session.commit()
    before = stored(app)
    vevents = feed_vevents(client)
    assert len(vevents) == 4
    assert str(vevents[f"event-{bulk_edited.id}@convene.test"]["SUMMARY"]) == "Edited in bulk"
    assert str(vevents[f"event-{moved_host.id}@convene.test"]["URL"]).startswith(BASE_URL)
    single = client.get(f"/events/{missing.slug}.ics")
    assert single.status_code == 200 and f"event-{missing.id}@".encode() in single.data
    after = stored(app)
    assert after.keys() == before.keys() == {moved_host.id, bulk_edited.id, current.id}
    assert after[moved_host.id]["base_url"] == "https://old.example", "a GET stores nothing"
    assert not after[bulk_edited.id]["current"]


def test_refresh_stores_what_is_missing_or_stale_and_is_idempotent(app, runner, make_event):
    first, second, third = make_event(), make_event(), make_event()
    with app.app_context():
        begin_write(db.session)
        db.session.execute(sa.delete(CalendarEntry).where(CalendarEntry.event_id == first.id))
        db.session.execute(
            sa.update(Event)
            .where(Event.id == second.id)
            .values(title="Retitled in bulk", updated_at=now_utc() + timedelta(seconds=1))
        )
        # Plain SQL leaves updated_at alone (SQLAlchemy's UPDATEs move it): only --all sees it.
        db.session.execute(
            sa.text("UPDATE event SET title = 'Quiet fix' WHERE id = :id"), {"id": third.id}
        )
        db.session.commit()
    result = runner.invoke(args=["calendar", "refresh"])
    assert result.exit_code == 0, result.output
    # One entry per language of the site (en, da, sv, de) for each of the two events.
    assert "Stored 8 calendar entries." in result.output
    entries_now = stored(app)
    assert all(entry["current"] for entry in entries_now.values())
    assert str(entries_now[second.id]["vevent"]["SUMMARY"]) == "Retitled in bulk"
    assert str(entries_now[third.id]["vevent"]["SUMMARY"]) != "Quiet fix"
    again = runner.invoke(args=["calendar", "refresh"])
    assert "Stored 0 calendar entries." in again.output
    full = runner.invoke(args=["calendar", "refresh", "--all"])
    assert "Stored 12 calendar entries." in full.output
    assert str(stored(app)[third.id]["vevent"]["SUMMARY"]) == "Quiet fix"


def test_the_feed_from_stored_entries_means_what_a_fresh_build_means(app, client, make_event):
    for n, zone in enumerate(("Europe/Brussels", "America/New_York", "Asia/Kolkata", "UTC")):
        make_event(title=f"Event {n}", timezone=zone)
    make_event(status=EventStatus.CANCELLED, title="Called off")
    served = client.get("/calendar.ics").data
    with app.app_context():
        events = db.session.scalars(sa.select(Event).order_by(Event.starts_at, Event.id)).all()
        fresh = ics.feed_calendar(
            [ics.public_entry(e, BASE_URL) for e in events], name="Convene events", language="en"
        )
    assert meaning(served) == meaning(fresh)


def test_an_entry_goes_with_its_event(app, make_event):
    kept, deleted = make_event(), make_event()
    with app.app_context():
        begin_write(db.session)
        db.session.delete(db.session.get(Event, deleted.id))
        db.session.commit()
    assert stored(app).keys() == {kept.id}


@pytest.mark.parametrize("attribute", ["capacity", "registration_closes_at"])
def test_any_change_to_an_event_leaves_a_current_entry(app, make_event, attribute):
    event = make_event(capacity=10)
    with app.app_context():
        begin_write(db.session)
        loaded = db.session.get(Event, event.id)
        value = 20 if attribute == "capacity" else loaded.starts_at - timedelta(hours=1)
        setattr(loaded, attribute, value)
        db.session.commit()
        updated_at = loaded.updated_at
    (entry,) = stored(app).values()
    # updated_at moved (it is the entry's DTSTAMP), so the entry was rebuilt with it.
    assert updated_at > event.updated_at and entry["current"]
    assert entry["vevent"]["DTSTAMP"].dt == updated_at.replace(microsecond=0)

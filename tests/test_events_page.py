"""The event page: time in the event's zone and the reader's, place, seats, metadata."""

import json
import re
from datetime import timedelta

import pytest

from tests.conftest import local
from tests.registration_support import register
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventStatus
from webapp.extensions import db


def _ld_json(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_winter_webinar_in_brussels_shows_cet_and_17_utc(client, make_event):
    event = make_event(start_local=local("2027-02-28 18:00"), end_local=local("2027-02-28 19:30"))
    html = client.get(f"/events/{event.slug}").text
    assert "Sun 28 Feb 2027, 18:00–19:30 CET" in html
    assert "UTC+01:00" in html
    assert 'datetime="2027-02-28T17:00:00Z"' in html
    assert 'data-end="2027-02-28T18:30:00Z"' in html


def test_june_event_in_brussels_shows_cest_and_16_utc(client, make_event):
    event = make_event(start_local=local("2027-06-17 18:00"), end_local=local("2027-06-17 19:30"))
    html = client.get(f"/events/{event.slug}").text
    assert "Thu 17 Jun 2027, 18:00–19:30 CEST" in html
    assert "UTC+02:00" in html
    assert 'datetime="2027-06-17T16:00:00Z"' in html


def test_multi_day_workshop_shows_a_natural_range(client, make_event):
    event = make_event(
        start_local=local("2027-11-23 09:00"),
        end_local=local("2027-11-25 16:00"),
        timezone="Europe/Berlin",
        format=EventFormat.IN_PERSON,
        venue_name="Haus am Dom",
        city="Frankfurt am Main",
    )
    html = client.get(f"/events/{event.slug}").text
    assert "23–25 Nov 2027" in html
    assert "Starts Tue 23 Nov, 09:00 CET; ends Thu 25 Nov, 16:00 CET" in html
    assert "Haus am Dom" in html
    assert "Frankfurt am Main" in html


def test_reader_time_is_prepared_for_the_browser(client, make_event):
    event = make_event(start_local=local("2027-02-28 18:00"))
    html = client.get(f"/events/{event.slug}").text
    assert 'data-local-time data-start="2027-02-28T17:00:00Z"' in html
    assert "/static/js/convene.js" in html


def test_online_event_says_online_and_never_shows_the_join_link(client, make_event):
    event = make_event(format=EventFormat.ONLINE, online_url="https://meet.example.org/private-xyz")
    html = client.get(f"/events/{event.slug}").text
    assert "Online" in html
    assert "private-xyz" not in html


def test_seats_left_shown_when_capacity_is_set(client, make_event):
    limited = make_event(capacity=25)
    unlimited = make_event(capacity=None)
    assert "25 of 25" in client.get(f"/events/{limited.slug}").text
    assert "Seats left" not in client.get(f"/events/{unlimited.slug}").text


def test_cancelled_event_page_says_so(client, make_event):
    event = make_event(status=EventStatus.CANCELLED)
    response = client.get(f"/events/{event.slug}")
    assert response.status_code == 200
    assert "This event has been cancelled" in response.text


@pytest.mark.parametrize("slug", ["no-such-event", "a" * 300, "%E2%80%AE"])
def test_unknown_slug_is_a_friendly_404(client, slug):
    response = client.get(f"/events/{slug}")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_draft_is_404(client, make_event):
    event = make_event(status=EventStatus.DRAFT)
    assert client.get(f"/events/{event.slug}").status_code == 404


def test_structured_data_and_open_graph(client, make_event):
    event = make_event(
        title='Summit "Smart" </script><script>alert(1)</script>',
        start_local=local("2027-05-08 09:00"),
        end_local=local("2027-05-08 17:30"),
        timezone="Europe/Stockholm",
        format=EventFormat.IN_PERSON,
        venue_name="Malmö Live",
        city="Malmö",
        country="SE",
    )
    html = client.get(f"/events/{event.slug}").text
    assert "</script><script>alert(1)" not in html
    data = _ld_json(html)
    assert data["@type"] == "Event"
    assert data["name"] == event.title
    assert data["startDate"] == "2027-05-08T09:00:00+02:00"
    assert data["location"]["address"]["addressLocality"] == "Malmö"
    assert data["eventAttendanceMode"].endswith("OfflineEventAttendanceMode")
    assert f'<meta property="og:url" content="https://convene.test/events/{event.slug}">' in html
    assert '<meta property="og:title"' in html


def test_absolute_links_ignore_a_forged_host_header(client, make_event):
    event = make_event()
    html = client.get(f"/events/{event.slug}", headers={"Host": "evil.example"}).text
    assert "evil.example" not in html
    assert f'href="https://convene.test/events/{event.slug}"' in html


def test_markdown_description_is_sanitised(client, make_event):
    event = make_event(
        description="**Bold** [link](https://example.org) <script>alert(1)</script> "
        '<a href="javascript:alert(2)">x</a> <img src=x onerror=alert(3)>'
    )
    html = client.get(f"/events/{event.slug}").text
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.org"' in html
    assert "<script>alert(1)" not in html
    assert "javascript:" not in html
    assert "onerror" not in html


def _move_into_the_past(app, event_id: int) -> None:
    with app.app_context():
        begin_write(db.session)
        event = db.session.get(Event, event_id)
        start = (now_utc() - timedelta(days=3)).replace(tzinfo=None, second=0, microsecond=0)
        event.set_schedule(start, start + timedelta(hours=2), event.timezone)
        db.session.commit()


def _registration_section(html: str) -> bool:
    return 'id="registration-heading"' in html or "/register" in html


def test_a_cancelled_event_shows_no_seats_and_no_registration_state(client, app, make_event):
    event = make_event(capacity=300)
    register(app, event.id)
    assert "299 of 300" in client.get(f"/events/{event.slug}").text
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).status = EventStatus.CANCELLED
        db.session.commit()
    html = client.get(f"/events/{event.slug}").text
    assert html.count("This event has been cancelled.") == 1
    assert "Seats left" not in html and "of 300" not in html
    assert not _registration_section(html)


def test_a_past_event_says_it_has_taken_place_and_nothing_else(client, app, make_event):
    event = make_event(capacity=300)
    register(app, event.id)
    _move_into_the_past(app, event.id)
    html = client.get(f"/events/{event.slug}").text
    assert "This event has taken place." in html
    assert "Seats left" not in html and "of 300" not in html
    assert "Registration is closed" not in html and not _registration_section(html)


def test_an_event_in_progress_still_shows_its_seats_and_that_registration_closed(
    client, app, make_event
):
    start = (now_utc() - timedelta(hours=1)).replace(tzinfo=None, second=0, microsecond=0)
    event = make_event(
        capacity=300, timezone="UTC", start_local=start, end_local=start + timedelta(hours=3)
    )
    html = client.get(f"/events/{event.slug}").text
    assert "300 of 300" in html and "Registration is closed." in html
    assert "taken place" not in html


def test_listing_cards_show_no_seats_or_registration_state(client, app, make_event):
    make_event(title="Called off", capacity=300, status=EventStatus.CANCELLED)
    past = make_event(title="Last year", capacity=300)
    _move_into_the_past(app, past.id)
    upcoming = client.get("/").text
    assert "Called off" in upcoming and "badge-cancelled" in upcoming
    past_page = client.get("/events/past").text
    assert "Last year" in past_page
    for html in (upcoming, past_page):
        assert "Seats" not in html and "of 300" not in html and not _registration_section(html)

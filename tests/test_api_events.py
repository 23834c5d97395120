"""The public API: published events, filters, pages, time, seats, caching, CORS."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.cache_support import LAYERS, answered_without_sql, recorded_statements, visitor
from tests.conftest import local
from tests.organiser_support import add_registrations
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventKind, EventStatus, EventTranslation
from webapp.extensions import db
from webapp.registration.models import AttendanceMode, RegistrationStatus


def _wall(days: int, hour: int = 10):
    return (now_utc() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0, tzinfo=None
    )


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json["items"]]


def test_lists_upcoming_public_events_soonest_first_without_drafts(client, make_event):
    make_event(slug="later", start_local=_wall(30))
    make_event(slug="sooner", start_local=_wall(3))
    make_event(slug="draft", status=EventStatus.DRAFT)
    make_event(slug="called-off", status=EventStatus.CANCELLED, start_local=_wall(5))
    make_event(slug="over", start_local=_wall(-3))
    response = client.get("/api/v1/events")
    assert response.mimetype == "application/json"
    assert _slugs(response) == ["sooner", "called-off", "later"]
    assert _slugs(client.get("/api/v1/events?when=past")) == ["over"]


def test_an_event_carries_wall_time_zone_and_utc_instant(client, make_event):
    make_event(
        slug="brussels",
        start_local=local("2027-02-28 18:00"),
        end_local=local("2027-02-28 19:30"),
        timezone="Europe/Brussels",
    )
    item = client.get("/api/v1/events/brussels").json
    assert item["starts"] == {
        "local": "2027-02-28T18:00:00",
        "timezone": "Europe/Brussels",
        "utc": "2027-02-28T17:00:00Z",
    }
    assert item["ends"]["local"] == "2027-02-28T19:30:00"
    assert item["ends"]["utc"] == "2027-02-28T18:30:00Z"
    assert item["links"] == {
        "page": "https://convene.test/events/brussels",
        "ics": "https://convene.test/events/brussels.ics",
        "api": "https://convene.test/api/v1/events/brussels",
    }
    assert item["registration"]["state"] == "open"
    assert "online_url" not in item and "secret-room" not in str(item)


def test_summer_time_gives_another_utc_offset(client, make_event):
    make_event(slug="summer", start_local=local("2027-07-01 18:00"), timezone="Europe/Brussels")
    assert client.get("/api/v1/events/summer").json["starts"]["utc"] == "2027-07-01T16:00:00Z"


def test_seats_left_per_mode_of_a_hybrid_event(app, client, make_event):
    event = make_event(
        slug="hybrid",
        format=EventFormat.HYBRID,
        venue_name="Hall A",
        city="Malmö",
        capacity=2,
        online_capacity=10,
    )
    add_registrations(app, event.id, [{"attendance_mode": AttendanceMode.IN_PERSON}] * 2)
    add_registrations(app, event.id, [{"attendance_mode": AttendanceMode.ONLINE}])
    listed = client.get("/api/v1/events").json["items"][0]
    single = client.get("/api/v1/events/hybrid").json
    for item in (listed, single):
        assert item["seats"] == {
            "in_person": {"capacity": 2, "seats_left": 0},
            "online": {"capacity": 10, "seats_left": 9},
        }
        assert item["registration"]["state"] == "open"  # online seats are still free
        assert item["venue"]["city"] == "Malmö"


def test_full_event_takes_its_waiting_list(app, client, make_event):
    event = make_event(slug="full", capacity=1)
    add_registrations(app, event.id, [{}, {"status": RegistrationStatus.WAITLISTED}])
    item = client.get("/api/v1/events").json["items"][0]
    assert item["seats"]["in_person"] == {"capacity": 1, "seats_left": 0}
    assert item["seats"]["online"] is None
    assert item["registration"] == {
        "state": "waiting_list",
        "accepts_registrations": True,
        "opens_at": None,
        "closes_at": item["starts"]["utc"],
    }


def test_one_query_for_the_seats_of_a_whole_page(app, client, make_event):
    for number in range(6):
        event = make_event(capacity=5, start_local=_wall(number + 1))
        add_registrations(app, event.id, [{}])
    app.config["PAGE_CACHE"] = False
    with recorded_statements(app) as statements:
        assert len(client.get("/api/v1/events").json["items"]) == 6
    seats = [s for s in statements if "FROM registration" in s]
    assert len(seats) == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=summit", ["summit"]),
        ("format=hybrid", ["summit"]),
        ("format=online&kind=webinar", ["webinar"]),
        ("q=malmo", ["summit"]),  # accents ignored
        ("q=MALMÖ", ["summit"]),
        ("q=nothing-like-it", []),
        ("language=da", ["webinar"]),
        ("language=sv", []),
    ],
)
def test_filters(app, client, make_event, query, expected):
    make_event(slug="webinar", kind=EventKind.WEBINAR)
    make_event(
        slug="summit",
        kind=EventKind.SUMMIT,
        format=EventFormat.HYBRID,
        city="Malmö",
        start_local=_wall(8),
    )
    with app.app_context():
        begin_write(db.session)
        db.session.add(
            EventTranslation(
                event_id=db.session.scalar(db.select(Event.id).where(Event.slug == "webinar")),
                language="da",
                title="Webinar om smart specialisering",
            )
        )
        db.session.commit()
    assert _slugs(client.get(f"/api/v1/events?{query}")) == expected


def test_lang_gives_the_translation_and_says_which_language(app, client, make_event):
    event = make_event(slug="translated", title="Cluster day")
    with app.app_context():
        begin_write(db.session)
        db.session.add(EventTranslation(event_id=event.id, language="de", title="Clustertag"))
        db.session.commit()
    german = client.get("/api/v1/events/translated?lang=de").json
    assert (german["title"], german["language"]) == ("Clustertag", "de")
    assert german["languages"] == ["en", "de"]
    assert german["links"]["page"] == "https://convene.test/de/events/translated"
    swedish = client.get("/api/v1/events/translated?lang=sv").json
    assert (swedish["title"], swedish["language"]) == ("Cluster day", "en")


def test_date_range_is_read_in_the_given_zone(client, make_event):
    # 00:30 in Brussels on 1 March is still 28 February in UTC.
    make_event(
        slug="after-midnight",
        start_local=local("2027-03-01 00:30"),
        end_local=local("2027-03-01 02:00"),
        timezone="Europe/Brussels",
    )
    make_event(slug="next-day", start_local=local("2027-03-02 12:00"), timezone="UTC")
    brussels = "from=2027-03-01&to=2027-03-01&timezone=Europe/Brussels"
    assert _slugs(client.get(f"/api/v1/events?{brussels}")) == ["after-midnight"]
    assert _slugs(client.get("/api/v1/events?from=2027-03-01&to=2027-03-01")) == []
    assert _slugs(client.get("/api/v1/events?from=2027-02-28&to=2027-02-28")) == ["after-midnight"]
    assert _slugs(client.get("/api/v1/events?from=2027-03-01")) == ["next-day"]
    assert _slugs(client.get("/api/v1/events?to=2027-03-02")) == ["after-midnight", "next-day"]


def test_pages_and_their_links(client, make_event):
    for number in range(5):
        make_event(slug=f"e{number}", start_local=_wall(number + 1))
    first = client.get("/api/v1/events?per_page=2&kind=webinar")
    body = first.json
    assert _slugs(first) == ["e0", "e1"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 2, 5, 3)
    assert body["links"]["prev"] is None
    assert body["links"]["next"].startswith("https://convene.test/api/v1/events?")
    assert "kind=webinar" in body["links"]["next"] and "page=2" in body["links"]["next"]
    assert 'rel="next"' in first.headers["Link"]
    last = client.get(body["links"]["last"].removeprefix("https://convene.test"))
    assert _slugs(last) == ["e4"]
    assert last.json["links"]["next"] is None
    beyond = client.get("/api/v1/events?per_page=2&page=9")
    assert _slugs(beyond) == []
    assert beyond.json["links"]["prev"].endswith("page=3&per_page=2")


def test_an_empty_list_is_one_empty_page(client):
    body = client.get("/api/v1/events").json
    assert (body["items"], body["total"], body["pages"]) == ([], 0, 1)
    assert body["links"]["next"] is None and body["links"]["prev"] is None


@pytest.mark.parametrize("per_page", ["0", "101", "-1", "1e3", "nan", "9" * 40])
def test_per_page_out_of_bounds_is_422(client, per_page):
    response = client.get(f"/api/v1/events?per_page={per_page}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "per_page" in response.json["errors"]["query"]


def test_bounds_of_per_page_are_accepted(client, make_event):
    make_event()
    assert client.get("/api/v1/events?per_page=1").status_code == 200
    assert client.get("/api/v1/events?per_page=100").status_code == 200


def test_drafts_and_unknown_slugs_are_404_problems(client, make_event):
    make_event(slug="secret", status=EventStatus.DRAFT)
    for slug in ("secret", "nothing-here"):
        response = client.get(f"/api/v1/events/{slug}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 404 and response.json["detail"]


def test_etag_gives_304_until_the_event_changes(app, client, make_event):
    event = make_event(slug="tagged", title="First title")
    for url in ("/api/v1/events", "/api/v1/events/tagged"):
        first = client.get(url)
        etag = first.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""
        assert again.headers["ETag"] == etag
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).title = "Second title"
        db.session.commit()
    for url in ("/api/v1/events", "/api/v1/events/tagged"):
        changed = client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert "Second title" in changed.text


def test_new_registrations_change_the_seats_at_once(app, client, make_event):
    event = make_event(slug="seats", capacity=3)
    assert client.get("/api/v1/events/seats").json["seats"]["in_person"]["seats_left"] == 3
    add_registrations(app, event.id, [{}])
    assert client.get("/api/v1/events/seats").json["seats"]["in_person"]["seats_left"] == 2
    assert client.get("/api/v1/events").json["items"][0]["seats"]["in_person"]["seats_left"] == 2


def test_the_clock_closing_registration_changes_the_answer(client, make_event, clock):
    closes = now_utc() + timedelta(hours=1)
    make_event(slug="closing", registration_closes_at=closes)
    assert client.get("/api/v1/events/closing").json["registration"]["state"] == "open"
    clock.move_to(closes + timedelta(seconds=1))
    assert client.get("/api/v1/events/closing").json["registration"]["state"] == "closed"
    assert client.get("/api/v1/events").json["items"][0]["registration"]["state"] == "closed"


@pytest.mark.parametrize("layer", LAYERS)
def test_repeated_reads_run_no_queries(app, make_event, layer):
    guest = visitor(app, layer)
    make_event(slug="kept")
    for path in ("/api/v1/events?kind=webinar", "/api/v1/events/kept"):
        first = guest.get(path)
        again = guest.get(path)  # PostgreSQL's token moves once the first read has ended
        assert again.status_code == 200 and again.data == first.data
        assert answered_without_sql(app, lambda path=path: guest.get(path))


def test_cors_on_public_reads_and_their_preflight(client, make_event):
    make_event(slug="shared")
    for url in ("/api/v1/events", "/api/v1/events/shared", "/api/v1/events/missing"):
        assert client.get(url).headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/events",
        headers={
            "Origin": "https://partner.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "ETag" in client.get("/api/v1/events").headers["Access-Control-Expose-Headers"]


def test_public_answers_set_no_cookie(client, make_event):
    make_event(slug="plain")
    for url in ("/api/v1/events", "/api/v1/events/plain", "/api/v1/events/x", "/api/v1/x"):
        assert "Set-Cookie" not in client.get(url).headers


@pytest.fixture
def rate_limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, API_PUBLIC_RATE_LIMIT="2 per minute")


def test_public_rate_limit_answers_429_problem(rate_limited, make_event, client):
    make_event(slug="limited")
    # Both endpoints share one budget per client address; cookies keep the replay away.
    client.set_cookie("tracking", "1")
    statuses = [client.get(url).status_code for url in ["/api/v1/events", "/api/v1/events/limited"]]
    assert statuses == [200, 200]
    refused = client.get("/api/v1/events?page=2")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 429
    assert refused.headers["Access-Control-Allow-Origin"] == "*"

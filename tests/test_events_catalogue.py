"""The public listing: upcoming soonest first, filters, search, pagination, past events."""

import re
from datetime import timedelta

import pytest

from webapp.db import begin_write, now_utc
from webapp.events import services
from webapp.events.models import Event, EventKind, EventStatus
from webapp.extensions import db


def _titles(html: str) -> list[str]:
    return re.findall(r'class="event-title"><a href="[^"]+">([^<]+)</a>', html)


def _wall(days: int, hour: int = 10):
    return (now_utc() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0, tzinfo=None
    )


def test_upcoming_events_are_listed_soonest_first(client, make_event):
    make_event(title="Later summit", start_local=_wall(30), kind=EventKind.SUMMIT)
    make_event(title="Sooner webinar", start_local=_wall(3))
    make_event(title="Middle workshop", start_local=_wall(10), kind=EventKind.WORKSHOP)
    response = client.get("/")
    assert response.status_code == 200
    assert _titles(response.text) == ["Sooner webinar", "Middle workshop", "Later summit"]


def test_sorting_uses_the_utc_instant_not_the_wall_time(client, make_event):
    # 10:00 in Sydney is long before 09:00 in New York on the same day.
    make_event(title="New York morning", start_local=_wall(5, 9), timezone="America/New_York")
    make_event(title="Sydney morning", start_local=_wall(5, 10), timezone="Australia/Sydney")
    assert _titles(client.get("/").text) == ["Sydney morning", "New York morning"]


def test_drafts_never_appear_and_cancelled_events_are_marked(client, make_event):
    make_event(title="Secret draft", status=EventStatus.DRAFT)
    make_event(title="Called off", status=EventStatus.CANCELLED)
    html = client.get("/").text
    assert "Secret draft" not in html
    assert _titles(html) == ["Called off"]
    assert "badge-cancelled" in html


def test_filter_by_kind(client, make_event):
    make_event(title="A webinar", kind=EventKind.WEBINAR)
    make_event(title="A summit", kind=EventKind.SUMMIT)
    assert _titles(client.get("/?kind=summit").text) == ["A summit"]
    assert _titles(client.get("/?kind=webinar").text) == ["A webinar"]
    # An unknown kind is no filter, not an error.
    response = client.get("/?kind=picnic")
    assert response.status_code == 200
    assert sorted(_titles(response.text)) == ["A summit", "A webinar"]


def test_search_matches_title_and_summary_case_insensitively(client, make_event):
    make_event(title="Cluster Summit Malmö", summary="Øresund region")
    make_event(title="Smart Regions", summary="The smart guide to CLUSTER policy")
    make_event(title="Unrelated", summary="Nothing here", organiser_name="Someone else")
    assert sorted(_titles(client.get("/?q=cluster").text)) == [
        "Cluster Summit Malmö",
        "Smart Regions",
    ]
    assert _titles(client.get("/?q=%C3%98resund").text) == ["Cluster Summit Malmö"]


def test_search_wildcards_are_literal(client, make_event):
    make_event(title="Growth 100% digital")
    make_event(title="Growth 1000 digital")
    assert _titles(client.get("/?q=100%25").text) == ["Growth 100% digital"]
    assert _titles(client.get("/?q=_").text) == []


def test_pagination(app, client, make_event):
    app.config["EVENTS_PER_PAGE"] = 2
    for day in range(1, 6):
        make_event(title=f"Event day {day}", start_local=_wall(day))
    first = client.get("/")
    assert _titles(first.text) == ["Event day 1", "Event day 2"]
    assert "Page 1 of 3" in first.text
    assert _titles(client.get("/?page=3").text) == ["Event day 5"]
    assert _titles(client.get("/?page=99").text) == []
    assert client.get("/?page=-1").status_code == 200
    assert client.get("/?page=abc").status_code == 200


def test_pagination_links_keep_the_filters(app, client, make_event):
    app.config["EVENTS_PER_PAGE"] = 1
    make_event(title="Summit one", kind=EventKind.SUMMIT, start_local=_wall(2))
    make_event(title="Summit two", kind=EventKind.SUMMIT, start_local=_wall(3))
    html = client.get("/?kind=summit&q=summit").text
    assert 'href="/?page=2&amp;kind=summit&amp;q=summit"' in html


def test_past_events_newest_first_and_not_in_upcoming(client, make_event):
    make_event(title="Long ago", start_local=_wall(-60))
    make_event(title="Last week", start_local=_wall(-7))
    make_event(title="Next week", start_local=_wall(7))
    assert _titles(client.get("/").text) == ["Next week"]
    assert _titles(client.get("/events/past").text) == ["Last week", "Long ago"]


def test_event_in_progress_is_still_upcoming(client, make_event):
    start = (now_utc() - timedelta(hours=1)).replace(tzinfo=None, second=0, microsecond=0)
    make_event(
        title="Happening now",
        start_local=start,
        timezone="UTC",
        end_local=start + timedelta(hours=3),
    )
    assert _titles(client.get("/").text) == ["Happening now"]


def test_titles_are_escaped(client, make_event):
    make_event(title="<script>alert(1)</script> Summit")
    html = client.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Summit" in html


@pytest.mark.parametrize("path", ["/", "/events/past", "/?kind=webinar&q=x&page=2"])
def test_listing_pages_render_without_events(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "No " in response.text


def test_a_postponed_event_stays_upcoming_after_its_old_date(app, client, make_event):
    postponed = make_event(title="Postponed talk", start_local=_wall(-7))
    make_event(title="Last week", start_local=_wall(-7, 12))
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, postponed.id).postponed_at = now_utc() - timedelta(days=8)
        db.session.commit()
        assert services.next_catalogue_change(now_utc()) is None  # nothing left to end
    assert _titles(client.get("/").text) == ["Postponed talk"]
    assert _titles(client.get("/events/past").text) == ["Last week"]

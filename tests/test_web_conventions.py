"""The web's conventions: the Atom feed, sitemap.xml, robots.txt, icons and the manifest,
and the event page's share tags. Every XML file is parsed back."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser

from tests.conftest import local
from webapp.db import begin_write
from webapp.events.models import Event, EventFormat, EventKind, EventStatus, EventTranslation
from webapp.extensions import db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def atom(client, path: str = "/events.atom") -> tuple[ET.Element, feedparser.FeedParserDict]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return ET.fromstring(response.data), parsed  # noqa: S314 (our own output)


def test_the_feed_holds_the_required_atom_elements(client, make_event):
    event = make_event(title="Smart <specialisation> & clusters", capacity=20)
    root, parsed = atom(client)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://convene.test/events.atom"
    assert parsed.version == "atom10"
    (entry,) = parsed.entries
    assert entry.title == "Smart <specialisation> & clusters"
    assert entry.link == f"https://convene.test/events/{event.slug}"
    assert entry.id.startswith("urn:uuid:")
    assert entry.author == "Cluster Policy Platform"
    assert "CET" in entry.summary or "CEST" in entry.summary
    assert "Online" in entry.summary
    assert entry.updated_parsed and entry.published_parsed
    element = root.find(f"{ATOM}entry")
    for name in ("id", "title", "updated", "published", "summary", "author"):
        assert element.find(f"{ATOM}{name}") is not None, name
    related = element.find(f"{ATOM}link[@rel='related']")
    assert related.get("href").endswith(f"/events/{event.slug}.ics")
    assert "events@cluster.example" not in client.get("/events.atom").text


def test_the_feed_holds_only_published_upcoming_events(client, make_event, clock):
    make_event(title="Upcoming")
    make_event(title="Draft", status=EventStatus.DRAFT)
    make_event(title="Cancelled", status=EventStatus.CANCELLED)
    make_event(
        title="Over", start_local=local("2020-03-01 10:00"), end_local=local("2020-03-01 11:00")
    )
    _, parsed = atom(client)
    assert [entry.title for entry in parsed.entries] == ["Upcoming"]


def test_the_feed_filters_by_kind_and_speaks_the_urls_language(app, client, make_event):
    webinar = make_event(title="Webinar in English", kind=EventKind.WEBINAR)
    make_event(
        title="A workshop", kind=EventKind.WORKSHOP, format=EventFormat.IN_PERSON, city="Lund"
    )
    with app.app_context():
        begin_write(db.session)
        db.session.add(
            EventTranslation(event_id=webinar.id, language="da", title="Webinar på dansk")
        )
        db.session.commit()
    root, parsed = atom(client, "/da/events.atom?kind=webinar")
    assert root.get(XML_LANG) == "da"
    assert [entry.title for entry in parsed.entries] == ["Webinar på dansk"]
    assert parsed.entries[0].link == f"https://convene.test/da/events/{webinar.slug}"
    assert "kl." in parsed.entries[0].summary
    _, workshops = atom(client, "/events.atom?kind=workshop")
    assert [entry.title for entry in workshops.entries] == ["A workshop"]
    assert "Lund" in workshops.entries[0].summary
    redirect = client.get("/events.atom?lang=sv&kind=webinar")
    assert redirect.status_code == 302
    assert redirect.headers["Location"].startswith("/sv/events.atom?")


def test_the_feed_answers_304_until_an_event_changes(app, client, make_event):
    event = make_event(title="Before")
    first = client.get("/events.atom")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/events.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).title = "After"
        db.session.commit()
    changed = client.get("/events.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "After" in changed.text


def test_an_empty_feed_is_still_valid(client):
    root, parsed = atom(client)
    assert parsed.entries == []
    assert root.find(f"{ATOM}updated").text


def test_control_characters_never_reach_the_xml(app, client, make_event):
    event = make_event(title="Clean title")
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).summary = "Bell\x07 and tab\tkept"
        db.session.commit()
    _, parsed = atom(client)
    assert "Bell and tab\tkept" in parsed.entries[0].summary


def test_the_sitemap_lists_published_events_with_every_language(client, make_event):
    upcoming = make_event(title="Upcoming")
    past = make_event(
        title="Past", start_local=local("2020-03-01 10:00"), end_local=local("2020-03-01 11:00")
    )
    draft = make_event(title="Draft", status=EventStatus.DRAFT)
    cancelled = make_event(title="Cancelled", status=EventStatus.CANCELLED)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)  # noqa: S314 (our own output)
    assert root.tag == f"{SITEMAP}urlset"
    urls = {url.find(f"{SITEMAP}loc").text: url for url in root.findall(f"{SITEMAP}url")}
    for event in (upcoming, past):
        for prefix in ("", "/da", "/sv", "/de"):
            assert f"https://convene.test{prefix}/events/{event.slug}" in urls
    for event in (draft, cancelled):
        assert not any(event.slug in loc for loc in urls)
    assert "https://convene.test/" in urls and "https://convene.test/da/events/past" in urls
    entry = urls[f"https://convene.test/sv/events/{upcoming.slug}"]
    alternates = {link.get("hreflang"): link.get("href") for link in entry.findall(f"{XHTML}link")}
    assert alternates == {
        "en": f"https://convene.test/events/{upcoming.slug}",
        "da": f"https://convene.test/da/events/{upcoming.slug}",
        "sv": f"https://convene.test/sv/events/{upcoming.slug}",
        "de": f"https://convene.test/de/events/{upcoming.slug}",
        "x-default": f"https://convene.test/events/{upcoming.slug}",
    }
    assert entry.find(f"{SITEMAP}lastmod").text.endswith("Z")


def test_robots_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.text.splitlines()
    for path in ("/organiser/", "/r/", "/join/", "/da/r/", "/de/organiser/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: https://convene.test/sitemap.xml" in lines
    assert "Disallow: /" not in lines


def test_favicon_icons_and_manifest_are_served(client):

    from PIL import Image

    with client.get("/favicon.ico") as favicon:
        assert favicon.status_code == 200
        assert Image.open(io.BytesIO(favicon.data)).format == "ICO"
        assert "max-age" in favicon.headers["Cache-Control"]
    for name, size in (("apple-touch-icon.png", 180), ("icon-192.png", 192), ("icon-512.png", 512)):
        with client.get(f"/static/icons/{name}") as response:
            assert Image.open(io.BytesIO(response.data)).size == (size, size)
    with client.get("/static/manifest.webmanifest") as manifest:
        assert manifest.mimetype == "application/manifest+json"
        icons = json.loads(manifest.data)["icons"]
    for icon in icons:
        with client.get(f"/static/{icon['src']}") as response:
            assert response.status_code == 200
    page = client.get("/").text
    assert 'rel="manifest"' in page and 'rel="apple-touch-icon"' in page and 'rel="icon"' in page
    assert 'type="application/atom+xml"' in page


def test_the_event_page_carries_share_tags_with_absolute_urls(client, make_event):
    event = make_event(title="Share me")
    html = client.get(f"/da/events/{event.slug}").text
    assert f'<meta property="og:url" content="https://convene.test/da/events/{event.slug}">' in html
    assert '<meta property="og:title" content="Share me">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert (
        f'<meta property="og:image" content="https://convene.test/da/events/{event.slug}/share/'
        in html
    )


def test_the_sitemap_and_feed_answer_conditional_requests(client, make_event):
    make_event(title="Conditional")
    for path in ("/sitemap.xml", "/events.atom", "/da/events.atom?kind=webinar"):
        first = client.get(path)
        assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        since = {"If-Modified-Since": first.headers["Last-Modified"]}
        assert client.get(path, headers=since).status_code == 304
        assert client.head(path).status_code == 200


def test_the_feeds_last_modified_moves_when_an_event_leaves_it(app, client, make_event, clock):
    event = make_event(title="Leaving")
    first = client.get("/events.atom")
    clock.shift(timedelta(minutes=5))
    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).status = EventStatus.CANCELLED
        db.session.commit()
    second = client.get(
        "/events.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert second.status_code == 200
    assert "Leaving" not in client.get("/events.atom").text
    assert client.get("/events.atom").headers["ETag"] != first.headers["ETag"]

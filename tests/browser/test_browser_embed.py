"""In Chromium: a partner page on another origin embeds the event list with the script tag.

The partner is a second local server (another port on 127.0.0.1: another origin). With its
origin allowed, the frame shows the events and takes their height; with it not allowed, the
browser refuses the frame (a CSP frame-ancestors violation); any other Convene page is
refused in a frame even from an allowed origin.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.browser.a11y import assert_accessible
from tests.browser.pw import expect
from webapp import site_settings
from webapp.extensions import db

PARTNER_PAGES: dict[str, str] = {}


@Request.application
def partner_site(request: Request) -> Response:
    """The partner's site: whatever page a test put at the path."""
    body = PARTNER_PAGES.get(request.path)
    if body is None:
        return Response("not found", status=404)
    return Response(body, mimetype="text/html")


@pytest.fixture(scope="module")
def partner() -> Iterator[str]:
    """The partner site's origin (another port, so another origin than Convene's)."""
    server = make_server("127.0.0.1", 0, partner_site, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="partner-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def allow(live_server, *origins: str) -> None:
    with live_server.app.app_context():
        site_settings.save({"embed.allowed_origins": list(origins)}, None)
        db.session.commit()


def partner_page(body: str) -> str:
    path = f"/page-{uuid.uuid4().hex[:8]}"
    PARTNER_PAGES[path] = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Partner</title>"
        f"</head><body><h1>Partner cluster</h1>{body}<p>After the list</p></body></html>"
    )
    return path


def snippet(live_server, **data: str) -> str:
    attributes = " ".join(f'data-{name}="{value}"' for name, value in data.items())
    return f'<script src="{live_server.url}/static/js/embed.js" {attributes} async></script>'


def test_an_allowed_partner_shows_the_list_at_its_full_height(live_server, partner, page):
    tag = uuid.uuid4().hex[:6]
    titles = [f"Embedded webinar {tag} {n}" for n in range(4)]
    for title in titles:
        live_server.make_event(title=title)
    allow(live_server, partner)
    page.set_viewport_size({"width": 420, "height": 800})  # a phone: the cards stack
    page.goto(partner + partner_page(snippet(live_server, kind="webinar")))
    frame = page.frame_locator("iframe.convene-embed")
    for title in titles:
        expect(frame.get_by_role("link", name=title)).to_be_visible()
    link = frame.get_by_role("link", name=titles[0])
    expect(link).to_have_attribute("target", "_blank")
    # The partner's script sets the frame's height to the list's own height.
    page.wait_for_function(
        """() => {
            const frame = document.querySelector("iframe.convene-embed");
            const inner = frame.contentDocument;  // null: cross-origin, so ask the height set
            return inner === null && frame.style.height !== "300px";
        }"""
    )
    embedded = next(f for f in page.frames if "/embed" in f.url)
    content = embedded.evaluate(
        "() => Math.ceil(document.documentElement.getBoundingClientRect().height)"
    )
    frame_height = page.evaluate(
        "() => document.querySelector('iframe.convene-embed').getBoundingClientRect().height"
    )
    assert abs(frame_height - content) <= 1
    assert content > 300  # four stacked cards need more than the starting height
    # Nothing to scroll inside the frame: it shows all of the list.
    assert embedded.evaluate(
        "() => document.documentElement.scrollHeight <= window.innerHeight + 1"
    )


def test_a_partner_not_allowed_gets_a_refused_frame(live_server, partner, page):
    live_server.make_event(title=f"Hidden webinar {uuid.uuid4().hex[:6]}")
    allow(live_server, "https://partner.example")
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as message:
        page.goto(partner + partner_page(snippet(live_server)))
    assert "https://partner.example" in message.value.text
    expect(page.get_by_text("After the list")).to_be_visible()
    assert not any(
        "Hidden webinar" in (f.content() if "/embed" in f.url else "") for f in page.frames[1:]
    )
    expect(page.frame_locator("iframe.convene-embed").get_by_role("heading")).to_have_count(0)


def test_other_pages_are_refused_in_a_frame_even_from_an_allowed_origin(live_server, partner, page):
    event = live_server.make_event(title=f"Framed page {uuid.uuid4().hex[:6]}")
    allow(live_server, partner)
    frame_tag = f'<iframe title="Event" src="{live_server.url}/events/{event.slug}"></iframe>'
    with page.expect_console_message(lambda m: "frame-ancestors 'none'" in m.text):
        page.goto(partner + partner_page(frame_tag))
    expect(page.frame_locator("iframe").get_by_text(event.title)).to_have_count(0)


def test_the_embedded_list_is_accessible(live_server, page):
    live_server.make_event(title=f"Accessible webinar {uuid.uuid4().hex[:6]}", capacity=30)
    for path in ("/embed", "/da/embed?kind=webinar"):
        page.goto(path)
        expect(page.get_by_role("main")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("list").first).to_be_visible()
        assert_accessible(page)

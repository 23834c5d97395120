"""An attendee opens their personal join link early and sees the countdown (the start in
the event's zone and in their own); after the start the link's button takes them to the
meeting, a page served by the test. CSRF is on; the live server's clock is moved."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
import time_machine

from tests.browser.a11y import assert_accessible
from tests.browser.people import unique_email
from tests.browser.pw import expect
from tests.registration_support import register
from webapp import timezones
from webapp.db import now_utc
from webapp.extensions import db
from webapp.registration.models import Registration

JOIN_LINK = re.compile(r"http://127\.0\.0\.1:\d+/join/[0-9]+\.[A-Za-z0-9_-]{43}")


class _MeetingRoom(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><html lang=en><title>Meeting room</title><h1>Meeting room</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def meeting_url() -> Iterator[str]:
    """A local web page standing in for the video meeting."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MeetingRoom)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/room"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def _joins(live_server, email: str) -> int:
    with live_server.app.app_context():
        return db.session.scalar(
            sa.select(Registration.join_count).where(Registration.email == email)
        )


def test_early_countdown_then_the_meeting_after_the_start(live_server, new_context, meeting_url):
    start = (now_utc() + timedelta(hours=3)).replace(second=0, microsecond=0)
    wall = timezones.to_local(start, "Europe/Brussels").replace(tzinfo=None)
    event = live_server.make_event(
        title="Join link webinar", start_local=wall, online_url=meeting_url
    )
    email = unique_email("joiner")
    register(live_server.app, event.id, email)
    live_server.deliver_mail()
    (mail,) = live_server.mail_to(email)
    text = mail.message.get_body(("plain",)).get_content()
    assert meeting_url not in text
    link = JOIN_LINK.search(text).group(0)

    # A reader in New York opens the link hours early.
    page = new_context(timezone_id="America/New_York").new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the event online")
    expect(page.locator(".countdown")).to_contain_text(re.compile(r"Opens in 2:4\d:\d\d"))
    expect(page.locator(".reader-time")).to_contain_text("America/New_York")
    zone = timezones.abbreviation(start, "Europe/Brussels")  # CET or CEST
    # The event's own time names its zone (on the date line, or on the daily hours of an
    # event that runs past midnight there).
    expect(page.locator("dd", has=page.locator(".event-time"))).to_contain_text(zone)
    expect(page.get_by_role("button", name="Join now")).to_have_count(0)
    assert_accessible(page)
    assert _joins(live_server, email) == 0

    with time_machine.travel(start + timedelta(minutes=1), tick=True):
        page.reload()
        expect(page.get_by_role("status")).to_contain_text("The meeting is open")
        assert_accessible(page)
        page.get_by_role("button", name="Join now").click()
        expect(page).to_have_url(meeting_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Meeting room")
    assert _joins(live_server, email) == 1

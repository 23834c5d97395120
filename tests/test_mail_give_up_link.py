"""Every confirmation, waiting-list, promotion and reminder email offers "I can't come",
which leads to the manage page's cancel confirmation in the registration's language."""

from __future__ import annotations

import re

import pytest

from tests.mail_support import deliver
from tests.registration_support import register
from webapp.db import begin_write
from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.mail import messages
from webapp.mail.messages import MessageKind
from webapp.registration.models import AttendanceMode, Registration

BASE = "https://convene.test"


def _bodies(mail) -> tuple[str, str]:
    text = mail.message.get_body(("plain",)).get_content()
    html = mail.message.get_body(("html",)).get_content()
    return text, html


def _cancel_links(text: str, html: str) -> tuple[str, str]:
    in_text = re.search(rf"{BASE}\S*/r/[\w-]+/cancel", text).group(0)
    in_html = re.search(rf'href="({BASE}[^"]*/r/[\w-]+/cancel)"', html).group(1)
    return in_text, in_html


def _queue(app, registration_id: int, kind: MessageKind) -> None:
    with app.app_context():
        begin_write(db.session)
        messages.queue_for_registration(db.session.get(Registration, registration_id), kind)
        db.session.commit()


@pytest.mark.parametrize("kind", [MessageKind.REMINDER_24H, MessageKind.REMINDER_1H])
def test_reminders_offer_to_give_the_seat_away(app, client, smtp_server, make_event, kind):
    registration_id, token, _ = register(app, make_event().id, "ana@example.org")
    _queue(app, registration_id, kind)
    deliver(app)
    text, html = _bodies(smtp_server.messages[-1])
    assert "I can't come – give my seat to the next person" in text
    assert "I can't come – give my seat to the next person" in html
    assert _cancel_links(text, html) == (f"{BASE}/r/{token}/cancel",) * 2


def test_the_confirmation_link_leads_to_the_cancel_confirmation(
    app, client, smtp_server, make_event
):
    event = make_event()
    registration_id, token, _ = register(app, event.id, "ana@example.org")
    deliver(app)
    text, html = _bodies(smtp_server.messages[0])
    link, html_link = _cancel_links(text, html)
    assert link == html_link == f"{BASE}/r/{token}/cancel"
    page = client.get(link.removeprefix(BASE))
    assert page.status_code == 200
    assert "Cancel your registration?" in page.get_data(as_text=True)
    # Following the link changes nothing by itself.
    with app.app_context():
        assert db.session.get(Registration, registration_id).status.value == "confirmed"


def test_the_waiting_list_email_offers_the_place(app, client, smtp_server, make_event):
    event = make_event(capacity=1)
    register(app, event.id, "first@example.org")
    _, token, _ = register(app, event.id, "second@example.org")
    deliver(app)
    mail = next(m for m in smtp_server.messages if m.rcpt_tos == ["second@example.org"])
    text, html = _bodies(mail)
    assert "I can't come – give my place to the next person" in text
    assert "give my place to the next person" in html
    assert _cancel_links(text, html) == (f"{BASE}/r/{token}/cancel",) * 2
    page = client.get(f"/r/{token}/cancel").get_data(as_text=True)
    assert "You leave the waiting list." in page


def test_the_promotion_email_offers_the_seat(app, client, smtp_server, make_event):
    event = make_event(capacity=1)
    _, first, _ = register(app, event.id, "first@example.org")
    _, second, _ = register(app, event.id, "second@example.org")
    client.post(f"/r/{first}/cancel")
    deliver(app)
    promoted = [m for m in smtp_server.messages if m.rcpt_tos == ["second@example.org"]][-1]
    assert promoted.message["Subject"].startswith("A seat is yours")
    text, html = _bodies(promoted)
    assert "give my seat to the next person" in text
    assert _cancel_links(text, html) == (f"{BASE}/r/{second}/cancel",) * 2


def test_the_link_is_in_the_registrations_language(app, client, smtp_server, make_event):
    _, token, _ = register(app, make_event().id, "ana@example.org", language="da")
    deliver(app)
    text, html = _bodies(smtp_server.messages[0])
    link, _ = _cancel_links(text, html)
    assert link == f"{BASE}/da/r/{token}/cancel"
    assert "Jeg kan ikke komme" in text
    page = client.get(link.removeprefix(BASE)).get_data(as_text=True)
    assert 'lang="da"' in page


def test_the_mode_change_email_offers_the_seat(app, client, smtp_server, make_event):
    event = make_event(
        format=EventFormat.HYBRID, capacity=5, online_capacity=5, city="Brussels", venue_name="Hall"
    )
    registration_id, token, _ = register(
        app, event.id, "ana@example.org", attendance_mode=AttendanceMode.ONLINE
    )
    _queue(app, registration_id, MessageKind.MODE_CHANGED)
    deliver(app)
    mail = smtp_server.messages[-1]
    assert mail.message["Subject"].startswith("How you attend has changed")
    text, html = _bodies(mail)
    assert "I can't come – give my seat to the next person" in text
    assert "I can't come – give my seat to the next person" in html
    assert _cancel_links(text, html) == (f"{BASE}/r/{token}/cancel",) * 2

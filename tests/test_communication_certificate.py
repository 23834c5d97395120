"""The certificate of attendance: a PDF for people who came to an event that has ended,
read back with pypdf; everyone else gets a clear refusal."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf
import pytest
import sqlalchemy as sa

from tests.after_event_support import AFTER, ENDS_AT, past_event_scene, set_event
from tests.conftest import local
from webapp.db import begin_write
from webapp.events.models import EventStatus, EventTranslation
from webapp.extensions import db
from webapp.registration.models import Registration


@pytest.fixture
def scene(app, client, make_event, clock, signed_in_organiser):
    return past_event_scene(app, client, make_event, clock, signed_in_organiser)


def _text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def test_the_certificate_says_who_came_to_what_when_for_how_long_and_by_whom(
    app, client, scene, clock
):
    clock.move_to(AFTER)
    response = client.get(f"/r/{scene.came.token}/certificate.pdf")
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _text(response)
    assert "Certificate of attendance" in text
    assert "Łukasz Żółć" in text  # beyond PDF's core fonts
    assert "Smart Regions Summit" in text
    assert "March 10, 2027" in text  # the day in Brussels
    assert "1 hour 30 minutes" in text
    assert "Organised by Cluster Policy Platform" in text


def test_in_the_registrations_language_with_the_events_title_in_it(app, client, scene, clock):
    with app.app_context():
        begin_write(db.session)
        db.session.get(Registration, scene.came.id).language = "da"
        db.session.add(
            EventTranslation(event_id=scene.event_id, language="da", title="Smarte regioner – Øst")
        )
        db.session.commit()
    clock.move_to(AFTER)
    text = _text(client.get(f"/r/{scene.came.token}/certificate.pdf"))
    assert "Deltagerbevis" in text
    assert "Smarte regioner – Øst" in text
    assert "10. marts 2027" in text
    assert "1 time 30 minutter" in text


def test_an_event_over_several_days_says_its_days(
    app, client, make_event, clock, signed_in_organiser
):
    scene = past_event_scene(
        app,
        client,
        make_event,
        clock,
        signed_in_organiser,
        start_local=local("2027-03-10 09:00"),
        end_local=local("2027-03-11 17:00"),
    )
    clock.move_to(ENDS_AT.replace(day=12))
    text = _text(client.get(f"/r/{scene.came.token}/certificate.pdf"))
    assert "2 days" in text
    assert "March 10, 2027 – March 11, 2027" in text


def test_the_manage_page_offers_it_only_to_those_who_came_after_the_end(app, client, scene, clock):
    link = f"/r/{scene.came.token}/certificate.pdf"
    assert link not in client.get(f"/r/{scene.came.token}").get_data(as_text=True)
    clock.move_to(AFTER)
    assert link in client.get(f"/r/{scene.came.token}").get_data(as_text=True)
    page = client.get(f"/r/{scene.missed.token}").get_data(as_text=True)
    assert "certificate.pdf" not in page


@pytest.mark.parametrize(
    ("person", "message"),
    [
        ("missed", "only for people who took part"),
        ("gone", "There is no certificate for this registration."),
        ("waiting", "There is no certificate for this registration."),
    ],
)
def test_refused_to_people_who_did_not_come(app, client, scene, clock, person, message):
    clock.move_to(AFTER)
    response = client.get(f"/r/{getattr(scene, person).token}/certificate.pdf")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def test_refused_before_the_end_and_for_a_cancelled_event(app, client, scene, clock):
    clock.move_to(ENDS_AT.replace(hour=18, minute=0))  # during the event
    response = client.get(f"/r/{scene.came.token}/certificate.pdf")
    assert response.status_code == 403
    assert "once the event has ended" in response.get_data(as_text=True)
    clock.move_to(AFTER)
    set_event(app, scene.event_id, status=EventStatus.CANCELLED)
    response = client.get(f"/r/{scene.came.token}/certificate.pdf")
    assert response.status_code == 403
    assert "There is no certificate" in response.get_data(as_text=True)


def test_unknown_tokens_get_not_found_and_post_is_not_allowed(app, client, scene, clock):
    clock.move_to(AFTER)
    assert client.get("/r/not-a-real-token/certificate.pdf").status_code == 404
    assert client.post(f"/r/{scene.came.token}/certificate.pdf").status_code == 405
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 4


@pytest.mark.parametrize(
    ("first", "last"),
    [("Sven", "Ørsted"), ("Zoë", "Lefèvre-Ødegård"), ("Ζωή", "Παπαδοπούλου"), ("Вера", "Иванова")],
)
def test_names_print_as_written(app, client, scene, clock, first, last):
    with app.app_context():
        begin_write(db.session)
        registration = db.session.get(Registration, scene.came.id)
        registration.first_name, registration.last_name = first, last
        db.session.commit()
    clock.move_to(AFTER)
    assert f"{first} {last}" in _text(client.get(f"/r/{scene.came.token}/certificate.pdf"))


def test_joining_online_counts_as_coming(app, client, scene, clock):
    with app.app_context():
        begin_write(db.session)
        joined = db.session.get(Registration, scene.missed.id)
        joined.first_joined_at, joined.join_count = ENDS_AT - timedelta(minutes=80), 1
        db.session.commit()
    clock.move_to(AFTER)
    assert "Sven Ørsted" in _text(client.get(f"/r/{scene.missed.token}/certificate.pdf"))

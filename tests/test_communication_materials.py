"""An event's materials: links and a short text, shown to confirmed attendees on their
manage page, or also publicly on the page of the event once it has ended."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.after_event_support import AFTER, materials_form, past_event_scene
from tests.conftest import ORGANISER_EMAIL
from tests.organiser_support import sign_in
from webapp.communication.after_models import EventMaterials, MaterialLink
from webapp.extensions import db


@pytest.fixture
def scene(app, client, make_event, clock, signed_in_organiser):
    return past_event_scene(app, client, make_event, clock, signed_in_organiser)


def _save(client, scene, **overrides):
    return client.post(
        f"/organiser/events/{scene.event_id}/materials", data=materials_form(**overrides)
    )


def _stored(app) -> list[tuple]:
    with app.app_context():
        materials = db.session.scalars(sa.select(EventMaterials)).all()
        links = db.session.execute(
            sa.select(MaterialLink.position, MaterialLink.title, MaterialLink.url).order_by(
                MaterialLink.position
            )
        ).all()
        return [(m.text, m.visibility.value, m.published) for m in materials] + [
            tuple(link) for link in links
        ]


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _slug(app, event_id: int) -> str:
    from webapp.events.models import Event

    with app.app_context():
        return db.session.get(Event, event_id).slug


def test_attendees_see_published_materials_on_their_page_and_nobody_else(app, client, scene, clock):
    response = _save(client, scene)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/organiser/events/{scene.event_id}/after")
    assert _stored(app) == [
        ("Thanks for coming!\nThe <b>slides</b> are below.", "attendees", True),
        (0, "Slides", "https://files.example.org/slides.pdf"),
        (1, "Recording", "http://video.example.org/watch?v=1&t=2"),
    ]
    clock.move_to(AFTER)
    visitor = app.test_client()
    for person in (scene.came, scene.missed):
        page = _page(visitor, f"/r/{person.token}")
        assert "Thanks for coming!<br>The &lt;b&gt;slides&lt;/b&gt; are below." in page
        assert '<a href="https://files.example.org/slides.pdf"' in page
        assert 'href="http://video.example.org/watch?v=1&amp;t=2"' in page
    for person in (scene.gone, scene.waiting):
        assert "slides.pdf" not in _page(visitor, f"/r/{person.token}")
    assert "slides.pdf" not in _page(visitor, f"/events/{_slug(app, scene.event_id)}")


def test_public_materials_appear_on_the_event_page_once_it_has_ended(app, client, scene, clock):
    assert _save(client, scene, visibility="public").status_code == 303
    visitor = app.test_client()
    event_page = f"/events/{_slug(app, scene.event_id)}"
    assert "slides.pdf" not in _page(visitor, event_page)  # not before the end
    clock.move_to(AFTER)
    page = _page(visitor, event_page)
    assert "slides.pdf" in page and "&lt;b&gt;slides&lt;/b&gt;" in page
    assert "<b>slides</b>" not in page
    assert "slides.pdf" in _page(visitor, f"/da/events/{_slug(app, scene.event_id)}")


def test_unpublished_materials_are_shown_to_nobody(app, client, scene, clock):
    assert _save(client, scene, visibility="public", published=None).status_code == 303
    clock.move_to(AFTER)
    visitor = app.test_client()
    assert "slides.pdf" not in _page(visitor, f"/r/{scene.came.token}")
    assert "slides.pdf" not in _page(visitor, f"/events/{_slug(app, scene.event_id)}")


def test_saving_again_replaces_links_and_the_form_shows_what_is_stored(app, client, scene):
    assert _save(client, scene).status_code == 303
    response = _save(client, scene, **{"links-1-title": "", "links-1-url": ""})
    assert response.status_code == 303
    assert _stored(app)[1:] == [(0, "Slides", "https://files.example.org/slides.pdf")]
    page = _page(client, f"/organiser/events/{scene.event_id}/after")
    assert 'value="https://files.example.org/slides.pdf"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"links-0-url": "javascript:alert(1)"}, "starting with https:// or http://"),
        ({"links-0-url": "ftp://files.example.org/x"}, "starting with https:// or http://"),
        ({"links-0-url": "files.example.org/slides.pdf"}, "starting with https:// or http://"),
        ({"links-0-url": "https://"}, "starting with https:// or http://"),
        ({"links-0-title": ""}, "Give this link a title"),
        ({"links-0-url": ""}, "Enter the web address of this link."),
        ({"links-0-url": "https://x.example/" + "a" * 500}, "Use at most 500 characters."),
        ({"text": "x" * 2001}, "Use at most 2000 characters."),
        ({"text": "bell\x07"}, "Please remove control characters."),
        ({"visibility": "everyone"}, None),
        ({"visibility": None}, "Choose who sees the materials."),
    ],
)
def test_bad_materials_are_refused_clearly_and_nothing_is_stored(
    app, client, scene, overrides, message
):
    response = _save(client, scene, **overrides)
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert _stored(app) == []


def test_the_page_is_for_the_events_organisers_only(app, client, scene):
    from tests.organiser_support import make_organiser

    other = app.test_client()
    make_organiser(app, "other@cluster.example", name="Otto")
    sign_in(other, "other@cluster.example")
    assert other.get(f"/organiser/events/{scene.event_id}/after").status_code == 404
    assert _save(other, scene).status_code == 404
    assert _stored(app) == []
    anonymous = app.test_client()
    assert _save(anonymous, scene).status_code in (302, 303)
    assert _stored(app) == []
    sign_in(client, ORGANISER_EMAIL)
    assert client.get(f"/organiser/events/{scene.event_id}/after").status_code == 200

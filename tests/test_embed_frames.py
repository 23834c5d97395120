"""The embeddable list: framed only by the origins an admin lists, every other page refusing
frames; the admin page that lists them; the list's filters and languages."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_CONFIG
from tests.organiser_support import PASSWORD, csrf_token, make_organiser, sign_in
from webapp import site_settings
from webapp.audit import AuditEntry
from webapp.db import begin_write
from webapp.embed.origins import OriginError, parse_origin, parse_origins
from webapp.events.models import EventFormat, EventKind, EventStatus
from webapp.extensions import db

ADMIN = "ada@cluster.example"
PARTNER = "https://partner.example"


def allow(app, *origins: str) -> None:
    with app.app_context():
        site_settings.save({"embed.allowed_origins": list(origins)}, None)
        db.session.commit()


def frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    match = re.search(r"frame-ancestors ([^;]+)", policy)
    assert match, policy
    return match.group(1).strip()


@pytest.fixture
def admin_client(app, client):
    make_organiser(app, ADMIN, admin=True, name="Ada")
    sign_in(client, ADMIN)
    return client


def test_without_origins_the_embed_refuses_frames_like_every_page(client):
    response = client.get("/embed")
    assert response.status_code == 200
    assert frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/embed", "/da/embed", "/embed?kind=webinar&format=online"])
def test_allowed_origins_may_frame_the_embed_only(app, client, path):
    allow(app, PARTNER, "https://*.cluster.example")
    response = client.get(path)
    assert response.status_code == 200
    assert frame_ancestors(response) == f"{PARTNER} https://*.cluster.example"
    assert "X-Frame-Options" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_other_page_keeps_refusing_frames(app, client, make_event):
    allow(app, PARTNER)
    event = make_event()
    paths = [
        "/",
        "/da/",
        "/events/past",
        f"/events/{event.slug}",
        f"/da/events/{event.slug}",
        f"/events/{event.slug}/register",
        "/organiser/sign-in",
        "/organiser/admin/embedding",
        "/privacy",
        "/events.atom",
        "/no-such-page",
        "/embedding",
    ]
    for path in paths:
        response = client.get(path)
        assert frame_ancestors(response) == "'none'", path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_a_language_in_the_query_redirects_to_the_prefixed_list(client):
    response = client.get("/embed?kind=webinar&lang=da")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/da/embed?")
    assert "kind=webinar" in response.headers["Location"]
    assert client.get("/embed?lang=xx").status_code == 200  # unknown: the default language


def test_the_list_shows_upcoming_public_events_filtered(client, make_event, clock):
    make_event(title="Open webinar", kind=EventKind.WEBINAR)
    make_event(
        title="Aarhus workshop",
        kind=EventKind.WORKSHOP,
        format=EventFormat.IN_PERSON,
        city="Aarhus",
    )
    make_event(title="Draft webinar", status=EventStatus.DRAFT)
    make_event(title="Called off", status=EventStatus.CANCELLED)
    html = client.get("/embed").text
    assert "Open webinar" in html and "Aarhus workshop" in html and "Called off" in html
    assert "Draft webinar" not in html
    webinars = client.get("/embed?kind=webinar").text
    assert "Open webinar" in webinars and "Aarhus workshop" not in webinars
    in_person = client.get("/embed?format=in_person").text
    assert "Aarhus workshop" in in_person and "Open webinar" not in in_person
    assert "Open webinar" in client.get("/embed?kind=nonsense&format=nonsense").text


def test_cards_link_out_in_a_new_tab_with_the_time_in_the_events_zone(client, make_event):
    event = make_event(title="Cluster <talks> & more", capacity=10)
    html = client.get("/embed").text
    assert f'href="https://convene.test/events/{event.slug}" target="_blank" rel="noopener"' in html
    assert "Cluster &lt;talks&gt; &amp; more" in html
    assert "CET" in html or "CEST" in html
    assert "10 seats left" in html
    assert "<main" in html and '<ul class="embed-list">' in html and "<h2" in html
    assert "csrf" not in html.lower()


def test_the_list_in_danish_links_to_danish_pages(client, make_event):
    event = make_event(title="Webinar om klynger")
    response = client.get("/da/embed")
    assert '<html lang="da">' in response.text
    assert f"https://convene.test/da/events/{event.slug}" in response.text
    assert "Kommende" in response.text


def test_the_list_sets_no_cookie_and_is_cached_until_a_commit(client, make_event):
    make_event(title="First webinar")
    first = client.get("/embed")
    assert "Set-Cookie" not in first.headers
    assert "First webinar" in first.text
    make_event(title="Second webinar")
    assert "Second webinar" in client.get("/embed").text


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://Partner.Example", "https://partner.example"),
        ("https://partner.example/", "https://partner.example"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("https://*.cluster.example", "https://*.cluster.example"),
        ("  https://xn--bcher-kva.example  ", "https://xn--bcher-kva.example"),
    ],
)
def test_good_origins_are_normalised(text, origin):
    assert parse_origin(text) == origin


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("partner.example", "https://"),
        ("ftp://partner.example", "https://"),
        ("javascript:alert(1)", "https://"),
        ("https://partner.example/events", "no path"),
        ("https://partner.example?x=1", "no path"),
        ("https://user@partner.example", "no path"),
        ("https://*", "wildcard"),
        ("*", "https://"),
        ("https://a.*.example", "wildcard"),
        ("https://*.example", "wildcard"),
        ("https://partner.example:99999", "port"),
        ("https://partner.example:0", "port"),
        ("https://partner example", "no path"),
        ("https://partner.example;script-src *", "no path"),
        ("'self'", "https://"),
    ],
)
def test_bad_origins_are_refused_with_a_reason(text, reason):
    with pytest.raises(OriginError) as error:
        parse_origin(text)
    assert reason in str(error.value)
    assert text.strip() in str(error.value)


def test_several_origins_parse_one_per_line_without_repeats():
    origins, errors = parse_origins("https://a.example\nhttps://b.example, https://a.example\n\n")
    assert origins == ["https://a.example", "https://b.example"]
    assert errors == []


def test_admin_saves_origins_and_the_change_is_audited(app, admin_client):
    page = admin_client.get("/organiser/admin/embedding")
    assert page.status_code == 200
    assert "https://convene.test/static/js/embed.js" in page.text
    response = admin_client.post(
        "/organiser/admin/embedding",
        data={"allowed_origins": "https://Partner.example\nhttps://*.cluster.example"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert site_settings.get("embed.allowed_origins") == [PARTNER, "https://*.cluster.example"]
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.like("embed.%"))
        ).one()
        assert entry.action == "embed.origins_changed"
        assert json.loads(entry.details) == {"keys": ["embed.allowed_origins"]}
    assert PARTNER in admin_client.get("/organiser/admin/embedding").text
    assert frame_ancestors(admin_client.get("/embed")).startswith(PARTNER)


def test_bad_origins_are_refused_and_nothing_is_stored(app, admin_client):
    allow(app, PARTNER)
    response = admin_client.post(
        "/organiser/admin/embedding",
        data={"allowed_origins": "https://ok.example\nhttps://bad.example/path\nnot-an-origin"},
    )
    assert response.status_code == 422
    assert "https://bad.example/path: give only the scheme" in response.text
    assert "not-an-origin: start with https://" in response.text
    with app.app_context():
        assert site_settings.get("embed.allowed_origins") == [PARTNER]


def test_clearing_the_origins_refuses_frames_again(app, admin_client):
    allow(app, PARTNER)
    assert (
        admin_client.post("/organiser/admin/embedding", data={"allowed_origins": ""}).status_code
        == 302
    )
    assert frame_ancestors(admin_client.get("/embed")) == "'none'"


def test_only_admins_reach_the_embedding_page(app, client):
    assert client.get("/organiser/admin/embedding").status_code == 302  # sign in first
    make_organiser(app, "olga@cluster.example")
    sign_in(client, "olga@cluster.example")
    assert client.get("/organiser/admin/embedding").status_code == 404
    response = client.post("/organiser/admin/embedding", data={"allowed_origins": PARTNER})
    assert response.status_code == 404
    with app.app_context():
        assert site_settings.get("embed.allowed_origins") is None


@pytest.mark.parametrize("app_config", [{**TEST_CONFIG, "WTF_CSRF_ENABLED": True}])
def test_the_embedding_form_needs_its_csrf_token(app, client):
    make_organiser(app, ADMIN, admin=True)
    token = csrf_token(client, "/organiser/sign-in")
    client.post(
        "/organiser/sign-in", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}
    )
    refused = client.post("/organiser/admin/embedding", data={"allowed_origins": PARTNER})
    assert refused.status_code in (400, 422)
    token = csrf_token(client, "/organiser/admin/embedding")
    accepted = client.post(
        "/organiser/admin/embedding", data={"allowed_origins": PARTNER, "csrf_token": token}
    )
    assert accepted.status_code == 302
    with app.app_context():
        assert site_settings.get("embed.allowed_origins") == [PARTNER]


def test_stored_values_that_are_not_origins_are_ignored(app, client):
    with app.app_context():
        begin_write(db.session)
        site_settings.save({"embed.allowed_origins": ["https://ok.example", "bad value;"]}, None)
        db.session.commit()
    assert frame_ancestors(client.get("/embed")) == "https://ok.example"

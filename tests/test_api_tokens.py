"""Organiser API tokens: the page that makes and revokes them, bearer auth, scope."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.api_support import bearer, make_token
from tests.organiser_support import csrf_token, make_organiser, share_event
from webapp import site_settings
from webapp.api.models import ApiToken
from webapp.audit import AuditEntry
from webapp.db import begin_write
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.organiser import accounts
from webapp.organiser.models import Organiser

OTHER = "otto@other.example"


def _tokens(app) -> list[ApiToken]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))
        db.session.expunge_all()
        return rows


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))
        db.session.expunge_all()
        return rows


def test_create_shows_the_token_once_and_stores_only_its_hash(app, client, signed_in_organiser):
    page = client.post("/organiser/api-tokens", data={"name": "Our CRM", "scope": ""})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    plain = re.search(r'id="new-token">(cvn_[A-Za-z0-9_-]{43})<', page.text).group(1)
    [token] = _tokens(app)
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in str(vars(token))
    assert token.prefix == plain[:8] and token.event_id is None
    assert plain not in client.get("/organiser/api-tokens").text  # shown only once
    [entry] = _audit(app, "api_token.created")
    assert (entry.actor_id, entry.object_id) == (signed_in_organiser, token.id)
    assert entry.details_dict == {"scope": "all_events"}
    assert client.get("/api/v1/organiser/events", headers=bearer(plain)).status_code == 200


def test_a_token_for_one_event(app, client, signed_in_organiser, make_event):
    event = make_event(owner_id=signed_in_organiser, title="Cluster summit")
    form = client.get("/organiser/api-tokens").text
    assert "Cluster summit" in form
    page = client.post("/organiser/api-tokens", data={"name": "Site", "scope": str(event.id)})
    assert page.status_code == 200
    [token] = _tokens(app)
    assert token.event_id == event.id
    assert _audit(app, "api_token.created")[0].event_id == event.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scope": ""}, "Give the token a name"),
        ({"name": "x" * 101, "scope": ""}, "at most 100"),
        ({"name": "CRM", "scope": "999"}, "Not a valid choice"),
        ({"name": "CRM", "scope": "abc"}, "Not a valid choice"),
    ],
)
def test_bad_token_forms_store_nothing(app, client, signed_in_organiser, data, message):
    page = client.post("/organiser/api-tokens", data=data)
    assert page.status_code == 422
    assert message in page.text
    assert _tokens(app) == []


def test_another_organisers_event_is_not_offered_nor_accepted(
    app, client, signed_in_organiser, make_event
):
    other = make_organiser(app, OTHER)
    theirs = make_event(owner_id=other, title="Their event")
    assert "Their event" not in client.get("/organiser/api-tokens").text
    page = client.post("/organiser/api-tokens", data={"name": "x", "scope": str(theirs.id)})
    assert page.status_code == 422
    assert _tokens(app) == []


def test_revoke_stops_the_token_at_once(app, client, signed_in_organiser):
    plain = make_token(app, signed_in_organiser)
    [token] = _tokens(app)
    response = client.post(f"/organiser/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert _tokens(app)[0].revoked_at is not None
    refused = client.get("/api/v1/organiser/events", headers=bearer(plain))
    assert refused.status_code == 401
    assert len(_audit(app, "api_token.revoked")) == 1
    client.post(f"/organiser/api-tokens/{token.id}/revoke")  # again: nothing more happens
    assert len(_audit(app, "api_token.revoked")) == 1
    assert "Revoked" in client.get("/organiser/api-tokens").text


def test_nobody_revokes_another_organisers_token(app, client, signed_in_organiser):
    other = make_organiser(app, OTHER)
    plain = make_token(app, other)
    token_id = _tokens(app)[0].id
    assert client.post(f"/organiser/api-tokens/{token_id}/revoke").status_code == 404
    assert client.post("/organiser/api-tokens/99999999999/revoke").status_code == 404
    assert client.get("/api/v1/organiser/events", headers=bearer(plain)).status_code == 200


def test_the_token_page_needs_sign_in_and_csrf(app):
    make_organiser(app, "csrf@cluster.example")
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    assert client.get("/organiser/api-tokens").status_code == 302
    sign_in_page = client.get("/organiser/sign-in").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_page).group(1)
    client.post(
        "/organiser/sign-in",
        data={
            "email": "csrf@cluster.example",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert client.post("/organiser/api-tokens", data={"name": "x", "scope": ""}).status_code == 400
    form_token = csrf_token(client, "/organiser/api-tokens")
    created = client.post(
        "/organiser/api-tokens", data={"name": "x", "scope": "", "csrf_token": form_token}
    )
    assert created.status_code == 200 and "cvn_" in created.text


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer cvn_short",
        "Bearer cvn_" + "A" * 43,  # well formed, unknown
        "Bearer " + "x" * 47,
        "Bearer cvn_" + "é" * 43,
        "Token cvn_" + "A" * 43,
    ],
)
def test_missing_or_wrong_tokens_are_401_with_www_authenticate(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/organiser/events", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["status"] == 401
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_deactivated_organisers_tokens_stop_working(app, client):
    organiser_id = make_organiser(app, OTHER)
    plain = make_token(app, organiser_id)
    assert client.get("/api/v1/organiser/events", headers=bearer(plain)).status_code == 200
    with app.app_context():
        begin_write(db.session)
        accounts.set_active(db.session.get(Organiser, organiser_id), False)
        db.session.commit()
    assert client.get("/api/v1/organiser/events", headers=bearer(plain)).status_code == 401


def test_tokens_stop_when_the_site_requires_two_step_sign_in_of_an_unenrolled_owner(app, client):
    organiser_id = make_organiser(app, OTHER)
    plain = make_token(app, organiser_id)
    with app.app_context():
        begin_write(db.session)
        site_settings.save({"security.require_two_factor": "everyone"}, None)
        db.session.commit()
    assert client.get("/api/v1/organiser/events", headers=bearer(plain)).status_code == 401
    with app.app_context():
        begin_write(db.session)
        site_settings.save({"security.require_two_factor": "admins"}, None)
        db.session.commit()
    assert client.get("/api/v1/organiser/events", headers=bearer(plain)).status_code == 200


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json["items"]]


def test_scope_all_my_events_includes_drafts_and_co_organised_ones(app, client, make_event):
    mine = make_organiser(app, "me@cluster.example")
    other = make_organiser(app, OTHER)
    draft = make_event(owner_id=mine, status=EventStatus.DRAFT)
    published = make_event(owner_id=mine)
    shared = make_event(owner_id=other)
    share_event(app, shared.id, mine)
    theirs = make_event(owner_id=other)
    plain = make_token(app, mine)
    listed = client.get("/api/v1/organiser/events?per_page=100", headers=bearer(plain))
    assert sorted(_ids(listed)) == sorted([draft.id, published.id, shared.id])
    assert listed.headers["Cache-Control"] == "private, no-cache"
    assert "Access-Control-Allow-Origin" not in listed.headers
    draft_item = client.get(f"/api/v1/organiser/events/{draft.id}", headers=bearer(plain)).json
    assert draft_item["status"] == "draft"
    assert draft_item["links"]["page"] is None
    assert draft_item["registration"]["state"] == "unavailable"
    drafts = client.get("/api/v1/organiser/events?status=draft", headers=bearer(plain))
    assert _ids(drafts) == [draft.id]
    for event_id in (theirs.id, 999999, 2**31 - 1):
        missing = client.get(f"/api/v1/organiser/events/{event_id}", headers=bearer(plain))
        assert missing.status_code == 404
        assert missing.mimetype == "application/problem+json"
        registrations = client.get(
            f"/api/v1/organiser/events/{event_id}/registrations", headers=bearer(plain)
        )
        assert registrations.status_code == 404
    assert (
        client.get("/api/v1/organiser/events/99999999999", headers=bearer(plain)).status_code == 404
    )


def test_scope_one_event(app, client, make_event):
    mine = make_organiser(app, "me@cluster.example")
    one = make_event(owner_id=mine)
    another = make_event(owner_id=mine)
    plain = make_token(app, mine, event_id=one.id)
    assert _ids(client.get("/api/v1/organiser/events", headers=bearer(plain))) == [one.id]
    assert (
        client.get(f"/api/v1/organiser/events/{one.id}", headers=bearer(plain)).status_code == 200
    )
    for url in (
        f"/api/v1/organiser/events/{another.id}",
        f"/api/v1/organiser/events/{another.id}/registrations",
    ):
        assert client.get(url, headers=bearer(plain)).status_code == 404


def test_a_one_event_token_stops_reading_an_event_its_organiser_lost(app, client, make_event):
    owner = make_organiser(app, "owner@cluster.example")
    helper = make_organiser(app, OTHER)
    event = make_event(owner_id=owner)
    share_event(app, event.id, helper)
    plain = make_token(app, helper, event_id=event.id)
    assert (
        client.get(f"/api/v1/organiser/events/{event.id}", headers=bearer(plain)).status_code == 200
    )
    with app.app_context():
        begin_write(db.session)
        shared = db.session.get(Event, event.id)
        shared.co_organisers.clear()
        db.session.commit()
    assert (
        client.get(f"/api/v1/organiser/events/{event.id}", headers=bearer(plain)).status_code == 404
    )


def test_last_used_is_noted_at_most_once_a_minute(app, client, clock):
    organiser_id = make_organiser(app, OTHER)
    plain = make_token(app, organiser_id)
    assert _tokens(app)[0].last_used_at is None
    client.get("/api/v1/organiser/events", headers=bearer(plain))
    first = _tokens(app)[0].last_used_at
    assert first is not None
    clock.shift(timedelta(seconds=30))
    client.get("/api/v1/organiser/events", headers=bearer(plain))
    assert _tokens(app)[0].last_used_at == first
    clock.shift(timedelta(seconds=31))
    client.get("/api/v1/organiser/events", headers=bearer(plain))
    assert _tokens(app)[0].last_used_at > first


def test_organiser_answers_set_no_cookie_and_support_304(app, client, make_event):
    organiser_id = make_organiser(app, OTHER)
    event = make_event(owner_id=organiser_id)
    plain = make_token(app, organiser_id)
    url = f"/api/v1/organiser/events/{event.id}"
    first = client.get(url, headers=bearer(plain))
    assert "Set-Cookie" not in first.headers
    again = client.get(url, headers={**bearer(plain), "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.fixture
def token_limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")


def test_rate_limit_per_token(token_limited, app, client, make_event):
    organiser_id = make_organiser(app, OTHER)
    event = make_event(owner_id=organiser_id)
    plain = make_token(app, organiser_id)
    other = make_token(app, organiser_id, name="Other")
    urls = [
        "/api/v1/organiser/events",
        f"/api/v1/organiser/events/{event.id}",
        f"/api/v1/organiser/events/{event.id}/registrations",
    ]
    assert [client.get(u, headers=bearer(plain)).status_code for u in urls] == [200, 200, 200]
    refused = client.get(urls[0], headers=bearer(plain))
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert "Retry-After" in refused.headers
    assert client.get(urls[0], headers=bearer(other)).status_code == 200  # its own budget

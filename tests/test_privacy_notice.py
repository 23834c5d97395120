"""The privacy notice: built from the admin's settings, versioned, with the real retention."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.organiser_support import make_organiser, sign_in
from tests.registration_support import form_data, register
from webapp.audit import AuditEntry
from webapp.db import now_utc
from webapp.extensions import db
from webapp.privacy.models import PrivacyNoticeVersion
from webapp.registration.models import Registration
from webapp.site_settings import SiteSetting

ADMIN = "admin@convene.example"
NOTICE = {
    "controller_name": "Innovation Norway Cluster Office",
    "controller_address": "Akersgata 13\n0158 Oslo\nNorway",
    "contact": "privacy@cluster.example",
    "legal_basis": "Consent, GDPR article 6(1)(a).",
    "purposes": "We collect your name & organisation <to run the event>.",
    "recipients": "Our mail provider, Postmark Ltd.",
    "extra": "",
}


@pytest.fixture
def admin(app, client):
    organiser_id = make_organiser(app, ADMIN, admin=True)
    sign_in(client, ADMIN)
    return organiser_id


def publish(client, **changes):
    return client.post("/organiser/admin/privacy", data={**NOTICE, **changes})


def test_with_nothing_published_the_page_says_so_and_uses_the_configured_version(client):
    page = client.get("/privacy")
    assert page.status_code == 200
    assert "Version 2026-01" in page.text
    assert "has not filled in the details of this notice yet" in page.text
    assert 'href="/privacy/request"' in page.text


def test_the_page_states_the_configured_retention_periods(client):
    page = client.get("/privacy").text
    assert "12 months after the event ends, unless the event sets its own period" in page
    assert "30 days after delivery" in page and "730 days" in page


def test_changed_retention_settings_show_on_the_page(app, client):
    app.config.update(
        PERSONAL_DATA_RETENTION_MONTHS=1, OUTBOX_BODY_RETENTION_DAYS=7, AUDIT_RETENTION_DAYS=365
    )
    page = client.get("/privacy").text
    assert "1 month after the event ends" in page
    assert "7 days after delivery" in page and "365 days" in page


def test_publishing_shows_the_admin_texts_escaped_with_the_version_and_date(app, client, admin):
    response = publish(client)
    assert response.status_code == 303
    label = now_utc().date().isoformat()
    assert f"published as version {label}" in client.get("/organiser/admin/privacy").text
    page = client.get("/privacy").text
    assert "Innovation Norway Cluster Office" in page
    assert "Akersgata 13\n0158 Oslo" in page and 'class="written-text"' in page
    assert "&lt;to run the event&gt;" in page and "<to run" not in page
    assert "Postmark Ltd." in page and f"Version {label}, published on" in page
    assert "has not filled in" not in page
    with app.app_context():
        version = db.session.scalars(sa.select(PrivacyNoticeVersion)).one()
        assert version.label == label and version.published_by_id == admin
        assert version.values["privacy.controller_name"] == NOTICE["controller_name"]
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert "privacy.notice_published" in actions


def test_a_new_version_is_what_new_registrations_record_and_old_ones_keep_theirs(
    app, client, admin, make_event
):
    event = make_event(capacity=10)
    register(app, event.id, "early@example.org")
    publish(client)
    first = now_utc().date().isoformat()
    publish(client, contact="dpo@cluster.example")
    second = f"{first}-2"
    form = client.get(f"/events/{event.slug}/register").text
    assert f"(version {second})" in form and 'href="/privacy"' in form
    client.post(f"/events/{event.slug}/register", data=form_data(email="late@example.org"))
    with app.app_context():
        versions = dict(
            db.session.execute(
                sa.select(Registration.email, Registration.privacy_notice_version)
            ).all()
        )
    assert versions == {"early@example.org": "2026-01", "late@example.org": second}

    old = client.get(f"/privacy?version={first}")
    assert old.status_code == 200 and "privacy@cluster.example" in old.text
    assert "This is an earlier version" in old.text
    current = client.get("/privacy").text
    assert "dpo@cluster.example" in current and f"?version={first}" in current
    assert client.get("/privacy?version=1999-01-01").status_code == 404
    assert client.get(f"/da/privacy?version={first}").status_code == 200


def test_saving_the_same_texts_publishes_nothing_new(app, client, admin):
    publish(client)
    response = publish(client)
    assert response.status_code == 303
    assert "Nothing changed" in client.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PrivacyNoticeVersion.id))) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"controller_name": ""}, "Enter the controller"),
        ({"legal_basis": "   "}, "Enter the legal basis."),
        ({"controller_name": "x" * 201}, "Use at most 200 characters."),
        ({"purposes": "x" * 4001}, "Use at most 4000 characters."),
        ({"controller_name": "Two\nlines"}, "line breaks"),
    ],
)
def test_bad_notice_texts_are_refused_and_nothing_is_stored(app, client, admin, changes, message):
    response = publish(client, **changes)
    assert response.status_code == 422
    assert message in response.text
    with app.app_context():
        assert db.session.scalars(sa.select(SiteSetting)).all() == []
        assert db.session.scalars(sa.select(PrivacyNoticeVersion)).all() == []


def test_the_settings_form_shows_the_stored_texts(client, admin):
    publish(client)
    page = client.get("/organiser/admin/privacy").text
    assert "Akersgata 13" in page and "Innovation Norway Cluster Office" in page


def test_only_admins_see_the_notice_settings(app, client, signed_in_organiser):
    assert client.get("/organiser/admin/privacy").status_code == 404
    assert publish(client).status_code == 404
    assert 'href="/organiser/admin/privacy"' not in client.get("/organiser/events").text


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/organiser/admin/privacy")
    assert response.status_code == 302 and "/organiser/sign-in" in response.headers["Location"]


def test_the_notice_is_in_the_language_of_its_url(client):
    page = client.get("/de/privacy").text
    assert '<html lang="de">' in page and "<h2>Ihre Rechte</h2>" in page

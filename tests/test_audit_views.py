"""The audit log's pages: the whole log for admins (404 for others), newest first, paged by
id, filtered, downloadable as CSV (which is logged too); each event's log for those who
manage it; and no route that could change an entry."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.audit_support import SIGN_IN_PREFIX, logged
from tests.organiser_support import make_organiser, share_event, sign_in
from webapp import PROJECT_ROOT, audit
from webapp.db import begin_write
from webapp.extensions import db
from webapp.organiser.models import Organiser


def _record(app, action: str, *, actor: int | None = None, when: datetime | None = None, **kw):
    with app.app_context():
        actor_row = db.session.get(Organiser, actor) if actor else None
        entry = audit.record(action, actor=actor_row, now=when, **kw)
        db.session.commit()
        return entry.id


@pytest.fixture
def admin(app, client) -> int:
    """An admin in Auckland (its dates are days there), signed in on `client`."""
    admin_id = make_organiser(app, "root@cluster.example", admin=True, name="Rita Root")
    with app.app_context():
        begin_write(db.session)
        db.session.get(Organiser, admin_id).last_timezone = "Pacific/Auckland"
        db.session.commit()
    sign_in(client, "root@cluster.example")
    return admin_id


def _shown(html: str) -> list[str]:
    """The titles (dotted actions) of the rows shown, in order, sign-ins aside."""
    import re

    titles = re.findall(r'class="audit-action" title="([^"]+)"', html)
    return [title for title in titles if not title.startswith(SIGN_IN_PREFIX)]


def test_only_admins_see_the_log_and_its_link(app, client, signed_in_organiser):
    assert client.get("/organiser/audit").status_code == 404
    assert client.get("/organiser/audit.csv").status_code == 404
    assert "/organiser/audit" not in client.get("/organiser/events").text
    client.post("/organiser/sign-out")
    response = client.get("/organiser/audit")
    assert response.status_code == 302 and "/organiser/sign-in" in response.headers["Location"]


def test_the_admin_sees_entries_newest_first_readably(app, client, admin, make_event):
    event = make_event(owner_id=admin)
    _record(app, "audit.purged", object_type="audit", details={"count": 3})
    _record(
        app,
        "event.edited",
        actor=admin,
        object_type="event",
        object_id=event.id,
        event_id=event.id,
        details={"fields": ["capacity", "title"]},
    )
    _record(app, "event.created", actor=admin, object_type="event", object_id=999, event_id=999)
    page = client.get("/organiser/audit")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.text
    assert 'href="/organiser/admin"' in html  # the admin's navigation
    assert 'href="/organiser/audit"' in client.get("/organiser/admin").text
    assert _shown(html) == ["event.created", "event.edited", "audit.purged"]
    assert "Event edited" in html and "Old audit entries removed" in html
    assert "Rita Root &lt;root@cluster.example&gt;" in html and "System" in html
    assert "<dd>capacity, title</dd>" in html
    assert f'<a href="/organiser/events/{event.id}">Event #{event.id}</a>' in html
    assert "Event #999" in html and 'href="/organiser/events/999"' not in html  # gone


def test_filters_by_action_family_actor_event_and_object(app, client, admin, make_event):
    other = make_organiser(app, "olga@cluster.example")
    _record(app, "event.created", actor=admin, object_type="event", object_id=1, event_id=1)
    _record(app, "event.published", actor=other, object_type="event", object_id=2, event_id=2)
    _record(
        app, "attendee.checked_in", actor=other, object_type="registration", object_id=7, event_id=2
    )
    _record(app, "audit.purged", object_type="audit")
    cases = {
        "action=event.": ["event.published", "event.created"],
        "action=event.created": ["event.created"],
        f"actor={other}": ["attendee.checked_in", "event.published"],
        "actor=system": ["audit.purged"],
        "event_id=2": ["attendee.checked_in", "event.published"],
        "object_type=registration&object_id=7": ["attendee.checked_in"],
        "object_type=registration&object_id=8": [],
        f"action=event.&actor={other}&event_id=2": ["event.published"],
    }
    for query, expected in cases.items():
        response = client.get(f"/organiser/audit?{query}")
        assert response.status_code == 200, query
        assert _shown(response.text) == expected, query


def test_dates_are_whole_days_in_the_admins_zone(app, client, admin):
    # Auckland is UTC+13 in January: its 10 January runs from 9 January 11:00 UTC.
    _record(app, "before", when=datetime(2027, 1, 9, 10, 59, tzinfo=UTC))
    _record(app, "first", when=datetime(2027, 1, 9, 11, 0, tzinfo=UTC))
    _record(app, "last", when=datetime(2027, 1, 10, 10, 59, tzinfo=UTC))
    _record(app, "after", when=datetime(2027, 1, 10, 11, 0, tzinfo=UTC))
    html = client.get("/organiser/audit?date_from=2027-01-10&date_to=2027-01-10").text
    assert _shown(html) == ["last", "first"]
    assert _shown(client.get("/organiser/audit?date_from=2027-01-11").text) == ["after"]
    assert _shown(client.get("/organiser/audit?date_to=2027-01-09").text) == ["before"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("action=event.deleted_forever", "Not a valid choice."),
        ("actor=99999", "Not a valid choice."),
        ("event_id=abc", "Not a valid integer value."),
        ("event_id=0", "Enter a whole number from 1 to 2147483647."),
        ("object_id=99999999999", "Enter a whole number from 1 to 2147483647."),
        ("date_from=2027-13-01", "Not a valid date value."),
        ("date_from=0001-01-01", "Enter a year from 2000 to 2999."),
        ("date_to=9999-12-31", "Enter a year from 2000 to 2999."),
        ("date_from=2027-02-10&date_to=2027-02-01", "The end date comes before the start date."),
    ],
)
def test_bad_filters_are_a_clear_400(app, client, admin, query, message):
    _record(app, "event.created", object_type="event", object_id=1)
    for url in ("/organiser/audit", "/organiser/audit.csv"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, url
        assert message in response.text
        assert _shown(response.text) == []
    assert len(logged(app)) == 1  # a refused download is not logged


def test_pages_by_id_back_and_forth(app, client, admin):
    app.config["AUDIT_PER_PAGE"] = 2
    same_moment = datetime(2027, 1, 9, 10, 0, tzinfo=UTC)  # one transaction's entries
    ids = [_record(app, f"step.{n}", when=same_moment) for n in range(5)]
    first = client.get("/organiser/audit?action=step.").text
    assert _shown(first) == ["step.4", "step.3"] and 'rel="prev"' not in first
    assert f"older={ids[3]}" in first
    second = client.get(f"/organiser/audit?action=step.&older={ids[3]}").text
    assert _shown(second) == ["step.2", "step.1"]
    assert f"newer={ids[2]}" in second and f"older={ids[1]}" in second
    last = client.get(f"/organiser/audit?action=step.&older={ids[1]}").text
    assert _shown(last) == ["step.0"] and 'rel="next"' not in last
    back = client.get(f"/organiser/audit?action=step.&newer={ids[2]}").text
    assert _shown(back) == ["step.4", "step.3"] and 'rel="prev"' not in back
    assert _shown(client.get("/organiser/audit?older=abc").text)[:2] == ["step.4", "step.3"]


def test_the_csv_download_is_filtered_neutralised_and_logged(app, client, admin):
    _record(app, "event.created", actor=admin, object_type="event", object_id=1, event_id=1)
    _record(app, "event.published", object_type="event", object_id=1, event_id=1)
    _record(app, "=HYPERLINK(1)", object_type="question", object_id=4)
    response = client.get("/organiser/audit.csv?action=event.")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["id", "occurred_at_utc", "actor_id", "actor", "action"]
    assert [(r[3], r[4], r[5], r[6], r[7]) for r in rows[1:]] == [
        ("system", "event.published", "event", "1", "1"),
        ("root@cluster.example", "event.created", "event", "1", "1"),
    ]
    everything = client.get("/organiser/audit.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in everything  # a spreadsheet reads it as text, not a formula
    assert logged(app, "audit.exported") == [
        ("audit.exported", admin, "audit", None, None, d)
        for d in (
            {"format": "csv", "rows": 2, "filters": ["action"]},
            {"format": "csv", "rows": 5, "filters": []},  # the sign-in and the first download too
        )
    ]


def test_organisers_see_their_events_log_and_not_others(
    app, client, signed_in_organiser, make_event
):
    own = make_event(owner_id=signed_in_organiser)
    someone = make_organiser(app, "piet@cluster.example")
    theirs = make_event(owner_id=someone)
    shared = make_event(owner_id=someone)
    share_event(app, shared.id, signed_in_organiser)
    for event in (own, theirs, shared):
        _record(
            app,
            "event.published",
            actor=someone,
            object_type="event",
            object_id=event.id,
            event_id=event.id,
        )
    _record(app, "attendee.checked_in", object_type="registration", object_id=5, event_id=own.id)
    page = client.get(f"/organiser/events/{own.id}")
    assert f'href="/organiser/events/{own.id}/log"' in page.text
    html = client.get(f"/organiser/events/{own.id}/log").text
    assert _shown(html) == ["attendee.checked_in", "event.published"]
    assert "piet@cluster.example" in html and "Registration #5" in html
    assert _shown(client.get(f"/organiser/events/{shared.id}/log").text) == ["event.published"]
    assert client.get(f"/organiser/events/{theirs.id}/log").status_code == 404
    assert client.get("/organiser/events/999999/log").status_code == 404


def test_the_log_pages_only_read(app):
    """No route of the log accepts anything but reading, and only audit.py deletes entries
    (the retention job) while the ORM refuses any change (tests/test_audit_foundation.py)."""
    for rule in app.url_map.iter_rules():
        if "audit" in rule.endpoint or rule.rule.endswith("/log"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    writers = [
        path.relative_to(PROJECT_ROOT)
        for path in (PROJECT_ROOT / "webapp").rglob("*.py")
        if "migrations" not in path.parts
        and any(
            f"{verb}(AuditEntry" in path.read_text()
            for verb in ("sa.update", "sa.delete", "update", "delete")
        )
    ]
    assert writers == [Path("webapp/audit.py")]


def test_posting_to_the_log_changes_nothing(app, client, admin):
    _record(app, "event.created", object_type="event", object_id=1)
    assert client.post("/organiser/audit").status_code == 405
    assert client.post("/organiser/audit.csv").status_code == 405
    assert [entry[0] for entry in logged(app)] == ["event.created"]


def test_labels_and_messages_are_in_the_pages_language(app, client, admin):
    _record(app, "event.published", object_type="event", object_id=1, event_id=1)
    html = client.get("/da/organiser/audit").text
    assert "Revisionslog" in html and "Arrangement offentliggjort" in html
    bad = client.get("/de/organiser/audit?date_from=2027-02-10&date_to=2027-02-01")
    assert bad.status_code == 400
    assert "Das Enddatum liegt vor dem Anfangsdatum." in bad.text

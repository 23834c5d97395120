"""Retention: an event's personal data goes a set number of months after it ends, its
counts stay; delivered and failed emails lose their bodies after a short period."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from tests.conftest import ORGANISER_EMAIL, local
from tests.mail_support import deliver, queue_row
from tests.organiser_support import add_registrations, event_form_data, sign_in
from tests.privacy_support import database_text
from tests.question_support import add_question, spec
from tests.registration_support import form_data
from webapp import audit
from webapp.audit import AuditEntry
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat
from webapp.extensions import db
from webapp.mail import cli as mail_cli
from webapp.mail.models import OutboxMessage, OutboxStatus
from webapp.organiser.attendees import counts_for_events, summary
from webapp.privacy import cli as privacy_cli
from webapp.privacy import retention
from webapp.privacy.statistics import kept_for
from webapp.registration.models import AttendanceMode, PendingImport, Registration

PERSON = {"first_name": "Åsa", "last_name": "Lindqvist-Øberg", "email": "asa.lindqvist@example.se"}
ORGANISATION, ROLE, NEEDS = "Region Skåne Östra", "Analytikerin", "Hörslinga behövs"
ANSWER = "Möte med partner om vätgas"
SECRETS = (*PERSON.values(), ORGANISATION, ROLE, NEEDS, ANSWER, "Bjørn", "bjorn@example.dk")
OTHERS = [
    {"country": "ES", "checked_in_at": datetime(2026, 12, 13, 17, tzinfo=UTC)},
    {"country": "ES", "checked_in_at": datetime(2026, 12, 13, 17, 5, tzinfo=UTC)},
    {"country": "ES", "first_joined_at": datetime(2026, 12, 13, 17, tzinfo=UTC)},
    {
        "status": "waitlisted",
        "attendance_mode": AttendanceMode.IN_PERSON,
        "country": "DK",
        "first_name": "Bjørn",
        "email": "bjorn@example.dk",
    },
    {"status": "cancelled", "country": "DE"},
]


def _populated_event(app, client, make_event, organiser_id: int) -> Event:
    """A hybrid event a week ahead with Åsa registered through the form and five others."""
    event = make_event(
        owner_id=organiser_id,
        format=EventFormat.HYBRID,
        capacity=10,
        online_capacity=10,
        city="Malmö",
    )
    assert client.post(
        "/organiser/account/settings", data={"language": "en", "notify_default": "each"}
    ).status_code in (302, 303)
    question_id, _ = add_question(app, event.id, spec("short_text", "What do you hope for?"))
    data = form_data(**PERSON, organisation=ORGANISATION, role=ROLE, needs=NEEDS, country="SE")
    data.update({"attendance_mode": "in_person", f"q_{question_id}": ANSWER})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    add_registrations(app, event.id, OTHERS)
    deliver(app)
    return event


def _due_at(app, event_id: int) -> datetime:
    with app.app_context():
        return retention.purge_due_at(db.session.get(Event, event_id))


def _purge(runner, *args: str) -> str:
    result = runner.invoke(args=["privacy", "purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _audit(app, action: str = "privacy.purged") -> list[AuditEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def test_nothing_goes_a_day_early_and_everything_personal_a_day_late(
    app, client, runner, clock, signed_in_organiser, make_event
):
    event = _populated_event(app, client, make_event, signed_in_organiser)
    text = database_text(app)
    assert all(secret in text for secret in SECRETS)
    due = _due_at(app, event.id)
    assert due == event.ends_at.replace(year=event.ends_at.year + 1)  # 12 months by default

    clock.move_to(due - timedelta(days=1))
    assert "Erased personal data of 0 event(s)" in _purge(runner)
    text = database_text(app)
    for secret in (PERSON["email"], "Åsa", ORGANISATION, NEEDS, ANSWER, "bjorn@example.dk"):
        assert secret in text  # the registrations are untouched (the emails' bodies are not)
    assert _audit(app) == []

    clock.move_to(due + timedelta(days=1))
    output = _purge(runner)
    assert f"Event {event.id} “{event.title}”" in output
    assert "Erased personal data of 1 event(s) (6 registration(s))" in output
    text = database_text(app)
    for secret in SECRETS:
        assert secret not in text, secret
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
        stored = db.session.get(Event, event.id)
        assert stored.personal_data_purged_at == due + timedelta(days=1)
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        assert messages and all(m.erased_at and m.kind and m.status for m in messages)
    (entry,) = _audit(app)
    assert (entry.object_type, entry.object_id, entry.event_id, entry.actor_id) == (
        "event",
        event.id,
        event.id,
        None,
    )
    # The emails went long ago: the outbox retention had blanked them already.
    assert entry.details_dict == {"registrations": 6, "messages": 0}


def test_the_counts_survive_the_purge(app, client, runner, clock, signed_in_organiser, make_event):
    event = _populated_event(app, client, make_event, signed_in_organiser)
    with app.app_context():
        before = summary(db.session.get(Event, event.id)).counts
    clock.move_to(_due_at(app, event.id) + timedelta(days=1))
    _purge(runner)
    with app.app_context():
        after = summary(db.session.get(Event, event.id)).counts
        assert counts_for_events([event.id])[event.id] == after
        kept = kept_for([event.id])[event.id]
    assert after == before
    assert (after.confirmed, after.waitlisted, after.cancelled) == (4, 1, 1)
    assert (after.checked_in, after.joined_online) == (2, 1)
    assert kept.per_mode == {"in_person": 2, "online": 4}
    assert kept.per_country == [("ES", 3), ("DE", 1), ("DK", 1), ("SE", 1)]

    sign_in(client, ORGANISER_EMAIL)
    for url in (f"/organiser/events/{event.id}", f"/organiser/events/{event.id}/attendees"):
        page = client.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Personal data erased on" in html and "after the retention period" in html
        assert "Spain" in html and "Sweden" in html and "In person" in html
    assert client.get("/organiser/events").status_code == 200


def test_exports_of_a_purged_event_contain_no_one(
    app, client, runner, clock, signed_in_organiser, make_event
):
    event = _populated_event(app, client, make_event, signed_in_organiser)
    clock.move_to(_due_at(app, event.id) + timedelta(days=1))
    _purge(runner)
    sign_in(client, ORGANISER_EMAIL)
    response = client.get(f"/organiser/events/{event.id}/attendees.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0][:3] == ["ID", "Status", "First name"]
    with client.get(f"/organiser/events/{event.id}/attendees.xlsx") as response:
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 and values[0][0] == "ID"


@pytest.mark.parametrize(("months", "purged_at_13_months"), [(None, True), (3, True), (24, False)])
def test_an_event_may_keep_data_shorter_or_longer_than_the_site(
    app, make_event, months, purged_at_13_months
):
    event = make_event(retention_months=months)
    add_registrations(app, event.id, [{}])
    own = months or 12
    with app.app_context():
        end = event.ends_at
        just_before = retention.add_months(end, own) - timedelta(days=1)
        assert retention.run(now=just_before).events == []
        assert db.session.get(Event, event.id).personal_data_purged_at is None
        later = retention.add_months(end, 13)
        assert bool(retention.run(now=later).events) is purged_at_13_months


def test_months_are_calendar_months_from_the_end_in_utc(app, make_event):
    # 31 January 19:00 in Brussels is 18:00 UTC; one month later there is no 31 February.
    event = make_event(
        start_local=local("2027-01-31 17:00"),
        end_local=local("2027-01-31 19:00"),
        retention_months=1,
    )
    add_registrations(app, event.id, [{}])
    due = datetime(2027, 2, 28, 18, tzinfo=UTC)
    with app.app_context():
        assert retention.purge_due_at(db.session.get(Event, event.id)) == due
        assert retention.run(now=due - timedelta(seconds=1)).events == []
        (purged,) = retention.run(now=due).events
        assert purged.registrations == 1


def test_add_months_keeps_the_day_or_takes_the_months_last():
    def at(*parts):
        return datetime(*parts, tzinfo=UTC)

    assert retention.add_months(at(2028, 1, 31, 18), 1) == at(2028, 2, 29, 18)  # leap year
    assert retention.add_months(at(2027, 3, 31, 8), 1) == at(2027, 4, 30, 8)
    assert retention.add_months(at(2027, 12, 15), 1) == at(2028, 1, 15)
    assert retention.add_months(at(2027, 6, 30, 16), 120) == at(2037, 6, 30, 16)
    # Summer to winter: the same UTC instant, an hour later on Brussels' clocks.
    assert retention.add_months(at(2027, 6, 30, 16), 6) == at(2027, 12, 30, 16)


def test_a_postponed_event_keeps_its_registrations(app, make_event):
    event = make_event(postponed_at=datetime(2026, 1, 1, tzinfo=UTC), retention_months=1)
    add_registrations(app, event.id, [{}])
    with app.app_context():
        assert retention.run(now=retention.add_months(event.ends_at, 24)).events == []


def test_a_dry_run_lists_the_due_events_and_changes_nothing(app, runner, make_event):
    due_one = make_event(title="Hydrogen valleys", retention_months=1)
    due_two = make_event(title="Blue growth", retention_months=2)
    kept = make_event(title="Circular textiles", retention_months=6)
    for event in (due_one, due_two, kept):
        add_registrations(app, event.id, [{}, {}])
    when = retention.add_months(kept.ends_at, 3).isoformat()
    before = database_text(app)

    output = _purge(runner, "--dry-run", "--now", when)
    assert f"Event {due_one.id} “Hydrogen valleys”" in output
    assert f"Event {due_two.id} “Blue growth”" in output
    assert "Circular textiles" not in output
    assert "2 registration(s)" in output
    assert "Would erase personal data of 2 event(s) (4 registration(s))" in output
    assert database_text(app) == before

    assert "Erased personal data of 2 event(s)" in _purge(runner, "--now", when)
    assert "Erased personal data of 0 event(s)" in _purge(runner, "--now", when)
    assert sorted(entry.object_id for entry in _audit(app)) == [due_one.id, due_two.id]
    with app.app_context():
        assert counts_for_events([kept.id])[kept.id].confirmed == 2


def test_bad_now_is_refused_clearly(runner):
    result = runner.invoke(args=["privacy", "purge", "--now", "tomorrow"])
    assert result.exit_code == 2 and "ISO 8601" in result.output
    result = runner.invoke(args=["privacy", "purge", "--now", "2027-03-01T08:00"])
    assert result.exit_code == 2 and "UTC offset" in result.output


def test_outbox_bodies_go_30_days_after_delivery_or_failure_never_before_sending(app):
    now = datetime(2027, 5, 1, 12, tzinfo=UTC)
    day = timedelta(days=1)
    old = now - 100 * day
    rows = {
        "sent_29": {"status": OutboxStatus.SENT, "sent_at": now - 29 * day},
        "sent_31": {"status": OutboxStatus.SENT, "sent_at": now - 31 * day},
        "failed_29": {"status": OutboxStatus.FAILED, "claimed_at": now - 29 * day},
        "failed_31": {"status": OutboxStatus.FAILED, "claimed_at": now - 31 * day},
        "queued": {"status": OutboxStatus.QUEUED},
        "retry": {"status": OutboxStatus.RETRY, "claimed_at": old},
        "sending": {"status": OutboxStatus.SENDING, "claimed_at": old},
    }
    ids = {
        name: queue_row(app, kind=name, recipient=f"{name}@example.org", created_at=old, **values)
        for name, values in rows.items()
    }
    with app.app_context():
        assert retention.count_expired_messages(now) == 2
        assert retention.purge_outbox(now) == 2
        assert retention.purge_outbox(now) == 0
        for name, message_id in ids.items():
            message = db.session.get(OutboxMessage, message_id)
            erased = name in ("sent_31", "failed_31")
            assert (message.recipient == "") is erased, name
            assert (message.text_body == "") is erased, name
            assert message.kind == name and message.status == rows[name]["status"]
            assert message.created_at == old


def test_stale_imports_are_dropped(app, make_event):
    event = make_event()
    now = datetime(2027, 5, 1, 12, tzinfo=UTC)
    rows = json.dumps([{"email": "stale@example.org"}])
    with app.app_context():
        begin_write(db.session)
        for age in (1, 3):
            db.session.add(
                PendingImport(event_id=event.id, rows=rows, created_at=now - timedelta(days=age))
            )
        db.session.commit()
        assert retention.purge_imports(now) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingImport)) == 1


def test_the_mail_worker_purges_once_per_utc_day(app, clock, make_event, monkeypatch):
    event = make_event(retention_months=1)
    add_registrations(app, event.id, [{}])
    runs = []
    real_run = retention.run
    monkeypatch.setattr(retention, "run", lambda **kw: runs.append(kw) or real_run(**kw))
    purge, digests = privacy_cli.DailyPurge(), mail_cli.DailyRun()
    clock.move_to(retention.add_months(event.ends_at, 1).replace(hour=23, minute=0))
    with app.app_context():
        mail_cli._run_periodic_jobs(digests, purge)
        mail_cli._run_periodic_jobs(digests, purge)
        assert len(runs) == 1
        assert db.session.get(Event, event.id).personal_data_purged_at is not None
    clock.shift(timedelta(hours=2))  # the next UTC day
    with app.app_context():
        mail_cli._run_periodic_jobs(digests, purge)
    assert len(runs) == 2 and len(_audit(app)) == 1


def test_the_event_form_bounds_the_retention_period(app, client, signed_in_organiser):
    for value, message in (
        ("0", "Enter between 1 and 120 months"),
        ("121", "Enter between 1 and 120 months"),
        ("twelve", "Not a valid integer value"),
    ):
        response = client.post(
            "/organiser/events/new", data=event_form_data(retention_months=value)
        )
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
    assert client.post("/organiser/events/new", data=event_form_data()).status_code == 302
    response = client.post("/organiser/events/new", data=event_form_data(retention_months="6"))
    assert response.status_code == 302
    with app.app_context():
        months = db.session.scalars(sa.select(Event.retention_months).order_by(Event.id)).all()
    assert months == [None, 6]
    event_id = response.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/organiser/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="6"' in page and "the site's default (12)" in page


def test_the_purge_erases_the_events_emails_still_within_the_outbox_period(
    app, client, runner, clock, signed_in_organiser, make_event
):
    app.config["OUTBOX_BODY_RETENTION_DAYS"] = 3650
    event = _populated_event(app, client, make_event, signed_in_organiser)
    clock.move_to(_due_at(app, event.id) + timedelta(days=1))
    _purge(runner)
    text = database_text(app)
    for secret in SECRETS:
        assert secret not in text, secret
    (entry,) = _audit(app)
    # Åsa's confirmation and the organiser's notice naming her, at least.
    assert entry.details_dict["messages"] >= 2
    with app.app_context():
        kinds = set(db.session.scalars(sa.select(OutboxMessage.kind)))
        assert "new_registration_notice" in kinds
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.erased_at.is_(None)))
            == 0
        )


def test_the_purge_records_the_audit_entries_it_removes(app, runner):
    with app.app_context():
        audit.record("event.published", now=now_utc() - timedelta(days=731))
        audit.record("event.published", now=now_utc() - timedelta(days=10))
        db.session.commit()
    assert "1 audit entr(y/ies)" in _purge(runner)
    (purged,) = _audit(app, "audit.purged")
    assert purged.details_dict == {"count": 1, "retention_days": 730}
    assert [e.action for e in _audit(app, "event.published")] == ["event.published"]
    assert "0 audit entr(y/ies)" in _purge(runner)  # a second run removes and records nothing
    assert len(_audit(app, "audit.purged")) == 1

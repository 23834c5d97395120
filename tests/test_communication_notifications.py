"""Organisers hear what happens: a notice per registration and cancellation, a daily
digest, or nothing; per organiser and per event, in the organiser's language."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.mail_support import deliver, part_of_type
from tests.organiser_support import add_registrations, make_organiser, share_event, sign_in
from tests.registration_support import form_data, register
from webapp.communication.digest import DailyRun, run_digests
from webapp.db import begin_write
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.organiser.models import Organiser
from webapp.registration import services
from webapp.registration.models import Registration, RegistrationStatus

NOW = datetime(2027, 3, 2, 6, 0, tzinfo=UTC)  # the digest run reports on 1 March (UTC)
YESTERDAY = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _settings(client, **values) -> int:
    data = {"language": "en", "notify_default": "none", **values}
    return client.post("/organiser/account/settings", data=data).status_code


def _choose(client, event_id: int, choice: str) -> int:
    return client.post(
        f"/organiser/events/{event_id}/notifications", data={"choice": choice}
    ).status_code


def _notify_each(app, event_id: int) -> bool:
    with app.app_context():
        return db.session.get(Event, event_id).notify_each


def _mails_to(smtp_server, address: str) -> list:
    return [mail.message for mail in smtp_server.messages if mail.rcpt_tos == [address]]


def test_each_registration_and_cancellation_reaches_the_organiser_in_their_language(
    app, client, smtp_server, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser, capacity=10)
    assert _settings(client, language="da", notify_default="each") == 302
    assert _notify_each(app, event.id)

    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 303
    deliver(app)

    (notice,) = _mails_to(smtp_server, "olga@cluster.example")
    assert str(notice["Subject"]) == "Ny tilmelding: Smart specialisation webinar"
    assert notice["Content-Language"] == "da"
    text = part_of_type(notice, "text/plain").get_content()
    assert "Ana Martín (ana@example.org) har tilmeldt sig Smart specialisation webinar." in text
    assert "1 bekræftet, 9 ledige pladser, 0 på venteliste" in text
    assert f"https://convene.test/da/organiser/events/{event.id}" in text
    assert _mails_to(smtp_server, "ana@example.org")  # the attendee's own email still goes

    with app.app_context():
        registration = db.session.scalars(sa.select(Registration)).one()
        services.cancel(registration)
        db.session.commit()
    deliver(app)

    notices = _mails_to(smtp_server, "olga@cluster.example")
    assert [str(m["Subject"]) for m in notices][1] == "Afmelding: Smart specialisation webinar"
    assert "har afmeldt sig" in part_of_type(notices[1], "text/plain").get_content()


def test_the_event_choice_overrides_the_default_for_that_organiser_only(
    app, client, smtp_server, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser)
    other = make_event(owner_id=signed_in_organiser)
    co_id = make_organiser(app, "cora@cluster.example", name="Cora")
    share_event(app, event.id, co_id)
    assert _settings(client, notify_default="each") == 302
    assert _choose(client, event.id, "none") == 302

    assert not _notify_each(app, event.id)  # Olga said nothing here, Cora's default is none
    assert _notify_each(app, other.id)
    register(app, event.id, "a@example.org")
    register(app, other.id, "b@example.org")
    deliver(app)

    (notice,) = _mails_to(smtp_server, "olga@cluster.example")
    assert "b@example.org" in part_of_type(notice, "text/plain").get_content()
    assert _mails_to(smtp_server, "cora@cluster.example") == []


def test_a_co_organiser_who_wants_each_one_is_told(app, client, smtp_server, make_event):
    owner = make_organiser(app, "owner@cluster.example")
    co_id = make_organiser(app, "cora@cluster.example", name="Cora")
    event = make_event(owner_id=owner)
    share_event(app, event.id, co_id)
    sign_in(client, "cora@cluster.example")

    assert _choose(client, event.id, "each") == 302
    register(app, event.id, "a@example.org")
    deliver(app)

    assert len(_mails_to(smtp_server, "cora@cluster.example")) == 1
    assert _mails_to(smtp_server, "owner@cluster.example") == []


def test_nobody_wanting_notices_costs_a_registration_no_query(app, make_event):
    event = make_event()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            register(app, event.id, "a@example.org")
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    assert statements
    assert not [s for s in statements if "event_notification" in s or "from organiser" in s]
    assert sum("insert into outbox_message" in s for s in statements) == 1


def test_bad_choices_are_refused(app, client, signed_in_organiser, make_event):
    event = make_event(owner_id=signed_in_organiser)

    assert _choose(client, event.id, "hourly") == 422
    assert _settings(client, notify_default="hourly") == 422
    assert _settings(client, language="xx") == 422
    other = make_event()
    assert _choose(client, other.id, "each") == 404


def test_the_settings_page_shows_the_current_choice(app, client, signed_in_organiser):
    _settings(client, language="sv", notify_default="digest")

    page = client.get("/organiser/account/settings").get_data(as_text=True)

    assert '<option selected value="sv">' in page or 'value="sv" selected' in page
    assert '<option selected value="digest">' in page or 'value="digest" selected' in page


def _digest_event(app, client, organiser_id: int, **overrides) -> Event:
    from tests.conftest import build_event

    with app.app_context():
        begin_write(db.session)
        event = build_event(owner_id=organiser_id, capacity=2, **overrides)
        db.session.add(event)
        db.session.commit()
        event_id = event.id
    add_registrations(
        app,
        event_id,
        [
            {
                "email": "early@example.org",
                "first_name": "Erin",
                "created_at": YESTERDAY - timedelta(days=3),
            },
            {"email": "new@example.org", "first_name": "Nora", "created_at": YESTERDAY},
            {
                "email": "wait@example.org",
                "first_name": "Walt",
                "created_at": YESTERDAY,
                "status": RegistrationStatus.WAITLISTED,
            },
            {
                "email": "left@example.org",
                "first_name": "Lena",
                "created_at": YESTERDAY - timedelta(days=5),
                "status": RegistrationStatus.CANCELLED,
                "cancelled_at": YESTERDAY,
            },
            {"email": "today@example.org", "first_name": "Tom", "created_at": NOW},
        ],
    )
    return event_id


def test_the_daily_digest_lists_the_day_once_per_organiser_and_day(
    app, client, runner, smtp_server, signed_in_organiser
):
    _settings(client, notify_default="digest")
    event_id = _digest_event(app, client, signed_in_organiser)
    quiet = make_organiser(app, "quiet@cluster.example")
    share_event(app, event_id, quiet)  # default: nothing

    result = runner.invoke(args=["communication", "digest", "--now", NOW.isoformat()])
    assert "Queued 1 digest(s) for 2027-03-01 (UTC)." in result.output
    again = runner.invoke(args=["communication", "digest", "--now", NOW.isoformat()])
    assert "Queued 0 digest(s)" in again.output
    deliver(app)

    (digest,) = [mail.message for mail in smtp_server.messages]
    assert digest["To"].addresses[0].addr_spec == "olga@cluster.example"
    assert str(digest["Subject"]) == "Your events on March 1, 2027"
    text = part_of_type(digest, "text/plain").get_content()
    registered, cancelled = text.split("Registered:")[1].split("Cancelled:")
    assert "new@example.org" in registered and "wait@example.org" in registered
    assert "early@example.org" not in text and "today@example.org" not in text
    assert "left@example.org" in cancelled
    assert "3 confirmed, 0 seats left, 1 waiting" in text  # as the run finds it


def test_no_digest_without_news_or_for_other_choices(app, client, smtp_server, signed_in_organiser):
    _settings(client, notify_default="each")
    _digest_event(app, client, signed_in_organiser)

    with app.app_context():
        assert run_digests(now=NOW) == 0
        assert run_digests(now=NOW + timedelta(days=5)) == 0  # a day without changes


def test_two_digest_runs_at_once_queue_one_digest(app, client, signed_in_organiser):
    _settings(client, notify_default="digest")
    _digest_event(app, client, signed_in_organiser)
    start, results = threading.Barrier(2), []

    def run():
        with app.app_context():
            start.wait()
            results.append(run_digests(now=NOW))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(results) == [0, 1]
    with app.app_context():
        keys = db.session.scalars(sa.select(OutboxMessage.dedupe_key)).all()
    assert keys == [f"digest:{signed_in_organiser}:2027-03-01"]


def test_the_worker_runs_the_digest_once_a_day(app, client, signed_in_organiser):
    _settings(client, notify_default="digest")
    _digest_event(app, client, signed_in_organiser)
    daily = DailyRun()

    with app.app_context():
        assert daily.run_if_due(now=NOW) == 1
        assert daily.run_if_due(now=NOW + timedelta(hours=3)) == 0  # same day: not tried
        assert daily.run_if_due(now=NOW + timedelta(days=1)) == 1  # Tom registered on 2 March


@pytest.mark.parametrize("note", ["Take tram 4 to <Nørreport> & walk\nBring your badge"])
def test_the_confirmation_note_is_in_both_parts_escaped(app, client, smtp_server, make_event, note):
    event = make_event(confirmation_note=note)

    client.post(f"/events/{event.slug}/register", data=form_data())
    deliver(app)

    (mail,) = smtp_server.messages
    text = part_of_type(mail.message, "text/plain").get_content().replace("\r\n", "\n")
    html = part_of_type(mail.message, "text/html").get_content()
    assert "A note from the organiser:\nTake tram 4 to <Nørreport> & walk\nBring your badge" in text
    assert "Take tram 4 to &lt;Nørreport&gt; &amp; walk<br>Bring your badge" in html


def test_the_event_form_sets_the_confirmation_note_within_its_limit(
    app, client, signed_in_organiser
):
    from tests.organiser_support import event_form_data

    too_long = client.post(
        "/organiser/events/new", data=event_form_data(confirmation_note="x" * 1001)
    )
    assert too_long.status_code == 422
    assert "Use at most 1000 characters." in too_long.get_data(as_text=True)

    response = client.post(
        "/organiser/events/new", data=event_form_data(confirmation_note="  Bring your badge.  ")
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Event.confirmation_note)).all() == ["Bring your badge."]


def test_new_events_and_new_co_organisers_bring_their_defaults(
    app, client, signed_in_organiser, make_event
):
    from tests.organiser_support import event_form_data

    cora = make_organiser(app, "cora@cluster.example")
    with app.app_context():
        begin_write(db.session)
        db.session.get(Organiser, cora).notify_default = "each"
        db.session.commit()
    event = make_event(owner_id=signed_in_organiser)

    client.post(f"/organiser/events/{event.id}/organisers", data={"email": "cora@cluster.example"})
    assert _notify_each(app, event.id)
    client.post(f"/organiser/events/{event.id}/organisers/{cora}/remove")
    assert not _notify_each(app, event.id)

    _settings(client, notify_default="each")
    client.post("/organiser/events/new", data=event_form_data(slug="mine"))
    with app.app_context():
        assert db.session.scalars(sa.select(Event).where(Event.slug == "mine")).one().notify_each


def test_the_note_comes_with_a_promotion_and_never_to_the_waiting_list(
    app, smtp_server, make_event
):
    event = make_event(capacity=1, confirmation_note="Doors open at 17:30.")
    first, _, _ = register(app, event.id, "first@example.org")
    register(app, event.id, "second@example.org")
    with app.app_context():
        services.cancel(db.session.get(Registration, first))
        db.session.commit()
    deliver(app)

    waiting, promoted = _mails_to(smtp_server, "second@example.org")
    assert str(promoted["Subject"]).startswith("A seat is yours")
    assert "Doors open at 17:30." in part_of_type(promoted, "text/plain").get_content()
    assert "Doors open at 17:30." in part_of_type(promoted, "text/html").get_content()
    assert "Doors open" not in part_of_type(waiting, "text/plain").get_content()
    cancelled = _mails_to(smtp_server, "first@example.org")[-1]
    assert "Doors open" not in part_of_type(cancelled, "text/plain").get_content()


def test_an_organisers_cancel_is_told_as_such_a_persons_own_as_theirs(
    app, client, smtp_server, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser, capacity=10)
    assert _settings(client, notify_default="each") == 302
    by_organiser, own = add_registrations(
        app, event.id, [{"email": "a@example.org"}, {"email": "b@example.org"}]
    )

    url = f"/organiser/events/{event.id}/attendees/{by_organiser}/cancel"
    assert client.post(url).status_code == 302
    with app.app_context():
        services.cancel(db.session.get(Registration, own))
        db.session.commit()
    deliver(app)

    texts = [
        part_of_type(m, "text/plain").get_content()
        for m in _mails_to(smtp_server, "olga@cluster.example")
    ]
    assert len(texts) == 2
    assert (
        "(a@example.org) for Smart specialisation webinar was cancelled by an organiser"
        in (texts[0])
    )
    assert "cancelled their registration" not in texts[0]
    assert "(b@example.org) cancelled their registration" in texts[1]


def test_deactivating_and_reactivating_an_organiser_refreshes_their_events(
    app, client, smtp_server, make_event
):
    owner = make_organiser(app, "owner@cluster.example")
    make_organiser(app, "admin@cluster.example", admin=True)
    co_id = make_organiser(app, "cora@cluster.example", name="Cora")
    owned, shared = make_event(owner_id=co_id), make_event(owner_id=owner)
    share_event(app, shared.id, co_id)
    cora = app.test_client()
    sign_in(cora, "cora@cluster.example")
    assert _settings(cora, notify_default="each") == 302
    assert _notify_each(app, owned.id) and _notify_each(app, shared.id)

    sign_in(client, "admin@cluster.example")
    assert (
        client.post(f"/organiser/accounts/{co_id}/active", data={"active": "0"}).status_code == 302
    )
    assert not _notify_each(app, owned.id) and not _notify_each(app, shared.id)
    register(app, shared.id, "a@example.org")

    assert (
        client.post(f"/organiser/accounts/{co_id}/active", data={"active": "1"}).status_code == 302
    )
    assert _notify_each(app, owned.id) and _notify_each(app, shared.id)
    register(app, shared.id, "b@example.org")
    deliver(app)

    (notice,) = _mails_to(smtp_server, "cora@cluster.example")
    assert "b@example.org" in part_of_type(notice, "text/plain").get_content()


def test_removing_the_co_organiser_who_wanted_each_one_clears_the_flag(
    app, client, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser)
    co_id = make_organiser(app, "cora@cluster.example", name="Cora")
    share_event(app, event.id, co_id)
    cora = app.test_client()
    sign_in(cora, "cora@cluster.example")
    assert _choose(cora, event.id, "each") == 302
    assert _notify_each(app, event.id)

    url = f"/organiser/events/{event.id}/organisers/{co_id}/remove"
    assert client.post(url).status_code == 302
    assert not _notify_each(app, event.id)


def _notice_kinds(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(OutboxMessage.kind, OutboxMessage.text_body)
            .where(OutboxMessage.kind.like("%notice"))
            .order_by(OutboxMessage.id)
        ).all()
    return [(kind, text) for kind, text in rows]


def test_a_held_place_is_told_to_organisers_only_once_confirmed(
    app, client, signed_in_organiser, make_event
):
    from webapp.registration import holds

    event = make_event(
        owner_id=signed_in_organiser, requires_email_confirmation=True, hold_minutes=30
    )
    assert _settings(client, notify_default="each") == 302
    kept = register(app, event.id, "kept@example.org")[0]
    expired = register(app, event.id, "bot@example.org")[0]
    withdrawn = register(app, event.id, "gone@example.org")[0]
    assert _notice_kinds(app) == []  # nothing while held

    with app.app_context():
        holds.confirm_email(db.session.get(Registration, kept))
        services.cancel(db.session.get(Registration, withdrawn))
        db.session.commit()
        holds.expire_holds(now=db.session.get(Registration, expired).hold_expires_at)
        db.session.commit()

    ((kind, text),) = _notice_kinds(app)
    assert kind == "new_registration_notice" and "kept@example.org" in text


def test_the_digest_counts_only_confirmed_addresses(app, client, smtp_server, signed_in_organiser):
    _settings(client, notify_default="digest")
    event_id = _digest_event(app, client, signed_in_organiser)
    add_registrations(
        app,
        event_id,
        [
            {
                "email": "held@example.org",
                "created_at": YESTERDAY,
                "hold_expires_at": NOW + timedelta(days=1),
            },
            {
                "email": "bot@example.org",
                "created_at": YESTERDAY,
                "hold_expires_at": YESTERDAY + timedelta(minutes=30),
                "status": RegistrationStatus.CANCELLED,
                "cancelled_at": YESTERDAY + timedelta(minutes=30),
            },
            {
                "email": "late@example.org",
                "created_at": YESTERDAY - timedelta(days=1, hours=23),
                "email_confirmed_at": YESTERDAY,
            },
        ],
    )

    with app.app_context():
        assert run_digests(now=NOW) == 1
    deliver(app)

    text = part_of_type(smtp_server.messages[0].message, "text/plain").get_content()
    registered = text.split("Registered:")[1].split("Cancelled:")[0]
    assert "late@example.org" in registered  # confirmed that day
    assert "held@example.org" not in text and "bot@example.org" not in text


def _digest_texts(app, smtp_server) -> list[tuple[str, str]]:
    deliver(app)
    return [
        (str(m.message["Subject"]), part_of_type(m.message, "text/plain").get_content())
        for m in smtp_server.messages
    ]


def test_days_the_digest_did_not_run_are_reported_at_the_next_run(
    app, client, smtp_server, signed_in_organiser
):
    _settings(client, notify_default="digest")
    event_id = _digest_event(app, client, signed_in_organiser)
    with app.app_context():
        assert run_digests(now=NOW) == 1  # 1 March
    add_registrations(
        app,
        event_id,
        [
            {"email": "second@example.org", "created_at": YESTERDAY + timedelta(days=1)},
            {"email": "third@example.org", "created_at": YESTERDAY + timedelta(days=2)},
        ],
    )

    with app.app_context():  # no run on 3 March: the worker was down
        assert run_digests(now=NOW + timedelta(days=2)) == 1
        assert run_digests(now=NOW + timedelta(days=2, hours=1)) == 0

    (_, first), (subject, text) = _digest_texts(app, smtp_server)
    assert subject == "Your events on March 2, 2027 – March 3, 2027"
    assert "(UTC)" in text
    assert "second@example.org" in text and "third@example.org" in text
    assert "new@example.org" in first and "new@example.org" not in text


def test_a_registration_stamped_just_before_midnight_is_reported(
    app, client, smtp_server, signed_in_organiser
):
    _settings(client, notify_default="digest")
    event_id = _digest_event(app, client, signed_in_organiser)
    midnight = datetime(2027, 3, 2, tzinfo=UTC)
    with app.app_context():
        assert run_digests(now=midnight + timedelta(seconds=1)) == 0  # too early for 1 March
    # Stamped at 23:59:59, committed after the midnight run.
    late = {"email": "late@example.org", "created_at": midnight - timedelta(seconds=1)}
    add_registrations(app, event_id, [late])

    with app.app_context():
        assert run_digests(now=midnight + timedelta(minutes=20)) == 1

    ((_, text),) = _digest_texts(app, smtp_server)
    assert "late@example.org" in text and "new@example.org" in text

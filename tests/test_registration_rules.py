"""The registration service: capacity, waiting list, duplicates, cancellation, promotion."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.registration_support import applicant, outbox, register, registrations
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventStatus
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.registration import services
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus
from webapp.registration.services import RegistrationState


def _get(app, registration_id: int) -> Registration:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        db.session.expunge(registration)
        return registration


def _cancel(app, registration_id: int, **kwargs) -> int | None:
    with app.app_context():
        begin_write(db.session)
        promoted = services.cancel(db.session.get(Registration, registration_id), **kwargs)
        db.session.commit()
        return promoted.id if promoted else None


def _position(app, registration_id: int) -> int | None:
    with app.app_context():
        return services.waitlist_position(db.session.get(Registration, registration_id))


def test_confirmed_while_seats_left_then_waitlisted_with_positions(app, make_event):
    event = make_event(capacity=2)
    ids = [register(app, event.id)[0] for _ in range(5)]
    statuses = [status for _, status in registrations(app, event.id)]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [_position(app, i) for i in ids] == [None, None, 1, 2, 3]
    assert [kind for kind, _, _ in outbox(app)] == ["confirmed"] * 2 + ["waitlisted"] * 3
    with app.app_context():
        state = services.availability(db.session.get(Event, event.id))
    assert (state.state, state.seats_left, state.waitlisted) == (
        RegistrationState.WAITING_LIST,
        0,
        3,
    )


def test_unlimited_capacity_never_waitlists(app, make_event):
    event = make_event(capacity=None)
    for _ in range(30):
        register(app, event.id)
    assert {status for _, status in registrations(app, event.id)} == {"confirmed"}


def test_zero_capacity_waitlists_everyone(app, make_event):
    event = make_event(capacity=0)
    register(app, event.id)
    assert registrations(app, event.id)[0][1] == "waitlisted"


def test_registration_stores_consent_token_hash_and_attendance(app, make_event):
    event = make_event(format=EventFormat.HYBRID)
    registration_id, token, created = register(
        app, event.id, attendance_mode=AttendanceMode.ONLINE, needs="Vegetarian"
    )
    registration = _get(app, registration_id)
    assert created
    assert registration.consent_at is not None
    assert registration.privacy_notice_version == "2026-01"
    assert registration.attendance_mode == AttendanceMode.ONLINE
    assert registration.needs == ""  # needs are for people at the venue
    assert token not in (registration.manage_token_hash, registration.token_salt)
    assert len(token) >= 43  # 256 bits, urlsafe base64
    with app.app_context():
        assert services.find_by_token(token).id == registration_id


def test_attendance_mode_follows_the_event_format(app, make_event):
    online = make_event(format=EventFormat.ONLINE)
    in_person = make_event(format=EventFormat.IN_PERSON, venue_name="Haus am Dom")
    online_id = register(app, online.id, attendance_mode=AttendanceMode.IN_PERSON)[0]
    venue_id = register(app, in_person.id, needs="Step-free access")[0]
    assert _get(app, online_id).attendance_mode == AttendanceMode.ONLINE
    venue = _get(app, venue_id)
    assert (venue.attendance_mode, venue.needs) == (AttendanceMode.IN_PERSON, "Step-free access")


def test_duplicate_email_in_any_case_creates_nothing_and_resends(app, make_event):
    event = make_event(capacity=10)
    first_id, first_token, created = register(app, event.id, "Ana.Martin@Example.org")
    again_id, again_token, created_again = register(app, event.id, "  ana.martin@EXAMPLE.ORG ")
    assert created and not created_again
    assert (again_id, again_token) == (first_id, first_token)
    assert len(registrations(app, event.id)) == 1
    # The repeat re-queues the existing registration's email, so it carries its link.
    assert outbox(app) == [
        ("confirmed", "Ana.Martin@Example.org", first_id),
        ("confirmed", "Ana.Martin@Example.org", first_id),
    ]


def test_repeats_resend_at_most_once_per_window(app, make_event):
    event = make_event()
    now = now_utc()
    register(app, event.id, "ana@example.org")
    with app.app_context():
        begin_write(db.session)
        for minutes in (1, 2, 3):
            services.register(
                db.session.get(Event, event.id),
                applicant("ana@example.org"),
                now=now + timedelta(minutes=minutes),
            )
            db.session.commit()
    assert len(outbox(app)) in (2, 3)  # the three repeats may straddle one window boundary


def test_cancelled_registration_allows_registering_again(app, make_event):
    event = make_event(capacity=1)
    first_id = register(app, event.id, "ana@example.org")[0]
    _cancel(app, first_id)
    second_id, _, created = register(app, event.id, "ana@example.org")
    assert created and second_id != first_id
    assert registrations(app, event.id) == [
        ("ana@example.org", "cancelled"),
        ("ana@example.org", "confirmed"),
    ]


def test_database_refuses_two_active_registrations_for_one_email(app, make_event):
    event = make_event()
    registration_id = register(app, event.id, "ana@example.org")[0]
    with app.app_context():
        begin_write(db.session)
        original = db.session.get(Registration, registration_id)
        copy = Registration(
            **{
                column.key: getattr(original, column.key)
                for column in Registration.__table__.columns
                if column.key not in ("id", "manage_token_hash")
            },
            manage_token_hash="0" * 64,
        )
        db.session.add(copy)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_repeat_refused_by_the_unique_index_leaves_the_unit_of_work_usable(app, make_event):
    """Repeats are found by the database's unique index (no look-up first): the refused
    insert is rolled back to its savepoint, and the same transaction goes on."""
    event = make_event()
    existing_id = register(app, event.id, "ana@example.org")[0]
    with app.app_context():
        begin_write(db.session)
        locked_event = db.session.get(Event, event.id)
        repeat = services.register(locked_event, applicant("ANA@example.org"))
        other = services.register(locked_event, applicant("ben@example.org"))
        db.session.commit()
        assert (repeat.registration.id, repeat.created) == (existing_id, False)
        assert other.created
    assert [email for email, _ in registrations(app, event.id)] == [
        "ana@example.org",
        "ben@example.org",
    ]
    assert [recipient for _, recipient, _ in outbox(app)] == [
        "ana@example.org",
        "ana@example.org",
        "ben@example.org",
    ]


@pytest.mark.parametrize(
    ("overrides", "state"),
    [
        ({"status": EventStatus.DRAFT}, RegistrationState.UNAVAILABLE),
        ({"status": EventStatus.CANCELLED}, RegistrationState.CANCELLED),
        ({"registration_opens_at": now_utc() + timedelta(days=1)}, RegistrationState.NOT_YET_OPEN),
        ({"registration_closes_at": now_utc() - timedelta(minutes=1)}, RegistrationState.CLOSED),
    ],
)
def test_no_registration_outside_the_window_or_for_unpublished_events(
    app, make_event, overrides, state
):
    event = make_event(**overrides)
    with app.app_context():
        with pytest.raises(services.RegistrationUnavailable) as raised:
            services.register(db.session.get(Event, event.id), applicant())
        db.session.rollback()
    assert raised.value.state == state
    assert registrations(app, event.id) == [] and outbox(app) == []


def test_registration_closes_when_the_event_starts(app, make_event):
    event = make_event()
    with app.app_context():
        with pytest.raises(services.RegistrationUnavailable):
            services.register(db.session.get(Event, event.id), applicant(), now=event.starts_at)
        db.session.rollback()


def test_registration_and_its_email_are_stored_or_lost_together(app, make_event):
    event = make_event()
    with app.app_context():
        result = services.register(db.session.get(Event, event.id), applicant())
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
        db.session.rollback()  # e.g. the commit failed
    assert registrations(app, event.id) == [] and outbox(app) == []

    with app.app_context():
        begin_write(db.session)
        result = services.register(db.session.get(Event, event.id), applicant())
        db.session.commit()
        registration_id = result.registration.id
    assert [rid for _, _, rid in outbox(app)] == [registration_id]


def test_cancelling_a_confirmed_seat_promotes_the_first_waitlisted(app, make_event):
    event = make_event(capacity=1)
    seat = register(app, event.id, "seat@example.org")[0]
    first = register(app, event.id, "first@example.org")[0]
    second = register(app, event.id, "second@example.org")[0]

    assert _cancel(app, seat) == first
    assert registrations(app, event.id) == [
        ("seat@example.org", "cancelled"),
        ("first@example.org", "confirmed"),
        ("second@example.org", "waitlisted"),
    ]
    assert _position(app, second) == 1
    assert _get(app, first).confirmed_at is not None
    assert [kind for kind, _, _ in outbox(app)][-2:] == ["cancelled", "promoted"]


def test_cancelling_a_waitlisted_registration_promotes_nobody(app, make_event):
    event = make_event(capacity=1)
    register(app, event.id)
    first = register(app, event.id)[0]
    second = register(app, event.id)[0]
    assert _cancel(app, first) is None
    assert _position(app, second) == 1


def test_cancel_is_idempotent(app, make_event):
    event = make_event(capacity=1)
    seat = register(app, event.id)[0]
    register(app, event.id)
    _cancel(app, seat)
    sent = len(outbox(app))
    assert _cancel(app, seat) is None
    assert len(outbox(app)) == sent
    assert [status for _, status in registrations(app, event.id)] == ["cancelled", "confirmed"]


def test_no_promotion_once_the_event_has_started(app, make_event):
    event = make_event(capacity=1)
    seat = register(app, event.id)[0]
    waiting = register(app, event.id)[0]
    assert _cancel(app, seat, now=event.starts_at + timedelta(minutes=5)) is None
    assert _get(app, waiting).status == RegistrationStatus.WAITLISTED


def test_organiser_promotion_needs_a_free_seat(app, make_event):
    event = make_event(capacity=1)
    register(app, event.id)
    waiting = register(app, event.id)[0]
    with app.app_context():
        begin_write(db.session)
        with pytest.raises(services.EventFull):
            services.promote(db.session.get(Registration, waiting))
        db.session.rollback()
        begin_write(db.session)
        db.session.get(Event, event.id).capacity = 2
        db.session.commit()
    with app.app_context():
        begin_write(db.session)
        promoted = services.promote(db.session.get(Registration, waiting))
        db.session.commit()
        assert promoted.status == RegistrationStatus.CONFIRMED
    assert outbox(app)[-1][0] == "promoted"
    with app.app_context(), pytest.raises(services.InvalidTransition):
        services.promote(db.session.get(Registration, waiting))


def test_promote_next_and_fill_from_waitlist_after_raising_capacity(app, make_event):
    event = make_event(capacity=1)
    register(app, event.id)
    waiting = [register(app, event.id)[0] for _ in range(4)]
    with app.app_context():
        begin_write(db.session)
        assert services.promote_next(db.session.get(Event, event.id)) is None  # still full
        db.session.get(Event, event.id).capacity = 4
        db.session.commit()
    with app.app_context():
        begin_write(db.session)
        assert services.promote_next(db.session.get(Event, event.id)).id == waiting[0]
        promoted = services.fill_from_waitlist(db.session.get(Event, event.id))
        db.session.commit()
        assert [r.id for r in promoted] == waiting[1:3]
    assert [status for _, status in registrations(app, event.id)].count("confirmed") == 4
    assert _position(app, waiting[3]) == 1


def test_check_in_and_undo(app, make_event):
    event = make_event(capacity=1)
    seat = register(app, event.id)[0]
    waiting = register(app, event.id)[0]
    arrived = now_utc()
    with app.app_context():
        begin_write(db.session)
        services.check_in(db.session.get(Registration, seat), now=arrived)
        db.session.commit()
    with app.app_context():
        begin_write(db.session)
        again = services.check_in(db.session.get(Registration, seat))  # keeps the first time
        db.session.commit()
        assert again.checked_in_at == arrived.replace(microsecond=again.checked_in_at.microsecond)
        with pytest.raises(services.InvalidTransition):
            services.check_in(db.session.get(Registration, waiting))
        db.session.rollback()
    with app.app_context():
        begin_write(db.session)
        services.undo_check_in(db.session.get(Registration, seat))
        db.session.commit()
    assert _get(app, seat).checked_in_at is None


def test_resend_matches_the_current_status(app, make_event):
    event = make_event(capacity=1)
    seat = register(app, event.id)[0]
    waiting = register(app, event.id)[0]
    with app.app_context():
        begin_write(db.session)
        services.resend_confirmation(db.session.get(Registration, seat))
        services.resend_confirmation(db.session.get(Registration, waiting))
        db.session.commit()
    assert [kind for kind, _, _ in outbox(app)][-2:] == ["confirmed", "waitlisted"]


def test_services_compose_in_one_unit_of_work(app, make_event):
    """Two locking calls in one transaction keep each other's changes."""
    event = make_event(capacity=5)
    with app.app_context():
        begin_write(db.session)
        first = services.register(db.session.get(Event, event.id), applicant())
        services.register(db.session.get(Event, event.id), applicant())
        services.cancel(first.registration)
        db.session.commit()
    assert [status for _, status in registrations(app, event.id)] == ["cancelled", "confirmed"]


@pytest.mark.parametrize(
    "token",
    ["", "x", "not-a-token", "A" * 43, "A" * 44, "../../etc/passwd", "é" * 43, "A" * 10_000],
)
def test_unknown_or_malformed_tokens_find_nothing(app, make_event, token):
    register(app, make_event().id)
    with app.app_context():
        assert services.find_by_token(token) is None


def test_a_tampered_token_finds_nothing(app, make_event):
    _, token, _ = register(app, make_event().id)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    with app.app_context():
        assert services.find_by_token(flipped) is None
        assert services.find_by_token(token) is not None

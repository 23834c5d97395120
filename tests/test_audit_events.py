"""The audit log records what organisers do to events, through the real routes: created,
edited (the changed fields exactly), published, unpublished, cancelled, postponed and
rescheduled, duplicated, co-organisers, materials and follow-up, questions; a refused
action records nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.audit_support import actions, logged
from tests.organiser_support import event_form_data, make_organiser
from webapp.events.models import Event, EventStatus
from webapp.extensions import db
from webapp.organiser.models import Organiser


def _create(client) -> int:
    response = client.post("/organiser/events/new", data=event_form_data())
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_created_and_edited_with_exactly_the_changed_fields(app, client, signed_in_organiser):
    event_id = _create(client)
    changed = event_form_data(title="Smart Regions – Aarhus", capacity="80")
    assert client.post(f"/organiser/events/{event_id}/edit", data=changed).status_code == 302
    moved = event_form_data(
        title="Smart Regions – Aarhus", capacity="80", start_time="17:00", timezone="Europe/Oslo"
    )
    assert client.post(f"/organiser/events/{event_id}/edit", data=moved).status_code == 302
    ours = (signed_in_organiser, "event", event_id, event_id)
    assert logged(app) == [
        ("event.created", *ours, {}),
        ("event.edited", *ours, {"fields": ["capacity", "title"]}),
        ("event.edited", *ours, {"fields": ["start_local", "timezone"]}),
    ]


def test_saving_an_unchanged_form_or_a_refused_one_records_nothing(
    app, client, signed_in_organiser
):
    event_id = _create(client)
    same = client.post(f"/organiser/events/{event_id}/edit", data=event_form_data())
    refused = client.post(f"/organiser/events/{event_id}/edit", data=event_form_data(title=""))
    preview = event_form_data(title="Other", save=None, preview="1")
    previewed = client.post(f"/organiser/events/{event_id}/edit", data=preview)
    assert (same.status_code, refused.status_code, previewed.status_code) == (302, 422, 200)
    assert actions(app) == ["event.created"]


def test_translations_count_as_a_changed_field(app, client, signed_in_organiser):
    event_id = _create(client)
    data = event_form_data(title_da="Smarte regioner", summary_da="En session.")
    client.post(f"/organiser/events/{event_id}/edit", data=data)
    edited = logged(app, "event.edited")
    assert [entry[5] for entry in edited] == [{"fields": ["translations"]}]


def test_status_changes_are_recorded_and_refused_ones_are_not(
    app, client, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser, status=EventStatus.DRAFT)
    base = f"/organiser/events/{event.id}"
    client.post(f"{base}/publish")
    client.post(f"{base}/publish")  # refused: already published
    client.post(f"{base}/unpublish")
    client.post(f"{base}/publish")
    client.post(f"{base}/cancel")
    client.post(f"{base}/cancel")  # refused: already cancelled
    assert actions(app) == [
        "event.published",
        "event.unpublished",
        "event.published",
        "event.cancelled",
    ]
    assert logged(app)[-1] == (
        "event.cancelled",
        signed_in_organiser,
        "event",
        event.id,
        event.id,
        {"emails": 0},
    )


def test_postponed_then_rescheduled_then_postponed_and_kept(
    app, client, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser)
    base = f"/organiser/events/{event.id}"
    assert client.post(f"{base}/postpone", data={"message": ""}).status_code == 302
    with app.app_context():
        start = db.session.get(Event, event.id).start_local
    later = start.replace(year=start.year + 1)
    data = event_form_data(
        title=event.title,
        summary=event.summary,
        start_date=later.strftime("%Y-%m-%d"),
        end_date=later.strftime("%Y-%m-%d"),
        start_time="18:00",
        end_time="19:30",
        capacity="",
        online_url=event.online_url,
    )
    assert client.post(f"{base}/edit", data=data).status_code == 302
    client.post(f"{base}/postpone", data={"message": ""})
    client.post(f"{base}/keep-date", data={"message": ""})
    found = [(a, d) for a, *_, d in logged(app)]
    assert found[0] == ("event.postponed", {"emails": 0})
    assert found[1][0] == "event.edited" and "start_local" in found[1][1]["fields"]
    assert found[2:] == [
        ("event.rescheduled", {}),
        ("event.postponed", {"emails": 0}),
        ("event.date_kept", {"emails": 0}),
    ]


def test_duplicate_is_recorded_on_the_copy_with_its_source(
    app, client, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser)
    response = client.post(f"/organiser/events/{event.id}/duplicate")
    copy_id = int(response.headers["Location"].split("/")[-2])
    assert copy_id != event.id
    assert logged(app) == [
        ("event.duplicated", signed_in_organiser, "event", copy_id, copy_id, {"source": event.id})
    ]


def test_co_organisers_added_and_removed_by_id(app, client, signed_in_organiser, make_event):
    event = make_event(owner_id=signed_in_organiser)
    other = make_organiser(app, "piet@cluster.example", name="Piet")
    base = f"/organiser/events/{event.id}/organisers"
    client.post(base, data={"email": "nobody@cluster.example"})  # refused
    client.post(base, data={"email": "PIET@cluster.example"})
    client.post(base, data={"email": "piet@cluster.example"})  # refused: already
    client.post(f"{base}/{other}/remove")
    client.post(f"{base}/{other}/remove")  # not a co-organiser any more: nothing changes
    assert [(a, d) for a, *_, d in logged(app)] == [
        ("event.co_organiser_added", {"organiser": other}),
        ("event.co_organiser_removed", {"organiser": other}),
    ]


def test_materials_and_follow_up(app, client, signed_in_organiser, make_event):
    from tests.after_event_support import follow_up_form, materials_form

    event = make_event(owner_id=signed_in_organiser)
    base = f"/organiser/events/{event.id}"
    assert client.post(f"{base}/materials", data=materials_form()).status_code == 303
    bad = materials_form(**{"links-0-url": "javascript:alert(1)"})
    assert client.post(f"{base}/materials", data=bad).status_code == 422
    assert client.post(f"{base}/follow-up", data=follow_up_form()).status_code == 303
    assert [(a, d) for a, *_, d in logged(app)] == [
        (
            "event.materials_saved",
            {"published": True, "visibility": "attendees", "links": 2},
        ),
        ("event.follow_up_saved", {"enabled": True, "hours_after": 2}),
    ]


def test_questions_added_changed_moved_hidden_restored_deleted(
    app, client, signed_in_organiser, make_event
):
    event = make_event(owner_id=signed_in_organiser)
    base = f"/organiser/events/{event.id}/questions"
    question = {"label": "Dinner?", "kind": "checkbox", "display": "radio", "condition": ""}
    client.post(base, data=question)
    client.post(base, data={**question, "label": "Lunch?"})
    client.post(base, data={**question, "label": ""})  # refused
    first, second = (entry[3] for entry in logged(app, "question.added"))
    client.post(f"{base}/{first}/edit", data={**question, "label": "Dinner on Friday?"})
    client.post(f"{base}/{second}/move", data={"direction": "up"})
    client.post(f"{base}/{second}/move", data={"direction": "up"})  # already first
    client.post(f"{base}/{first}/remove")
    assert [(a, o, e) for a, _, _, o, e, _ in logged(app)] == [
        ("question.added", first, event.id),
        ("question.added", second, event.id),
        ("question.changed", first, event.id),
        ("question.moved_up", second, event.id),
        ("question.deleted", first, event.id),
    ]
    assert {entry[2] for entry in logged(app)} == {"question"}


def test_account_actions_by_an_admin_and_own_settings(app, client):
    from tests.organiser_support import sign_in

    admin = make_organiser(app, "admin@cluster.example", admin=True)
    sign_in(client, "admin@cluster.example")
    data = {"email": "new@cluster.example", "name": "Nia", "is_admin": "y"}
    assert client.post("/organiser/accounts/new", data=data).status_code == 302
    assert client.post("/organiser/accounts/new", data=data).status_code == 422  # exists
    with app.app_context():
        new = db.session.scalar(
            sa.select(Organiser.id).where(Organiser.email == "new@cluster.example")
        )
    client.post(f"/organiser/accounts/{new}/active", data={"active": "0"})
    client.post(f"/organiser/accounts/{new}/active", data={"active": "0"})  # already
    client.post(f"/organiser/accounts/{new}/active", data={"active": "1"})
    settings = {"language": "da", "notify_default": "digest"}
    client.post("/organiser/account/settings", data=settings)
    client.post("/organiser/account/settings", data=settings)  # nothing changes
    assert [(a, actor, t, o, d) for a, actor, t, o, _, d in logged(app)] == [
        ("organiser.created", admin, "organiser", new, {"admin": True}),
        ("organiser.deactivated", admin, "organiser", new, {}),
        ("organiser.reactivated", admin, "organiser", new, {}),
        (
            "account.settings_changed",
            admin,
            "organiser",
            admin,
            {"fields": ["language", "notify_default"]},
        ),
    ]


def test_notification_choice_for_an_event(app, client, signed_in_organiser, make_event):
    event = make_event(owner_id=signed_in_organiser)
    client.post(f"/organiser/events/{event.id}/notifications", data={"choice": "each"})
    assert logged(app) == [
        (
            "event.notifications_changed",
            signed_in_organiser,
            "event",
            event.id,
            event.id,
            {"choice": "each"},
        )
    ]


@pytest.mark.parametrize("admin", [False, True])
def test_organiser_create_on_the_command_line_is_recorded_as_the_system(app, runner, admin):
    args = ["organiser", "create", "cli@cluster.example", *(["--admin"] if admin else [])]
    result = runner.invoke(args=args, input="correct horse battery staple\n")
    assert result.exit_code == 0, result.output
    (entry,) = logged(app)
    assert entry[:3] == ("organiser.created", None, "organiser")
    assert entry[5] == {"admin": admin, "via": "command line"}
    again = runner.invoke(args=args, input="correct horse battery staple\n")
    assert again.exit_code != 0 and len(logged(app)) == 1


def test_demo_load_records_its_admin_and_events_as_the_system(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    found = logged(app)
    assert found[0][:3] == ("organiser.created", None, "organiser")
    assert found[0][5] == {"admin": True, "via": "demo"}
    created = [entry for entry in found if entry[0] == "event.created"]
    assert created and all(e[1] is None and e[5] == {"via": "demo"} for e in created)
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # nothing new: nothing logged
    assert len(logged(app)) == len(found)

"""The audit log records what organisers do to attendees, by registration id: the actions of
the list, corrections, people added by hand and imported, exports (format and the exact
number of data rows) and announcements; after a whole journey no entry holds a
registrant's name or address."""

from __future__ import annotations

import io
import re

from tests.audit_support import actions, all_text, logged
from tests.organiser_support import add_registrations, event_form_data
from tests.question_support import add_question, spec
from webapp.registration.models import RegistrationStatus

WAITING = {"status": RegistrationStatus.WAITLISTED}


def _act(client, event_id: int, registration_id: int, action: str):
    url = f"/organiser/events/{event_id}/attendees/{registration_id}/{action}"
    return client.post(url)


def test_list_actions_name_the_registration_by_id(app, client, event_with_attendees):
    event, (seat, waiting) = event_with_attendees([{}, WAITING], capacity=1)
    for registration_id, action in [
        (seat, "check-in"),
        (seat, "undo-check-in"),
        (seat, "resend"),
        (seat, "cancel"),  # the freed seat goes to the waiting list
        (seat, "cancel"),  # refused: already cancelled
        (waiting, "promote"),  # refused: already promoted by the cancellation
        (seat, "check-in"),  # refused: cancelled people are not checked in
    ]:
        assert _act(client, event.id, registration_id, action).status_code == 302
    organiser = logged(app)[0][1]
    assert logged(app) == [
        ("attendee.checked_in", organiser, "registration", seat, event.id, {}),
        ("attendee.check_in_undone", organiser, "registration", seat, event.id, {}),
        ("attendee.message_resent", organiser, "registration", seat, event.id, {}),
        (
            "attendee.cancelled",
            organiser,
            "registration",
            seat,
            event.id,
            {"seat_given_to": waiting},
        ),
    ]


def test_promote_by_hand(app, client, event_with_attendees):
    event, (waiting,) = event_with_attendees([WAITING], capacity=5)
    assert _act(client, event.id, waiting, "promote").status_code == 302
    assert [(a, o) for a, _, _, o, _, _ in logged(app)] == [("attendee.promoted", waiting)]


def _details(**overrides) -> dict:
    data = {
        "first_name": "Ana",
        "last_name": "Martín",
        "email": "ana@example.org",
        "organisation": "Cluster Andalucía",
        "role": "",
        "country": "ES",
        "language": "en",
    }
    data.update(overrides)
    return data


def test_corrected_details_list_the_changed_fields_and_refusals_nothing(
    app, client, event_with_attendees
):
    event, (first, _other) = event_with_attendees(
        [{"email": "ana@example.org", "last_name": "Martín"}, {"email": "bo@example.org"}]
    )
    url = f"/organiser/events/{event.id}/attendees/{first}/details"
    assert client.post(url, data=_details(last_name="")).status_code == 422
    assert client.post(url, data=_details(email="bo@example.org")).status_code == 422  # taken
    assert client.post(url, data=_details(country="PT", role="CTO")).status_code == 302
    assert client.post(url, data=_details(country="PT", role="CTO")).status_code == 302  # same
    assert [(a, o, d) for a, _, _, o, _, d in logged(app)] == [
        ("attendee.details_edited", first, {"fields": ["country", "role"]}),
    ]


def test_corrected_answers_name_the_questions(app, client, event_with_attendees):
    event, (person,) = event_with_attendees([{}])
    question, _ = add_question(app, event.id, spec("short_text", "Cluster"))
    url = f"/organiser/events/{event.id}/attendees/{person}/answers"
    assert client.post(url, data={f"q_{question}": "Cleantech"}).status_code == 302
    assert logged(app)[0][0::3] == ("attendee.answers_edited", person)
    assert logged(app)[0][5] == {"questions": [question]}


def test_added_by_hand_and_a_refused_addition(app, client, event_with_attendees):
    event, _ = event_with_attendees()
    person = _details(email="ines@example.org", send_email="y")
    url = f"/organiser/events/{event.id}/attendees/new"
    added = client.post(url, data=person)
    assert added.status_code == 303
    assert client.post(url, data=person).status_code == 422  # already registered
    added_id = int(added.headers["Location"].rstrip("/").split("/")[-1])
    assert [(a, t, o, e, d) for a, _, t, o, e, d in logged(app)] == [
        (
            "attendee.added",
            "registration",
            added_id,
            event.id,
            {"status": "confirmed", "email_sent": True, "over_capacity": False},
        )
    ]


def test_an_import_is_recorded_once_with_its_row_counts(app, client, event_with_attendees):
    # Zoë is registered already: the preview leaves her row out, so nothing is skipped.
    event, _ = event_with_attendees([{"email": "zoe@example.org"}])
    content = (
        "First name,Last name,Email,Organisation,Country\n"
        "Zoë,Lefèvre,zoe@example.org,Île Cluster,France\n"
        "Jens,Ødegård,jens@example.org,Aarhus Tech,DK\n"
        "Ola,Nordmann,ola@example.org,Oslo Tech,NO\n"
    )
    preview = client.post(
        f"/organiser/events/{event.id}/import",
        data={"file": (io.BytesIO(content.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    assert actions(app) == []  # a preview stores nothing the log needs
    confirm = re.search(r'action="(/organiser/events/\d+/import/\d+)"', preview.text).group(1)
    assert client.post(confirm, data={"send_email": "y"}).status_code == 303
    assert client.post(confirm, data={"send_email": "y"}).status_code == 303  # nothing added
    assert [(a, t, o, d) for a, _, t, o, _, d in logged(app)] == [
        (
            "attendee.imported",
            "event",
            event.id,
            {"rows": 2, "confirmed": 2, "waitlisted": 0, "skipped": 0, "email_sent": True},
        )
    ]


def test_exports_carry_their_format_and_the_rows_written(app, client, event_with_attendees):
    event, _ = event_with_attendees([{}, {}, WAITING])
    base = f"/organiser/events/{event.id}/attendees"
    csv_text = client.get(f"{base}.csv").get_data(as_text=True)
    assert len(csv_text.strip().splitlines()) == 1 + 3
    waiting_only = client.get(f"{base}.csv", query_string={"status": "waitlisted"})
    assert len(waiting_only.get_data(as_text=True).strip().splitlines()) == 1 + 1
    with client.get(f"{base}.xlsx") as workbook:
        assert workbook.status_code == 200
    assert [(a, t, o, e, d) for a, _, t, o, e, d in logged(app)] == [
        ("attendee.exported", "event", event.id, event.id, f)
        for f in (
            {"format": "csv", "rows": 3, "filtered": False},
            {"format": "csv", "rows": 1, "filtered": True},
            {"format": "xlsx", "rows": 3, "filtered": False},
        )
    ]


def test_an_export_with_nobody_in_it_counts_zero(app, client, event_with_attendees):
    event, _ = event_with_attendees()
    client.get(f"/organiser/events/{event.id}/attendees.csv").get_data()
    assert logged(app)[0][5] == {"format": "csv", "rows": 0, "filtered": False}


def test_an_abandoned_download_is_recorded_with_the_rows_sent(app, client, event_with_attendees):
    # More rows than one chunk of the stream: the first chunk leaves before the last is read.
    event, _ = event_with_attendees([{} for _ in range(1200)])
    response = client.get(f"/organiser/events/{event.id}/attendees.csv", buffered=False)
    first = next(iter(response.response))
    assert first.startswith("\ufeff".encode())
    response.close()
    (entry,) = logged(app)
    assert entry[5]["complete"] is False
    assert entry[5]["format"] == "csv" and 0 < entry[5]["rows"] < 1200


def test_a_large_export_counts_every_row(app, client, event_with_attendees):
    event, _ = event_with_attendees([{} for _ in range(1200)])
    body = client.get(f"/organiser/events/{event.id}/attendees.csv").get_data(as_text=True)
    assert len(body.strip().splitlines()) == 1201
    assert logged(app)[0][5] == {"format": "csv", "rows": 1200, "filtered": False}


def test_an_announcement_records_its_group_and_recipient_count(app, client, event_with_attendees):
    event, _ = event_with_attendees([{}, {}, WAITING])
    url = f"/organiser/events/{event.id}/announcements/new"
    form = {"group": "confirmed", "subject": "News", "body": "Hello {first_name}"}
    preview = client.post(url, data={**form, "preview": "1"})
    token = re.search(r'name="preview_token" value="([^"]+)"', preview.text).group(1)
    assert client.post(url, data={**form, "send": "1", "preview_token": token}).status_code == 302
    client.post(url, data={**form, "send": "1", "preview_token": token})  # already sent
    ((action, _, kind, object_id, event_id, details),) = logged(app)
    assert (action, kind, event_id, details) == (
        "announcement.sent",
        "announcement",
        event.id,
        {"group": "confirmed", "recipients": 2},
    )
    assert object_id is not None


def test_no_entry_holds_a_registrants_name_or_address(app, client, signed_in_organiser):
    """A whole journey: create, publish, register, correct, check in, export, cancel."""
    created = client.post("/organiser/events/new", data=event_form_data())
    event_id = int(created.headers["Location"].split("/")[-1])
    client.post(f"/organiser/events/{event_id}/publish")
    people = [
        {"first_name": "Zyxwvut", "last_name": "Qwertyson", "email": "zyx.qwerty@example.org"},
        {"first_name": "Ångström", "last_name": "Ødegårdsen", "email": "angstrom@example.org"},
    ]
    first, second = add_registrations(app, event_id, people)
    base = f"/organiser/events/{event_id}/attendees"
    client.post(
        f"{base}/{first}/details",
        data=_details(
            first_name="Zyxwvut", last_name="Qwertyson-Li", email="zyx.qwerty2@example.org"
        ),
    )
    client.post(f"{base}/{first}/check-in")
    client.get(f"{base}.csv", query_string={"q": "Qwertyson"}).get_data()
    client.get(f"{base}.xlsx").close()
    client.post(f"{base}/{second}/cancel")
    client.post(f"/organiser/events/{event_id}/cancel")
    assert len(logged(app)) >= 8
    text = all_text(app).lower()
    for person in people:
        for value in person.values():
            assert value.lower() not in text
    for leaked in ("qwertyson", "zyx.qwerty2", "@example.org", "ångström"):
        assert leaked not in text

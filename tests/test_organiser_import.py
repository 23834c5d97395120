"""Importing attendees from CSV: encodings, separators, row-by-row checks, preview, confirm."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from tests.organiser_support import outbox_rows
from tests.registration_support import register, registrations
from webapp.events.models import EventFormat, EventStatus
from webapp.extensions import db
from webapp.registration.models import PendingImport, Registration

GOOD = (
    "First name,Last name,Email,Organisation,Country\n"
    "Zoë,Lefèvre,zoe@example.org,Île Cluster,France\n"
    "Jens,Ødegård,jens@example.org,Aarhus Tech,DK\n"
)


@pytest.fixture
def owned(make_event, signed_in_organiser):
    def make(**overrides):
        return make_event(owner_id=signed_in_organiser, **overrides)

    return make


def _upload(client, event, content: bytes, name: str = "people.csv"):
    return client.post(
        f"/organiser/events/{event.id}/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _confirm_url(html: str) -> str:
    return re.search(r'action="(/organiser/events/\d+/import/\d+)"', html).group(1)


def _confirm(client, html: str, **options):
    return client.post(_confirm_url(html), data={"send_email": "y", **options})


def _people(app, event_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Registration.first_name,
                Registration.last_name,
                Registration.email,
                Registration.organisation,
                Registration.country,
                Registration.status,
                Registration.source,
            )
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        )
        return [(*row[:5], row[5].value, row[6].value) for row in rows]


def test_the_list_links_to_the_import(client, owned):
    event = owned()
    listing = client.get(f"/organiser/events/{event.id}/attendees").get_data(as_text=True)
    assert f'href="/organiser/events/{event.id}/import"' in listing
    page = client.get(f"/organiser/events/{event.id}/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "förnamn" in page


def test_utf8_preview_stores_nothing_then_confirm_imports(app, client, owned):
    event = owned()
    preview = _upload(client, event, GOOD.encode())
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Nothing is stored yet." in html and "2 rows can be added." in html
    assert "Zoë" in html and "jens@example.org" in html
    assert re.search(
        r'name="send_email" type="checkbox" value="y" checked|checked[^>]*name="send_email"|name="send_email"[^>]*checked',
        html,
    )
    assert registrations(app, event.id) == []
    assert outbox_rows(app) == []

    done = _confirm(client, html)
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/organiser/events/{event.id}/attendees")
    assert _people(app, event.id) == [
        ("Zoë", "Lefèvre", "zoe@example.org", "Île Cluster", "FR", "confirmed", "import"),
        ("Jens", "Ødegård", "jens@example.org", "Aarhus Tech", "DK", "confirmed", "import"),
    ]
    assert [kind for kind, _, _ in outbox_rows(app)] == ["confirmed", "confirmed"]
    assert "2 with a seat" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_a_second_confirmation_imports_nothing(app, client, owned):
    event = owned()
    html = _upload(client, event, GOOD.encode()).get_data(as_text=True)
    _confirm(client, html)
    again = _confirm(client, html)
    assert again.status_code == 303
    assert "nothing was added" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(registrations(app, event.id)) == 2
    assert len(outbox_rows(app)) == 2


def test_utf8_with_bom_and_danish_headers(app, client, owned):
    event = owned()
    content = "\ufeffFornavn;Efternavn;E-mail;Virksomhed;Land\nSøren;Kierkegård;soren@example.dk;Københavns Kommune;Danmark\n"
    html = _upload(client, event, content.encode("utf-8")).get_data(as_text=True)
    _confirm(client, html)
    assert _people(app, event.id) == [
        (
            "Søren",
            "Kierkegård",
            "soren@example.dk",
            "Københavns Kommune",
            "DK",
            "confirmed",
            "import",
        )
    ]


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (
            "Förnamn;Efternamn;E-postadress;Organisation;Land",
            "Åsa;Öberg;asa@example.se;Malmö Stad;Sverige",
            ("Åsa", "Öberg", "asa@example.se", "Malmö Stad", "SE"),
        ),
        (
            "Vorname;Nachname;E-Mail-Adresse;Unternehmen;Land",
            "Jürgen;Weiß;juergen@example.de;Straßenbau GmbH;Österreich",
            ("Jürgen", "Weiß", "juergen@example.de", "Straßenbau GmbH", "AT"),
        ),
    ],
)
def test_windows_1252_with_semicolons_as_excel_writes_them(
    app, client, owned, header, row, expected
):
    event = owned()
    content = f"{header}\r\n{row}\r\n".encode("cp1252")
    html = _upload(client, event, content).get_data(as_text=True)
    assert "1 row can be added." in html
    _confirm(client, html)
    assert [person[:5] for person in _people(app, event.id)] == [expected]


def test_bad_rows_are_listed_by_number_and_not_imported(app, client, owned):
    event = owned(format=EventFormat.HYBRID, venue_name="Hall A")
    content = (
        "First name,Last name,Email,Country,Attendance\n"
        "Ana,Martín,ana@example.org,ES,in person\n"
        ",Nobody,nobody@example.org,ES,online\n"
        "Bad,Address,not-an-address,ES,online\n"
        "Zoë,Unicode,zoë@example.org,ES,online\n"
        "Tom,Nowhere,tom@example.org,Atlantis,online\n"
        "Kim,Mode,kim@example.org,SE,by carrier pigeon\n"
        "Lee,Late,lee@example.org,,online\n"
    )
    response = _upload(client, event, content.encode())
    html = response.get_data(as_text=True)
    assert "2 rows can be added." in html and "5 rows have problems." in html
    assert "Row 3: The first name is missing." in html
    assert "Row 4: Enter a valid email address." in html
    assert "Row 5:" in html and "before the @" in html
    assert "Row 6: Unknown country: Atlantis." in html
    assert "Row 7: Unknown attendance: by carrier pigeon." in html
    _confirm(client, html)
    assert [(email, status) for _, _, email, _, _, status, _ in _people(app, event.id)] == [
        ("ana@example.org", "confirmed"),
        ("lee@example.org", "confirmed"),
    ]


def test_duplicates_in_the_file_and_already_registered_are_skipped(app, client, owned):
    event = owned()
    register(app, event.id, "ana@example.org")
    content = (
        "First name,Last name,Email\n"
        "Ana,Again,ANA@example.org\n"
        "Ben,Okafor,ben@example.org\n"
        "Benjamin,Okafor,Ben@Example.org\n"
    )
    html = _upload(client, event, content.encode()).get_data(as_text=True)
    assert "1 row can be added." in html and "2 duplicates are skipped." in html
    assert "Row 2: ANA@example.org is already registered: skipped." in html
    assert "Row 4: The same address as row 3: skipped." in html
    _confirm(client, html)
    assert registrations(app, event.id) == [
        ("ana@example.org", "confirmed"),
        ("ben@example.org", "confirmed"),
    ]


def test_someone_registered_between_preview_and_confirm_is_skipped(app, client, owned):
    event = owned()
    html = _upload(client, event, GOOD.encode()).get_data(as_text=True)
    register(app, event.id, "zoe@example.org")
    done = _confirm(client, html)
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "1 with a seat" in page and "1 skipped" in page
    assert len(registrations(app, event.id)) == 2


def test_emails_are_optional(app, client, owned):
    event = owned()
    html = _upload(client, event, GOOD.encode()).get_data(as_text=True)
    client.post(_confirm_url(html), data={})
    assert len(registrations(app, event.id)) == 2
    assert outbox_rows(app) == []


def test_capacity_is_kept_unless_skipped(app, client, owned):
    kept = owned(capacity=1)
    html = _upload(client, kept, GOOD.encode()).get_data(as_text=True)
    _confirm(client, html)
    assert registrations(app, kept.id) == [
        ("zoe@example.org", "confirmed"),
        ("jens@example.org", "waitlisted"),
    ]
    skipped = owned(capacity=1)
    html = _upload(client, skipped, GOOD.encode()).get_data(as_text=True)
    _confirm(client, html, skip_capacity="y")
    assert [status for _, status in registrations(app, skipped.id)] == ["confirmed", "confirmed"]


@pytest.fixture
def small_limits(app_config):
    app_config.update(IMPORT_MAX_BYTES=200, IMPORT_MAX_ROWS=2)
    return app_config


def test_size_limits_are_explained(small_limits, app, client, owned):
    event = owned()
    rows = "".join(f"P,Person,p{n}@example.org\n" for n in range(3))
    too_many = _upload(client, event, ("First name,Last name,Email\n" + rows).encode())
    assert too_many.status_code == 422
    assert "The file has more than 2 rows." in too_many.get_data(as_text=True)
    too_big = _upload(client, event, b"First name,Last name,Email\n" + b"x" * 300)
    assert too_big.status_code == 422
    assert "Split it into smaller files." in too_big.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingImport)) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n", "The file is empty."),
        (b"just one column\nAna\n", "The file has only one column."),
        (b"Name,Phone\nAna,123\n", "at least first name, last name and email"),
        (b"\x81\x8d\x8f\x90\x9d,x\n", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_unreadable_files_say_why(app, client, owned, content, message):
    event = owned()
    response = _upload(client, event, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert registrations(app, event.id) == []


def test_no_file_is_422(client, owned):
    event = owned()
    response = client.post(f"/organiser/events/{event.id}/import", data={})
    assert response.status_code == 422
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_a_cancelled_event_refuses_the_confirmation(app, client, owned):
    event = owned()
    html = _upload(client, event, GOOD.encode()).get_data(as_text=True)
    from webapp.db import begin_write
    from webapp.events.models import Event

    with app.app_context():
        begin_write(db.session)
        db.session.get(Event, event.id).status = EventStatus.CANCELLED
        db.session.commit()
    done = _confirm(client, html)
    assert "No one can be added" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert registrations(app, event.id) == []


def test_another_events_import_cannot_be_confirmed_here(app, client, owned):
    first, second = owned(), owned()
    html = _upload(client, first, GOOD.encode()).get_data(as_text=True)
    url = _confirm_url(html).replace(f"/events/{first.id}/", f"/events/{second.id}/")
    client.post(url, data={"send_email": "y"})
    assert registrations(app, second.id) == [] and registrations(app, first.id) == []


def test_formula_like_cells_are_kept_as_text(app, client, owned):
    event = owned()
    content = "First name,Last name,Email,Organisation\nAna,Martín,ana@example.org,=HYPERLINK(1)\n"
    _confirm(client, _upload(client, event, content.encode()).get_data(as_text=True))
    assert _people(app, event.id)[0][3] == "=HYPERLINK(1)"


def test_exports_say_the_attendees_were_imported(app, client, owned):
    event = owned()
    _confirm(client, _upload(client, event, GOOD.encode()).get_data(as_text=True))
    client.post(
        f"/organiser/events/{event.id}/attendees/new",
        data={
            "first_name": "Ines",
            "last_name": "Duarte",
            "email": "ines@example.org",
            "language": "en",
        },
    )
    text = client.get(f"/organiser/events/{event.id}/attendees.csv").get_data().decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].endswith(",Source")
    assert [line.rsplit(",", 1)[1] for line in lines[1:]] == ["import", "import", "organiser"]


def test_a_preview_left_for_more_than_a_day_expires(app, client, owned, clock):
    from datetime import timedelta

    event = owned()
    html = _upload(client, event, GOOD.encode()).get_data(as_text=True)
    clock.shift(timedelta(days=1, minutes=1))
    done = _confirm(client, html)
    assert "has expired" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert registrations(app, event.id) == []
    # The next upload drops the stale preview.
    _upload(client, event, GOOD.encode())
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingImport)) == 1


def _modes(app, event_id: int) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Registration.email, Registration.attendance_mode, Registration.status)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        )
        return [(email, mode.value, status.value) for email, mode, status in rows]


def test_a_hybrid_import_without_attendance_means_in_person(app, client, owned):
    event = owned(format=EventFormat.HYBRID, venue_name="Hall A", capacity=1, online_capacity=5)
    html = _upload(client, event, GOOD.encode()).get_data(as_text=True)
    assert "2 rows can be added." in html and "problem" not in html.split("</p>", 1)[0]
    _confirm(client, html)
    assert _modes(app, event.id) == [
        ("zoe@example.org", "in_person", "confirmed"),
        ("jens@example.org", "in_person", "waitlisted"),
    ]


def test_a_hybrid_import_seats_each_mode_on_its_own(app, client, owned):
    event = owned(format=EventFormat.HYBRID, venue_name="Hall A", capacity=1, online_capacity=2)
    register(app, event.id, "first@example.org")  # the room's one seat
    content = (
        "First name,Last name,Email,Attendance\n"
        "Ana,Empty,ana@example.org,\n"
        "Ben,Online,ben@example.org,online\n"
        "Cy,Room,cy@example.org,in person\n"
        "Di,Online,di@example.org,Online\n"
        "Ed,Online,ed@example.org,online\n"
        "Fay,Mode,fay@example.org,by boat\n"
    )
    html = _upload(client, event, content.encode()).get_data(as_text=True)
    assert "5 rows can be added." in html and "1 row has a problem." in html
    assert "Row 7: Unknown attendance: by boat." in html
    _confirm(client, html)
    assert _modes(app, event.id) == [
        ("first@example.org", "in_person", "confirmed"),
        ("ana@example.org", "in_person", "waitlisted"),
        ("ben@example.org", "online", "confirmed"),
        ("cy@example.org", "in_person", "waitlisted"),
        ("di@example.org", "online", "confirmed"),
        ("ed@example.org", "online", "waitlisted"),
    ]


def test_the_import_page_says_an_empty_attendance_means_in_person(client, owned):
    event = owned(format=EventFormat.HYBRID, venue_name="Hall A")
    page = client.get(f"/organiser/events/{event.id}/import").get_data(as_text=True)
    assert "a row means in person" in page

"""An event's own questions on the public form: every kind, conditions and bad input."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.question_support import add_question, spec, stored_answers
from tests.registration_support import form_data, registrations
from webapp.events.models import EventFormat


def _post(client, event, **answers):
    return client.post(f"/events/{event.slug}/register", data=form_data(**answers))


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


@pytest.fixture
def summit(app, make_event):
    """A hybrid summit asking one question of every kind; returns (event, ids by name)."""
    event = make_event(format=EventFormat.HYBRID, city="Brussels", capacity=50)
    ids = {}
    ids["cluster"], _ = add_question(app, event.id, spec("short_text", "Your cluster"))
    ids["motivation"], _ = add_question(
        app, event.id, spec("long_text", "Why do you come?", max_length=300)
    )
    ids["workshop"], ids["workshops"] = add_question(
        app,
        event.id,
        spec("single_choice", "Which parallel workshop?", "Energy", "Health", required=True),
    )
    ids["topics"], ids["topic"] = add_question(
        app, event.id, spec("multiple_choice", "Topics", "AI", "Water", "Food")
    )
    ids["dinner"], _ = add_question(app, event.id, spec("checkbox", "Dinner?", in_person_only=True))
    ids["diet"], _ = add_question(
        app,
        event.id,
        spec("short_text", "Your diet", condition=f"{ids['dinner']}:yes", required=True),
    )
    ids["team"], _ = add_question(
        app, event.id, spec("number", "Team size", min_value=1, max_value=20)
    )
    ids["region"], _ = add_question(app, event.id, spec("country", "Home country"))
    return event, ids


def _answers(ids, **values) -> dict:
    data = {
        "attendance_mode": "in_person",
        f"q_{ids['cluster']}": "Cleantech Cluster",
        f"q_{ids['motivation']}": "Meet partners.\nLearn.",
        f"q_{ids['workshop']}": str(ids["workshops"]["Health"]),
        f"q_{ids['topics']}": [str(ids["topic"]["AI"]), str(ids["topic"]["Food"])],
        f"q_{ids['dinner']}": "y",
        f"q_{ids['diet']}": "Vegetarian",
        f"q_{ids['team']}": "3",
        f"q_{ids['region']}": "DK",
    }
    data.update({f"q_{ids[name]}": value for name, value in values.items()})
    return {key: value for key, value in data.items() if value is not None}


def test_the_form_asks_every_question_accessibly(client, summit):
    event, ids = summit
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert f'<fieldset id="q_{ids["workshop"]}"' in html
    assert "<legend>Which parallel workshop?</legend>" in html
    assert f'<fieldset id="q_{ids["topics"]}"' in html
    assert 'type="checkbox"' in html
    assert f'data-show-if="q_{ids["dinner"]}" data-show-value="y"' in html
    assert "Only if you answered “Yes” to “Dinner?”." in html
    assert "Only if you attend in person." in html


def test_every_kind_of_answer_is_stored_with_the_registration(app, client, summit):
    event, ids = summit
    response = client.post(f"/events/{event.slug}/register", data=form_data(**_answers(ids)))
    assert response.status_code == 303
    assert registrations(app, event.id) == [("ana@example.org", "confirmed")]
    assert stored_answers(app) == {
        ids["cluster"]: ("Cleantech Cluster", None, None, ()),
        ids["motivation"]: ("Meet partners.\nLearn.", None, None, ()),
        ids["workshop"]: (None, None, None, ("Health",)),
        ids["topics"]: (None, None, None, ("AI", "Food")),
        ids["dinner"]: (None, None, True, ()),
        ids["diet"]: ("Vegetarian", None, None, ()),
        ids["team"]: (None, 3.0, None, ()),
        ids["region"]: ("DK", None, None, ()),
    }


def test_optional_questions_may_stay_unanswered(app, client, summit):
    event, ids = summit
    data = _answers(
        ids, cluster="", motivation="", topics=None, dinner=None, diet=None, team="", region=""
    )
    assert _post(client, event, **data).status_code == 303
    # A checkbox left unticked is an answer ("no"); empty answers are not stored.
    assert stored_answers(app) == {
        ids["workshop"]: (None, None, None, ("Health",)),
        ids["dinner"]: (None, None, False, ()),
    }


def test_answers_to_questions_that_do_not_apply_are_dropped(app, client, summit):
    event, ids = summit
    # No dinner: the diet question is not asked, so neither required nor stored.
    assert _post(client, event, **_answers(ids, dinner=None, diet="Vegan")).status_code == 303
    answers = stored_answers(app)
    assert ids["diet"] not in answers
    assert answers[ids["dinner"]] == (None, None, False, ())


def test_in_person_questions_are_not_asked_of_online_attendees(app, client, summit):
    event, ids = summit
    data = _answers(ids, diet="Vegan")
    data["attendance_mode"] = "online"
    assert _post(client, event, **data).status_code == 303
    answers = stored_answers(app)
    assert ids["dinner"] not in answers
    assert ids["diet"] not in answers  # its condition's question was not asked either


def test_a_forged_answer_to_a_question_that_does_not_apply_is_dropped(app, client, summit):
    event, ids = summit
    data = _answers(ids, dinner=None, diet="x" * 5000)
    assert _post(client, event, **data).status_code == 303
    assert ids["diet"] not in stored_answers(app)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("workshop", None, "Choose an answer."),
        ("workshop", "999999", "Choose one of the answers given."),
        ("workshop", "Energy", "Choose one of the answers given."),
        ("topics", ["999999"], "Choose one of the answers given."),
        ("diet", "", "Answer this question."),
        ("cluster", "C" * 201, "Use at most 200 characters."),
        ("cluster", "Line\nbreak", "Please remove line breaks or control characters."),
        ("motivation", "M" * 301, "Use at most 300 characters."),
        ("team", "0", "Enter a number from 1 to 20."),
        ("team", "21", "Enter a number from 1 to 20."),
        ("team", "nan", "Enter a number, such as 12 or 2.5."),
        ("team", "inf", "Enter a number, such as 12 or 2.5."),
        ("team", "-1e999", "Enter a number, such as 12 or 2.5."),
        ("team", "three", "Enter a number, such as 12 or 2.5."),
        ("region", "XX", "Select a country from the list."),
    ],
)
def test_bad_answers_are_refused_beside_the_field_and_in_the_summary(
    app, client, summit, name, value, message
):
    event, ids = summit
    response = _post(client, event, **_answers(ids, **{name: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_error(html, f"q_{ids[name]}") == message
    assert f'href="#q_{ids[name]}"' in html
    assert registrations(app, event.id) == []
    assert stored_answers(app) == {}


def test_an_option_of_another_question_or_event_is_refused(app, client, make_event, summit):
    event, ids = summit
    other = make_event()
    _other_id, other_options = add_question(app, other.id, spec("single_choice", "Q", "A"))
    for forged in (ids["topic"]["AI"], other_options["A"]):
        response = _post(client, event, **_answers(ids, workshop=str(forged)))
        assert response.status_code == 422
        assert _field_error(response.get_data(as_text=True), f"q_{ids['workshop']}")
    assert registrations(app, event.id) == []


def test_a_repeat_registration_stores_no_new_answers(app, client, summit):
    event, ids = summit
    assert _post(client, event, **_answers(ids)).status_code == 303
    data = _answers(ids, cluster="Changed")
    assert _post(client, event, **data).status_code == 303
    assert stored_answers(app)[ids["cluster"]][0] == "Cleantech Cluster"


def test_hidden_questions_and_options_are_not_asked(app, client, summit):
    from webapp.db import lock_row
    from webapp.events.models import Event
    from webapp.extensions import db
    from webapp.organiser import questions as editor

    event, ids = summit
    with app.app_context():
        locked = lock_row(db.session, Event, event.id)
        question = editor.question_of(locked, ids["cluster"])
        question.hidden = True
        db.session.commit()
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Your cluster" not in html
    assert _post(client, event, **_answers(ids)).status_code == 303
    assert ids["cluster"] not in stored_answers(app)


def test_a_select_question_offers_its_options_in_a_drop_down(app, client, make_event):
    event = make_event()
    qid, options = add_question(
        app, event.id, spec("single_choice", "Size", "S", "M", display="select", required=True)
    )
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert f'<select aria-required="true" id="q_{qid}"' in html or f'id="q_{qid}" name' in html
    response = _post(client, event, **{f"q_{qid}": ""})
    assert _field_error(response.get_data(as_text=True), f"q_{qid}") == "Choose an answer."
    assert _post(client, event, **{f"q_{qid}": str(options["M"])}).status_code == 303
    assert stored_answers(app)[qid] == (None, None, None, ("M",))


def _registered_with_answers(app, client, summit, **values):
    event, ids = summit
    assert _post(client, event, **_answers(ids, **values)).status_code == 303
    from webapp.extensions import db as database
    from webapp.registration import services
    from webapp.registration.models import Registration

    with app.app_context():
        registration = database.session.scalar(sa.select(Registration))
        return registration.id, services.manage_token(registration)


def test_the_manage_page_shows_the_answers(app, client, summit):
    _id, token = _registered_with_answers(app, client, summit)
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "<dt>Which parallel workshop?</dt>" in html
    assert "<dd>Health</dd>" in html
    assert "<dd>AI; Food</dd>" in html
    assert "<dd>Yes</dd>" in html
    assert "<dd>Denmark</dd>" in html
    assert "Change your answers" in html
    # The correction form starts from the stored answers.
    _event, ids = summit
    health = ids["workshops"]["Health"]
    assert re.search(rf'<input checked id="q_{ids["workshop"]}-\d" [^>]*value="{health}">', html)


def test_the_attendee_corrects_their_answers(app, client, summit):
    _event, ids = summit
    registration_id, token = _registered_with_answers(app, client, summit)
    data = {
        f"q_{ids['workshop']}": str(ids["workshops"]["Energy"]),
        f"q_{ids['topics']}": [str(ids["topic"]["Water"])],
        f"q_{ids['cluster']}": "Water Cluster",
        f"q_{ids['team']}": "2.5",
    }
    response = client.post(f"/r/{token}/answers", data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{token}")
    answers = stored_answers(app, registration_id)
    assert answers[ids["workshop"]] == (None, None, None, ("Energy",))
    assert answers[ids["topics"]] == (None, None, None, ("Water",))
    assert answers[ids["team"]] == (None, 2.5, None, ())
    # Dinner unticked now: the diet question no longer applies and its answer goes.
    assert answers[ids["dinner"]] == (None, None, False, ())
    assert ids["diet"] not in answers
    assert ids["region"] not in answers


def test_bad_corrections_are_refused_and_change_nothing(app, client, summit):
    _event, ids = summit
    registration_id, token = _registered_with_answers(app, client, summit)
    before = stored_answers(app, registration_id)
    data = {f"q_{ids['workshop']}": "999999", f"q_{ids['team']}": "nan"}
    response = client.post(f"/r/{token}/answers", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_error(html, f"q_{ids['workshop']}") == "Choose one of the answers given."
    assert _field_error(html, f"q_{ids['team']}") == "Enter a number, such as 12 or 2.5."
    assert stored_answers(app, registration_id) == before


def test_answers_can_not_be_changed_once_cancelled(app, client, summit):
    _event, ids = summit
    registration_id, token = _registered_with_answers(app, client, summit)
    assert client.post(f"/r/{token}/cancel").status_code == 303
    assert "Change your answers" not in client.get(f"/r/{token}").get_data(as_text=True)
    data = {f"q_{ids['workshop']}": str(ids["workshops"]["Energy"])}
    assert client.post(f"/r/{token}/answers", data=data).status_code == 409
    assert stored_answers(app, registration_id)[ids["workshop"]][3] == ("Health",)


def test_online_attendees_are_not_asked_in_person_questions_on_the_manage_page(app, client, summit):
    event, ids = summit
    data = _answers(ids)
    data["attendance_mode"] = "online"
    assert _post(client, event, **data).status_code == 303
    from webapp.extensions import db as database
    from webapp.registration import services
    from webapp.registration.models import Registration

    with app.app_context():
        token = services.manage_token(database.session.scalar(sa.select(Registration)))
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Dinner?" not in html
    assert "Only if you attend in person." not in html


def test_an_answer_naming_a_removed_option_stores_nothing(app, make_event):
    from tests.registration_support import applicant
    from webapp.events.models import Event
    from webapp.extensions import db
    from webapp.registration import services
    from webapp.registration.answers import Answer

    event = make_event()
    qid, _options = add_question(app, event.id, spec("single_choice", "Workshop", "A"))
    with app.app_context():
        loaded = db.session.get(Event, event.id)
        person = applicant(answers=(Answer(qid, option_ids=(999_999,)),))
        with pytest.raises(services.QuestionsChanged):
            services.register(loaded, person)
        db.session.rollback()
    assert registrations(app, event.id) == []
    assert stored_answers(app) == {}


def test_questions_changed_while_filling_in_asks_again(app, client, summit, monkeypatch):
    from webapp.registration import services

    event, ids = summit

    def changed(*_args, **_kwargs):
        raise services.QuestionsChanged("The event's questions changed.")

    monkeypatch.setattr(services, "register", changed)
    response = _post(client, event, **_answers(ids))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "The questions on this form have just changed." in html
    assert "Which parallel workshop?" in html
    assert registrations(app, event.id) == []

"""The organiser's question editor: add, edit, reorder, hide or delete, conditions, access."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.organiser_support import event_values, make_organiser, sign_in
from tests.question_support import add_question, spec, stored_answers
from tests.registration_support import form_data
from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.registration.question_models import EventQuestion, QuestionOption


def _questions(app, event_id: int) -> list[tuple]:
    """(label, kind, hidden, condition question, visible option labels) in order."""
    with app.app_context():
        found = db.session.scalars(
            sa.select(EventQuestion)
            .where(EventQuestion.event_id == event_id)
            .order_by(EventQuestion.position)
        )
        return [
            (
                q.label,
                q.kind.value,
                q.hidden,
                q.condition_question_id,
                tuple(o.label for o in q.options if not o.hidden),
            )
            for q in found
        ]


def _add(client, event_id: int, **values):
    data = {"label": "Dinner?", "kind": "checkbox", "display": "radio", "condition": ""}
    data.update(values)
    return client.post(f"/organiser/events/{event_id}/questions", data=data)


@pytest.fixture
def event(make_event, signed_in_organiser):
    return make_event(owner_id=signed_in_organiser, format=EventFormat.HYBRID, city="Aarhus")


def test_the_editor_is_reached_from_the_event_and_explains_questions(client, event):
    assert "/questions" in client.get(f"/organiser/events/{event.id}").get_data(as_text=True)
    edit = client.get(f"/organiser/events/{event.id}/edit").get_data(as_text=True)
    assert f"/organiser/events/{event.id}/questions" in edit
    page = client.get(f"/organiser/events/{event.id}/questions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Registration questions" in html
    assert "A question can depend on an answer to an earlier question" in html


def test_add_questions_with_a_condition_and_see_them_on_the_form(app, client, event):
    response = _add(
        client,
        event.id,
        label="Which workshop?",
        kind="single_choice",
        options="Energy\nHealth\n\n",
        required="y",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/organiser/events/{event.id}/questions")
    [(label, kind, hidden, condition, options)] = _questions(app, event.id)
    assert (label, kind, hidden, condition, options) == (
        "Which workshop?",
        "single_choice",
        False,
        None,
        ("Energy", "Health"),
    )
    page = client.get(f"/organiser/events/{event.id}/questions").get_data(as_text=True)
    with app.app_context():
        first = db.session.scalar(sa.select(EventQuestion.id))
        energy = db.session.scalar(
            sa.select(QuestionOption.id).where(QuestionOption.label == "Energy")
        )
    assert f'value="{first}:{energy}"' in page
    response = _add(
        client,
        event.id,
        label="Bring a laptop?",
        kind="checkbox",
        condition=f"{first}:{energy}",
        in_person_only="y",
    )
    assert response.status_code == 303
    assert _questions(app, event.id)[1][:4] == ("Bring a laptop?", "checkbox", False, first)
    form = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Which workshop?" in form and "Bring a laptop?" in form
    assert "Only if you answered “Energy” to “Which workshop?”." in form


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"label": ""}, "label", "Enter the question."),
        ({"label": "x" * 201}, "label", "Use at most 200 characters."),
        ({"kind": "essay"}, "kind", "Choose one of the types in the list."),
        (
            {"kind": "single_choice", "options": ""},
            "options",
            "Give at least one answer to choose from, one per line.",
        ),
        ({"kind": "single_choice", "options": "A\nA"}, "options", "Give each answer only once."),
        (
            {"kind": "single_choice", "options": "A\n" + "B" * 201},
            "options",
            "Keep each answer to at most 200 characters.",
        ),
        ({"kind": "number", "min_value": "nan"}, "min_value", "Enter a number, such as 12 or 2.5."),
        (
            {"kind": "number", "min_value": "5", "max_value": "2"},
            "max_value",
            "The largest number must not be below the smallest.",
        ),
        ({"kind": "short_text", "max_length": "0"}, "max_length", "Enter a number from 1 to 2000."),
        ({"condition": "999:1"}, "condition", "Choose an answer of an earlier question."),
    ],
)
def test_bad_questions_are_refused_with_a_message(app, client, event, values, field, message):
    response = _add(client, event.id, **values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error">{message}</p>' in html
    assert _questions(app, event.id) == []


def test_a_condition_only_points_at_an_earlier_list_or_checkbox(app, client, event):
    text_id, _ = add_question(app, event.id, spec("short_text", "Your cluster"))
    other_event_question, options = add_question(app, event.id, spec("single_choice", "Later", "A"))
    # A text question has no answers to depend on; a condition can't point at itself.
    assert _add(client, event.id, condition=f"{text_id}:yes").status_code == 422
    edit = f"/organiser/events/{event.id}/questions/{text_id}/edit"
    data = {
        "label": "Your cluster",
        "kind": "short_text",
        "display": "radio",
        "condition": f"{other_event_question}:{options['A']}",
    }
    assert client.post(edit, data=data).status_code == 422
    assert _questions(app, event.id)[0][3] is None


def test_edit_renames_an_option_and_keeps_its_answers(app, client, event):
    qid, options = add_question(
        app, event.id, spec("single_choice", "Workshop", "Energy", "Health")
    )
    data = form_data(attendance_mode="online", **{f"q_{qid}": str(options["Health"])})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    edit = f"/organiser/events/{event.id}/questions/{qid}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "Energy\nHealth</textarea>" in page
    data = {
        "label": "Parallel workshop",
        "kind": "single_choice",
        "display": "select",
        "options": "Energy\nHealth and care\nWater",
        "condition": "",
    }
    assert client.post(edit, data=data).status_code == 303
    assert _questions(app, event.id) == [
        ("Parallel workshop", "single_choice", False, None, ("Energy", "Health and care", "Water"))
    ]
    assert list(stored_answers(app).values()) == [(None, None, None, ("Health and care",))]
    # An answered question keeps its type.
    data["kind"] = "short_text"
    response = client.post(edit, data=data)
    assert response.status_code == 422
    assert "People have answered this question, so its type stays." in response.get_data(
        as_text=True
    )


def test_an_answered_option_taken_out_is_hidden_and_keeps_its_answers(app, client, event):
    qid, options = add_question(app, event.id, spec("multiple_choice", "Topics", "AI", "Food"))
    data = form_data(attendance_mode="online", **{f"q_{qid}": [str(options["AI"])]})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    edit = f"/organiser/events/{event.id}/questions/{qid}/edit"
    data = {
        "label": "Topics",
        "kind": "multiple_choice",
        "display": "radio",
        "options": "Food",
        "condition": "",
    }
    assert client.post(edit, data=data).status_code == 303
    # "AI" was chosen, so taking it out hides it.
    assert _questions(app, event.id)[0][4] == ("Food",)
    with app.app_context():
        hidden = db.session.scalars(
            sa.select(QuestionOption.label).where(QuestionOption.hidden.is_(True))
        )
        assert list(hidden) == ["AI"]
    assert list(stored_answers(app).values()) == [(None, None, None, ("AI",))]


def test_reorder_questions_but_never_above_their_condition(app, client, event):
    first, _ = add_question(app, event.id, spec("checkbox", "Dinner?"))
    second, _ = add_question(app, event.id, spec("short_text", "Diet", condition=f"{first}:yes"))
    third, _ = add_question(app, event.id, spec("number", "Team size"))
    move = "/organiser/events/{}/questions/{}/move"
    response = client.post(move.format(event.id, third), data={"direction": "up"})
    assert response.status_code == 303
    assert [q[0] for q in _questions(app, event.id)] == ["Dinner?", "Team size", "Diet"]
    client.post(move.format(event.id, first), data={"direction": "up"})  # already first
    assert client.post(move.format(event.id, first), data={"direction": "down"}).status_code == 303
    assert [q[0] for q in _questions(app, event.id)] == ["Team size", "Dinner?", "Diet"]
    client.post(move.format(event.id, second), data={"direction": "up"})
    page = client.get(f"/organiser/events/{event.id}/questions").get_data(as_text=True)
    assert "A question must come after the question its condition depends on." in page
    assert [q[0] for q in _questions(app, event.id)] == ["Team size", "Dinner?", "Diet"]
    assert (
        client.post(move.format(event.id, first), data={"direction": "sideways"}).status_code == 400
    )


def test_remove_deletes_unanswered_and_hides_answered_questions(app, client, event):
    answered, _ = add_question(app, event.id, spec("short_text", "Cluster"))
    unanswered, _ = add_question(app, event.id, spec("short_text", "Region"))
    data = form_data(attendance_mode="online", **{f"q_{answered}": "Cleantech"})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    base = f"/organiser/events/{event.id}/questions"
    assert client.post(f"{base}/{unanswered}/remove").status_code == 303
    assert client.post(f"{base}/{answered}/remove").status_code == 303
    assert _questions(app, event.id) == [("Cluster", "short_text", True, None, ())]
    assert list(stored_answers(app).values()) == [("Cleantech", None, None, ())]
    assert "Cluster" not in client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert client.post(f"{base}/{answered}/restore").status_code == 303
    assert _questions(app, event.id)[0][2] is False


def test_a_question_others_depend_on_is_not_removed(app, client, event):
    first, _ = add_question(app, event.id, spec("checkbox", "Dinner?"))
    add_question(app, event.id, spec("short_text", "Diet", condition=f"{first}:yes"))
    client.post(f"/organiser/events/{event.id}/questions/{first}/remove")
    assert len(_questions(app, event.id)) == 2


def test_questions_leave_the_event_and_its_calendar_version_alone(app, client, event):
    before = event_values(app, event.id, "sequence", "updated_at")
    assert _add(client, event.id).status_code == 303
    assert event_values(app, event.id, "sequence", "updated_at") == before


def test_other_organisers_get_404(app, event):
    qid, _ = add_question(app, event.id, spec("short_text", "Cluster"))
    make_organiser(app, "other@cluster.example")
    client = app.test_client()
    sign_in(client, "other@cluster.example")
    base = f"/organiser/events/{event.id}/questions"
    assert client.get(base).status_code == 404
    assert _add(client, event.id).status_code == 404
    assert client.get(f"{base}/{qid}/edit").status_code == 404
    assert client.post(f"{base}/{qid}/remove").status_code == 404
    assert len(_questions(app, event.id)) == 1


def test_a_question_of_another_event_is_404(app, client, event, make_event, signed_in_organiser):
    other = make_event(owner_id=signed_in_organiser)
    qid, _ = add_question(app, other.id, spec("short_text", "Cluster"))
    base = f"/organiser/events/{event.id}/questions/{qid}"
    assert client.get(f"{base}/edit").status_code == 404
    assert client.post(f"{base}/remove").status_code == 404


def test_editor_actions_need_the_csrf_token(app, event, signed_in_organiser):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    sign_in(client, "olga@cluster.example")
    assert _add(client, event.id).status_code == 400
    assert _questions(app, event.id) == []


def test_duplicating_an_event_copies_its_questions_and_conditions(app, client, event):
    first, options = add_question(app, event.id, spec("single_choice", "Workshop", "A", "B"))
    add_question(app, event.id, spec("short_text", "Why B?", condition=f"{first}:{options['B']}"))
    hidden, _ = add_question(app, event.id, spec("short_text", "Old"))
    client.post(f"/organiser/events/{event.id}/questions/{hidden}/remove")
    response = client.post(f"/organiser/events/{event.id}/duplicate")
    copy_id = int(response.headers["Location"].split("/")[-2])
    copied = _questions(app, copy_id)
    assert [(q[0], q[4]) for q in copied] == [("Workshop", ("A", "B")), ("Why B?", ())]
    with app.app_context():
        workshop, why = db.session.scalars(
            sa.select(EventQuestion)
            .where(EventQuestion.event_id == copy_id)
            .order_by(EventQuestion.position)
        )
        assert why.condition_question_id == workshop.id
        assert why.condition_option_id == workshop.options[1].id


def test_a_question_whose_condition_question_is_hidden_is_not_asked(app, client, event):
    first, _ = add_question(app, event.id, spec("checkbox", "Dinner?"))
    second, _ = add_question(app, event.id, spec("short_text", "Diet", condition=f"{first}:yes"))
    data = form_data(attendance_mode="in_person", **{f"q_{first}": "y", f"q_{second}": "Vegan"})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    base = f"/organiser/events/{event.id}/questions"
    assert client.post(f"{base}/{second}/remove").status_code == 303
    assert client.post(f"{base}/{first}/remove").status_code == 303
    assert client.post(f"{base}/{second}/restore").status_code == 303
    form = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Diet" not in form

"""The organiser's question editor: add, edit, reorder, hide or delete, conditions, access."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.organiser_support import event_values, make_organiser, sign_in
from tests.question_support import add_question, spec, stored_answers
from tests.registration_support import form_data
from webapp.db import begin_write
from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.registration.question_models import EventQuestion, QuestionOption, RegistrationAnswer


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
    assert "“Diet” is shown depending on “Dinner?”, so it must come after it." in page
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


def test_a_question_shown_again_loses_its_condition_on_a_hidden_question(app, client, event):
    first, _ = add_question(app, event.id, spec("checkbox", "Dinner?"))
    second, _ = add_question(app, event.id, spec("short_text", "Diet", condition=f"{first}:yes"))
    data = form_data(attendance_mode="in_person", **{f"q_{first}": "y", f"q_{second}": "Vegan"})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    base = f"/organiser/events/{event.id}/questions"
    assert client.post(f"{base}/{second}/remove").status_code == 303
    assert client.post(f"{base}/{first}/remove").status_code == 303
    form = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Diet" not in form and "Dinner?" not in form
    # Shown again, it cannot depend on a hidden question: its condition goes, and it is said.
    assert client.post(f"{base}/{second}/restore").status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert "Its condition is removed" in page
    assert _questions(app, event.id)[1] == ("Diet", "short_text", False, None, ())
    form = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Diet" in form and "Dinner?" not in form


def _hidden_dependant(app, client, event) -> tuple[int, int, int]:
    """P (checkbox), C (required, shown if P is ticked, answered, then removed: hidden), B."""
    p, _ = add_question(app, event.id, spec("checkbox", "Parking?"))
    c, _ = add_question(
        app, event.id, spec("short_text", "Plate", required=True, condition=f"{p}:yes")
    )
    b, _ = add_question(app, event.id, spec("short_text", "Team"))
    data = form_data(attendance_mode="in_person", **{f"q_{p}": "y", f"q_{c}": "AB 12 345"})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    assert client.post(f"/organiser/events/{event.id}/questions/{c}/remove").status_code == 303
    return p, c, b


def test_a_move_never_puts_a_hidden_question_before_its_condition(app, client, event):
    p, c, _b = _hidden_dependant(app, client, event)
    base = f"/organiser/events/{event.id}/questions"
    assert client.post(f"{base}/{p}/move", data={"direction": "down"}).status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert "“Plate” is shown depending on “Parking?”, so it must come after it." in page
    assert [q[0] for q in _questions(app, event.id)] == ["Parking?", "Plate", "Team"]
    assert client.post(f"{base}/{c}/restore").status_code == 303
    assert "Its condition is removed" not in client.get(base).get_data(as_text=True)
    assert _questions(app, event.id)[1] == ("Plate", "short_text", False, p, ())


def _place(app, order: list[int]) -> None:
    """Put questions in this order directly, as an older editor could have left them."""
    with app.app_context():
        begin_write(db.session)
        for position, question_id in enumerate(order):
            db.session.get(EventQuestion, question_id).position = position
        db.session.commit()


def test_restoring_a_question_placed_before_its_condition_clears_the_condition(app, client, event):
    p, c, b = _hidden_dependant(app, client, event)
    _place(app, [b, c, p])
    base = f"/organiser/events/{event.id}/questions"
    assert client.post(f"{base}/{c}/restore").status_code == 303
    assert "Its condition is removed" in client.get(base).get_data(as_text=True)
    assert [q[:4] for q in _questions(app, event.id)] == [
        ("Team", "short_text", False, None),
        ("Plate", "short_text", False, None),
        ("Parking?", "checkbox", False, None),
    ]
    # Asked of everyone now, and required: its answer is stored, never silently dropped.
    data = form_data(email="b@example.org", attendance_mode="in_person", **{f"q_{c}": ""})
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 422
    data[f"q_{c}"] = "CD 98 765"
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    assert "CD 98 765" in _texts(app, c)


def _texts(app, question_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(RegistrationAnswer.text_value)
                .where(RegistrationAnswer.question_id == question_id)
                .order_by(RegistrationAnswer.id)
            )
        )


def test_a_condition_is_decided_whatever_the_order_of_the_questions(app, client, event):
    p, _ = add_question(app, event.id, spec("checkbox", "Parking?"))
    c, _ = add_question(
        app, event.id, spec("short_text", "Plate", required=True, condition=f"{p}:yes")
    )
    _place(app, [c, p])  # left before its condition's question
    register = f"/events/{event.slug}/register"
    ticked = form_data(attendance_mode="in_person", **{f"q_{p}": "y", f"q_{c}": "AB 12 345"})
    assert client.post(register, data=ticked).status_code == 303
    assert _texts(app, c) == ["AB 12 345"]
    missing = form_data(email="b@example.org", attendance_mode="in_person", **{f"q_{p}": "y"})
    assert client.post(register, data=missing).status_code == 422
    unticked = form_data(email="c@example.org", attendance_mode="in_person", **{f"q_{c}": "x"})
    assert client.post(register, data=unticked).status_code == 303
    assert _texts(app, c) == ["AB 12 345"]  # not asked when the box is not ticked

"""The organiser's editor of an event's registration questions (services; no commit).

The caller holds the event's write lock (auth.event_or_404(lock=True)). The event row
itself is never changed, so its calendar entries and SEQUENCE stay as they are.
A question or option people have answered is hidden rather than deleted, so its answers
stay in the attendee list and the exports.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.events.models import Event
from webapp.extensions import db
from webapp.registration.question_models import (
    CONDITION_KINDS,
    AnswerChoice,
    ChoiceDisplay,
    EventQuestion,
    QuestionKind,
    QuestionOption,
    RegistrationAnswer,
)
from webapp.registration.questions import questions_of


class QuestionError(Exception):
    """The change would break a question or a condition; the message says why."""


@dataclass(frozen=True)
class QuestionSpec:
    """What the organiser entered for a question, validated by the editor's form."""

    kind: QuestionKind
    label: str
    help_text: str = ""
    required: bool = False
    display: ChoiceDisplay = ChoiceDisplay.RADIO
    options: tuple[str, ...] = ()
    condition: str = ""  # "<question id>:<option id>", "<question id>:yes" or ":no"
    in_person_only: bool = False
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None


def all_questions(event: Event) -> list[EventQuestion]:
    """Every question of the event in order, hidden ones included."""
    return questions_of(event.id, include_hidden=True)


def question_of(event: Event, question_id: int) -> EventQuestion | None:
    """The event's question `question_id`, or None (another event's is None too)."""
    question = db.session.get(EventQuestion, question_id)
    return question if question is not None and question.event_id == event.id else None


def condition_choices(questions: list[EventQuestion], before: EventQuestion | None):
    """(value, question, answer) for each answer of an earlier shown question that a
    condition may use."""
    choices = []
    for parent in questions:
        if before is not None and parent.id == before.id:
            break
        if parent.hidden or parent.kind not in CONDITION_KINDS:
            continue
        if parent.kind == QuestionKind.CHECKBOX:
            choices.append((f"{parent.id}:yes", parent.label, _("Yes")))
            choices.append((f"{parent.id}:no", parent.label, _("No")))
        for option in parent.visible_options():
            choices.append((f"{parent.id}:{option.id}", parent.label, option.label))
    return choices


def add_question(event: Event, spec: QuestionSpec) -> EventQuestion:
    """A new question at the end of the event's form."""
    questions = all_questions(event)
    question = EventQuestion(event_id=event.id, position=len(questions))
    _apply(question, spec, [*questions, question])
    db.session.add(question)
    db.session.flush()
    return question


def update_question(event: Event, question: EventQuestion, spec: QuestionSpec) -> None:
    """Change a question; an answered one keeps its kind, and its answered options stay."""
    if spec.kind != question.kind and _answered(question):
        raise QuestionError(_("People have answered this question, so its type stays."))
    if spec.kind not in CONDITION_KINDS and _dependants(event, question):
        raise QuestionError(
            _("Another question is shown depending on this one: change that condition first.")
        )
    _apply(question, spec, all_questions(event))


def _apply(question: EventQuestion, spec: QuestionSpec, questions: list[EventQuestion]) -> None:
    question.kind = spec.kind
    question.label = spec.label
    question.help_text = spec.help_text
    question.required = spec.required
    question.display = spec.display
    question.in_person_only = spec.in_person_only
    question.max_length = spec.max_length
    question.min_value, question.max_value = spec.min_value, spec.max_value
    if spec.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        if not spec.options:
            raise QuestionError(_("Give at least one answer to choose from."))
        _set_options(question, spec.options)
    else:
        for option in list(question.options):
            _drop_option(question, option)
    _set_condition(question, spec.condition, questions)


def _set_options(question: EventQuestion, labels: tuple[str, ...]) -> None:
    """Keep options whose label stays, rename the others in order, add or drop the rest."""
    current = [o for o in question.options if not o.hidden]
    kept = {o.label: o for o in current if o.label in labels}
    spare = [o for o in current if o.label not in labels]
    for position, label in enumerate(labels):
        option = kept.get(label) or (spare.pop(0) if spare else None)
        if option is None:
            option = QuestionOption(label=label)
            question.options.append(option)
        option.label, option.position = label, position
    for option in spare:
        _drop_option(question, option)


def _drop_option(question: EventQuestion, option: QuestionOption) -> None:
    if option.id is not None and _condition_uses(option.id):
        raise QuestionError(
            _("Another question is shown depending on “%(answer)s”.", answer=option.label)
        )
    if option.id is not None and db.session.scalar(
        sa.select(sa.exists().where(AnswerChoice.option_id == option.id))
    ):
        option.hidden = True
    else:
        question.options.remove(option)


def _set_condition(question: EventQuestion, value: str, questions: list[EventQuestion]) -> None:
    question.condition_question_id = question.condition_option_id = None
    question.condition_checked = None
    if not value:
        return
    allowed = {choice[0] for choice in condition_choices(questions, question)}
    if value not in allowed:
        raise QuestionError(_("A condition can only use an answer of an earlier question."))
    parent_id, _sep, answer = value.partition(":")
    question.condition_question_id = int(parent_id)
    if answer in ("yes", "no"):
        question.condition_checked = answer == "yes"
    else:
        question.condition_option_id = int(answer)


def move_question(event: Event, question: EventQuestion, step: int) -> bool:
    """Move a question one place up (-1) or down (+1) among the shown questions; refused
    when any question, hidden ones included, would come before the question its condition
    depends on (a hidden one may be shown again later). Whether it moved."""
    ordered = all_questions(event)
    shown = [q for q in ordered if not q.hidden or q is question]
    index = shown.index(question)
    if not 0 <= index + step < len(shown):
        return False
    neighbour = shown[index + step]
    i, j = ordered.index(question), ordered.index(neighbour)
    ordered[i], ordered[j] = ordered[j], ordered[i]
    misplaced = _before_their_condition(ordered, moved={question.id, neighbour.id})
    if misplaced is not None:
        dependant, parent = misplaced
        raise QuestionError(
            _(
                "“%(question)s” is shown depending on “%(parent)s”, so it must come after it.",
                question=dependant.label,
                parent=parent.label,
            )
        )
    for position, each in enumerate(ordered):
        each.position = position
    return True


def _before_their_condition(
    ordered: list[EventQuestion], moved: set[int]
) -> tuple[EventQuestion, EventQuestion] | None:
    """The first (question, its condition's question) pair out of order in `ordered` that
    involves a moved question (the others kept their order), or None."""
    place = {q.id: index for index, q in enumerate(ordered)}
    by_id = {q.id: q for q in ordered}
    for dependant in ordered:
        parent = by_id.get(dependant.condition_question_id)
        if parent is None or not {dependant.id, parent.id} & moved:
            continue
        if place[parent.id] > place[dependant.id]:
            return dependant, parent
    return None


def remove_question(event: Event, question: EventQuestion) -> bool:
    """Delete an unanswered question, or hide an answered one; True if it was hidden."""
    if _dependants(event, question):
        raise QuestionError(
            _("Another question is shown depending on this one: change that condition first.")
        )
    if _answered(question):
        question.hidden = True
        return True
    db.session.delete(question)
    return False


def restore_question(event: Event, question: EventQuestion) -> bool:
    """Show a hidden question on the forms again. A condition it can no longer meet (its
    question hidden, deleted or now after it) is cleared, so the question is asked of
    everyone rather than shown and never asked; True if that happened."""
    question.hidden = False
    if not question.has_condition and question.condition_checked is None:
        return False  # (a deleted checkbox question leaves condition_checked behind)
    ordered = all_questions(event)
    parent = next((q for q in ordered if q.id == question.condition_question_id), None)
    if parent is not None and not parent.hidden and ordered.index(parent) < ordered.index(question):
        return False
    question.condition_question_id = question.condition_option_id = None
    question.condition_checked = None
    return True


def _answered(question: EventQuestion) -> bool:
    return bool(
        question.id is not None
        and db.session.scalar(
            sa.select(sa.exists().where(RegistrationAnswer.question_id == question.id))
        )
    )


def _dependants(event: Event, question: EventQuestion) -> list[EventQuestion]:
    return [
        q for q in all_questions(event) if q.condition_question_id == question.id and not q.hidden
    ]


def _condition_uses(option_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.exists().where(EventQuestion.condition_option_id == option_id))
        )
    )


def copy_questions(source: Event, copy: Event) -> None:
    """Give `copy` (flushed) the shown questions of `source`, conditions pointing at copies."""
    questions: dict[int, EventQuestion] = {}
    options: dict[int, QuestionOption] = {}
    for position, question in enumerate(questions_of(source.id)):
        new = EventQuestion(event_id=copy.id, position=position)
        for column in ("kind", "label", "help_text", "required", "display", "in_person_only"):
            setattr(new, column, getattr(question, column))
        new.max_length, new.condition_checked = question.max_length, question.condition_checked
        new.min_value, new.max_value = question.min_value, question.max_value
        for option in question.visible_options():
            options[option.id] = QuestionOption(label=option.label, position=option.position)
            new.options.append(options[option.id])
        questions[question.id] = new
        db.session.add(new)
    db.session.flush()
    for question in questions_of(source.id):
        parent = questions.get(question.condition_question_id)
        if parent is not None:
            questions[question.id].condition_question_id = parent.id
            chosen = options.get(question.condition_option_id)
            questions[question.id].condition_option_id = chosen.id if chosen else None

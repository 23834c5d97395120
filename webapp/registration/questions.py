"""An event's registration questions on the public form: fields, conditions, validation.

Which questions apply is decided from the submitted answers themselves: a question whose
condition is not met, or an in-person question for someone attending online, is not asked.
Its answer is dropped and "required" does not hold for it. A condition's question is looked
up by id, not by place, so a question the editor left before the one it depends on is still
decided right. The browser's script only mirrors
this; without it every question shows, with a hint saying when it applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from webapp.events.models import EventFormat
from webapp.extensions import db
from webapp.registration.answers import Answer
from webapp.registration.models import AttendanceMode
from webapp.registration.question_fields import build_field
from webapp.registration.question_models import (
    EventQuestion,
    QuestionKind,
)

FIELD_PREFIX = "q_"


def questions_of(event_id: int, *, include_hidden: bool = False) -> list[EventQuestion]:
    """The event's questions in order, with their options, in one query."""
    stmt = (
        sa.select(EventQuestion)
        .options(joinedload(EventQuestion.options))
        .where(EventQuestion.event_id == event_id)
        .order_by(EventQuestion.position, EventQuestion.id)
    )
    if not include_hidden:
        stmt = stmt.where(EventQuestion.hidden.is_(False))
    return list(db.session.scalars(stmt).unique())


def chosen_columns(questions: list[EventQuestion], wanted: list[str]) -> list[EventQuestion]:
    """The questions whose answers the organiser chose to see as columns (`col` ids)."""
    ids = {
        int(value) for value in wanted if value.isascii() and value.isdigit() and len(value) < 12
    }
    return [question for question in questions if question.id in ids]


def field_name(question: EventQuestion) -> str:
    return f"{FIELD_PREFIX}{question.id}"


def asked_ids(
    questions: Iterable[EventQuestion],
    raw: Mapping[int, object],
    *,
    event_format: EventFormat,
    mode: AttendanceMode | str | None,
) -> set[int]:
    """The questions that apply, given the raw answers by question id (option ids as text)."""
    in_person = _in_person(event_format, mode)

    def applies(question: EventQuestion, parent_asked: bool) -> bool:
        if question.in_person_only and not in_person:
            return False
        return not question.has_condition or (parent_asked and _condition_met(question, raw))

    return kept_ids(list(questions), applies)


def kept_ids(
    questions: list[EventQuestion], keeps: Callable[[EventQuestion, bool], bool]
) -> set[int]:
    """The ids of the questions `keeps(question, parent_kept)` accepts, each question's
    condition question decided first wherever it stands; a condition question that is not
    among `questions` (hidden), or a loop of conditions, counts as not kept."""
    by_id = {question.id: question for question in questions}
    decided: dict[int, bool] = {}

    def decide(question: EventQuestion) -> bool:
        if question.id not in decided:
            decided[question.id] = False  # while deciding: a loop back here is not kept
            parent = by_id.get(question.condition_question_id)
            decided[question.id] = keeps(question, parent is not None and decide(parent))
        return decided[question.id]

    return {question.id for question in questions if decide(question)}


def _in_person(event_format: EventFormat, mode) -> bool:
    if event_format == EventFormat.HYBRID:
        return str(mode or "") == AttendanceMode.IN_PERSON.value
    return event_format == EventFormat.IN_PERSON


def _condition_met(question: EventQuestion, raw: Mapping[int, object]) -> bool:
    value = raw.get(question.condition_question_id)
    if question.condition_checked is not None:
        return bool(value) == question.condition_checked
    wanted = str(question.condition_option_id)
    if isinstance(value, list | tuple):
        return wanted in [str(v) for v in value]
    return str(value or "") == wanted


def answers_of(form, questions: Iterable[EventQuestion]) -> tuple[Answer, ...]:
    """The validated answers to the questions that apply; empty answers are left out."""
    answers = []
    for question in questions:
        if question.id not in form.asked_ids:
            continue
        answer = _answer(question, form[field_name(question)].data)
        if answer is not None:
            answers.append(answer)
    return tuple(answers)


def _answer(question: EventQuestion, data) -> Answer | None:
    kind = question.kind
    if kind == QuestionKind.CHECKBOX:
        return Answer(question.id, checked=bool(data))
    if data in (None, "", []):
        return None
    if kind == QuestionKind.NUMBER:
        return Answer(question.id, number=float(data))
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return Answer(question.id, option_ids=tuple(int(v) for v in data))
    if kind == QuestionKind.SINGLE_CHOICE:
        return Answer(question.id, option_ids=(int(data),))
    return Answer(question.id, text=data)


@dataclass(frozen=True)
class QuestionRow:
    """A question as the form shows it: its field, and when it applies (for the hint and
    for the script that shows it only then)."""

    question: EventQuestion
    field: object
    show_if: str = ""  # the field name of the question it depends on
    show_value: str = ""  # the value that shows it: an option id, "y" ticked, "" not ticked
    answer_label: str = ""
    parent_label: str = ""
    in_person_only: bool = False


def question_rows(
    form, questions, event_format: EventFormat, *, known_mode: str | None = None
) -> list[QuestionRow]:
    """The rows for `questions` on `form`. In-person questions (and those depending on them)
    leave online events' forms and, once the attendance mode is known (`known_mode`), the
    forms of online attendees."""
    by_id = {question.id: question for question in questions}

    def shown(question: EventQuestion, parent_shown: bool) -> bool:
        if question.in_person_only and known_mode is not None:
            if not _in_person(event_format, known_mode):
                return False
        elif question.in_person_only and event_format == EventFormat.ONLINE:
            return False
        return not question.has_condition or parent_shown

    kept = kept_ids(list(questions), shown)
    rows = []
    for question in questions:
        if question.id not in kept:
            continue
        in_person_only = (
            question.in_person_only and event_format == EventFormat.HYBRID and known_mode is None
        )
        row = QuestionRow(question, form[field_name(question)], in_person_only=in_person_only)
        parent = by_id.get(question.condition_question_id)
        if parent is not None:
            row = replace(row, show_if=field_name(parent), parent_label=parent.label)
            row = replace(row, **_shown_by(question, parent))
        rows.append(row)
    return rows


def _shown_by(question: EventQuestion, parent: EventQuestion) -> dict[str, str]:
    if question.condition_checked is not None:
        label = _("Yes") if question.condition_checked else _("No")
        return {"show_value": "y" if question.condition_checked else "", "answer_label": label}
    option = next((o for o in parent.options if o.id == question.condition_option_id), None)
    return {
        "show_value": str(question.condition_option_id),
        "answer_label": option.label if option is not None else "",
    }


class AsksQuestions:
    """Mixed into a form that carries an event's questions as fields named q_<id>.

    `questions` are set on the built class; the form's `attending_mode()` says how the
    person attends (in-person questions apply only to those who come), and its
    `known_mode()` whether they chose that before this form (the manage page) or on it.
    """

    questions: tuple[EventQuestion, ...] = ()
    event_format: EventFormat = EventFormat.ONLINE
    asked_ids: frozenset[int] | set[int] = frozenset()

    def question_rows(self) -> list[QuestionRow]:
        """Each question to show, with its bound field and condition, for the template."""
        return question_rows(self, self.questions, self.event_format, known_mode=self.known_mode())

    def validate(self, extra_validators=None) -> bool:
        raw = {q.id: self[field_name(q)].data for q in self.questions}
        self.asked_ids = asked_ids(
            self.questions, raw, event_format=self.event_format, mode=self.attending_mode()
        )
        super().validate(extra_validators)
        for question in self.questions:
            if question.id not in self.asked_ids:
                self[field_name(question)].errors = []  # e.g. a forged choice, never stored
        return not any(f.errors for f in self)

    def answers(self) -> tuple[Answer, ...]:
        """The validated answers to the questions that apply (after validate())."""
        return answers_of(self, self.questions)


def with_questions(base: type, questions: list[EventQuestion], event_format: EventFormat) -> type:
    """A subclass of the form `base` asking `questions` as well (`base` without any)."""
    if not questions:
        return base
    attrs = {field_name(q): build_field(q) for q in questions}
    attrs.update(questions=tuple(questions), event_format=event_format)
    return type(f"{base.__name__}WithQuestions", (AsksQuestions, base), attrs)

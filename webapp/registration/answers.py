"""The answers people give to an event's questions: storing, reading, counting.

Chosen options are rows of their own (answer_choice), so renaming an option keeps its
answers and counting them is one GROUP BY. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp import i18n
from webapp.countries import country_name
from webapp.db import lock_row, now_utc
from webapp.events.models import EventStatus
from webapp.extensions import db
from webapp.registration.models import ACTIVE_STATUSES, Registration, RegistrationStatus
from webapp.registration.question_models import (
    AnswerChoice,
    EventQuestion,
    QuestionKind,
    QuestionOption,
    RegistrationAnswer,
)

# How a multiple-choice answer reads in one cell of a page or a spreadsheet.
CHOICE_SEPARATOR = "; "


@dataclass(frozen=True)
class Answer:
    """One validated answer, as plain data for the registration service."""

    question_id: int
    text: str | None = None
    number: float | None = None
    checked: bool | None = None
    option_ids: tuple[int, ...] = field(default=())


def store_answers(registration_id: int, answers: tuple[Answer, ...]) -> None:
    """Add a new registration's answers to the session (inside the caller's write)."""
    for answer in answers:
        db.session.add(
            RegistrationAnswer(
                registration_id=registration_id,
                question_id=answer.question_id,
                text_value=answer.text,
                number_value=answer.number,
                bool_value=answer.checked,
                choices=[AnswerChoice(option_id=option_id) for option_id in answer.option_ids],
            )
        )


def can_correct_answers(registration: Registration, *, now: datetime | None = None) -> bool:
    """Whether the attendee may still change their answers: active, the event not over."""
    now = now or now_utc()
    event = registration.event
    return (
        registration.status != RegistrationStatus.CANCELLED
        and event.status == EventStatus.PUBLISHED
        and now < event.ends_at
    )


def correct_answers(
    registration: Registration, question_ids: list[int], answers: tuple[Answer, ...]
) -> Registration:
    """Replace the attendee's answers to the questions they were shown (no commit)."""
    locked = lock_row(db.session, Registration, registration.id)
    if locked is None or not can_correct_answers(locked):
        raise AnswersClosed("These answers can no longer be changed.")
    replace_answers(locked.id, question_ids, answers)
    locked.updated_at = now_utc()  # the answers live in their own rows: syncs look here
    return locked


def set_answers(
    registration: Registration, question_ids: list[int], answers: tuple[Answer, ...]
) -> Registration:
    """An organiser replaces someone's answers to the questions in the form (no commit);
    unlike the attendee, whatever the registration's status or the event's date."""
    locked = lock_row(db.session, Registration, registration.id)
    if locked is None:
        raise AnswersClosed("This registration no longer exists.")
    replace_answers(locked.id, question_ids, answers)
    locked.updated_at = now_utc()  # the answers live in their own rows: syncs look here
    return locked


def in_person_question_ids(event_id: int) -> set[int]:
    """The event's questions for in-person attendees only, and those that depend on one."""
    found: set[int] = set()
    for question in questions_in_order(event_id):
        if question.in_person_only or question.condition_question_id in found:
            found.add(question.id)
    return found


def drop_in_person_answers(registration_id: int, event_id: int) -> None:
    """Remove the answers that only apply in the room (someone moved online; no commit)."""
    ids = in_person_question_ids(event_id)
    if ids:
        for answer in db.session.scalars(
            sa.select(RegistrationAnswer).where(
                RegistrationAnswer.registration_id == registration_id,
                RegistrationAnswer.question_id.in_(ids),
            )
        ):
            db.session.delete(answer)


def questions_in_order(event_id: int) -> list[EventQuestion]:
    """Every question of the event, hidden ones included, in the form's order."""
    return list(
        db.session.scalars(
            sa.select(EventQuestion)
            .where(EventQuestion.event_id == event_id)
            .order_by(EventQuestion.position, EventQuestion.id)
        )
    )


class AnswersClosed(Exception):
    """The registration is cancelled or its event over: its answers stay as they are."""


def replace_answers(
    registration_id: int, question_ids: list[int], answers: tuple[Answer, ...]
) -> None:
    """Replace the answers to `question_ids` (the ones the person was asked) with `answers`;
    answers to other questions (hidden ones, kept for the organiser) stay."""
    if question_ids:
        old = db.session.scalars(
            sa.select(RegistrationAnswer).where(
                RegistrationAnswer.registration_id == registration_id,
                RegistrationAnswer.question_id.in_(question_ids),
            )
        )
        for answer in old:
            db.session.delete(answer)
        # The unique (registration, question) pair: the old rows go before the new ones come.
        db.session.flush()
    store_answers(registration_id, answers)


@dataclass(frozen=True)
class ShownAnswer:
    """A question's label and the answer as text, ready for a page."""

    question_id: int
    label: str
    value: str


def display_value(kind: QuestionKind, row: RegistrationAnswer, labels: list[str]) -> str:
    """An answer as one line of text in the page's language."""
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return CHOICE_SEPARATOR.join(labels)
    if kind == QuestionKind.CHECKBOX:
        return _("Yes") if row.bool_value else _("No")
    if kind == QuestionKind.NUMBER:
        return i18n.localised_number(row.number_value) if row.number_value is not None else ""
    if kind == QuestionKind.COUNTRY:
        return country_name(row.text_value or "", i18n.current_language())
    return row.text_value or ""


def answers_for(registration: Registration, *, include_hidden: bool = True) -> list[ShownAnswer]:
    """The registration's answers in question order, labelled (for the attendee's manage page
    without hidden questions, for the organiser with them)."""
    stmt = (
        sa.select(EventQuestion, RegistrationAnswer, QuestionOption.label)
        .join(RegistrationAnswer, RegistrationAnswer.question_id == EventQuestion.id)
        .outerjoin(AnswerChoice, AnswerChoice.answer_id == RegistrationAnswer.id)
        .outerjoin(QuestionOption, QuestionOption.id == AnswerChoice.option_id)
        .where(RegistrationAnswer.registration_id == registration.id)
        .order_by(EventQuestion.position, EventQuestion.id, QuestionOption.position)
    )
    if not include_hidden:
        stmt = stmt.where(EventQuestion.hidden.is_(False))
    return _shown(db.session.execute(stmt))


def _shown(rows) -> list[ShownAnswer]:
    found: dict[int, tuple[EventQuestion, RegistrationAnswer]] = {}
    labels: dict[int, list[str]] = defaultdict(list)
    for question, answer, option_label in rows:
        found.setdefault(question.id, (question, answer))
        if option_label is not None:
            labels[question.id].append(option_label)
    return [
        ShownAnswer(qid, question.label, display_value(question.kind, answer, labels[qid]))
        for qid, (question, answer) in found.items()
    ]


def answer_map(
    registration_ids: list[int], question_ids: list[int], *, numbers: bool = False
) -> dict[tuple, str | float]:
    """{(registration id, question id): answer text} for a page of the attendee table, or a
    window of an export, in one query; with `numbers`, number answers stay numbers."""
    if not registration_ids or not question_ids:
        return {}
    stmt = (
        sa.select(
            RegistrationAnswer.registration_id,
            EventQuestion,
            RegistrationAnswer,
            QuestionOption.label,
        )
        .join(EventQuestion, EventQuestion.id == RegistrationAnswer.question_id)
        .outerjoin(AnswerChoice, AnswerChoice.answer_id == RegistrationAnswer.id)
        .outerjoin(QuestionOption, QuestionOption.id == AnswerChoice.option_id)
        .where(
            RegistrationAnswer.registration_id.in_(registration_ids),
            RegistrationAnswer.question_id.in_(question_ids),
        )
        .order_by(RegistrationAnswer.id, QuestionOption.position)
    )
    by_answer: dict[tuple, tuple] = {}
    labels: dict[tuple, list[str]] = defaultdict(list)
    for registration_id, question, answer, option_label in db.session.execute(stmt):
        key = (registration_id, question.id)
        by_answer.setdefault(key, (question.kind, answer))
        if option_label is not None:
            labels[key].append(option_label)
    return {
        key: row.number_value
        if numbers and kind == QuestionKind.NUMBER
        else display_value(kind, row, labels[key])
        for key, (kind, row) in by_answer.items()
    }


@dataclass
class QuestionCount:
    """How active registrations answered one question: per option, yes/no, or answered."""

    question: EventQuestion
    answered: int = 0
    options: list[tuple[str, int]] = field(default_factory=list)


def answer_counts(questions: list[EventQuestion]) -> list[QuestionCount]:
    """Per question: each option's count (choices), ticked and not (checkbox), or how many
    answered (text, number, country); only registrations that are still active count."""
    if not questions:
        return []
    active = (
        sa.select(Registration.id)
        .where(Registration.status.in_(ACTIVE_STATUSES))
        .where(Registration.id == RegistrationAnswer.registration_id)
        .exists()
    )
    stmt = (
        sa.select(
            RegistrationAnswer.question_id,
            AnswerChoice.option_id,
            RegistrationAnswer.bool_value,
            sa.func.count(),
        )
        .outerjoin(AnswerChoice, AnswerChoice.answer_id == RegistrationAnswer.id)
        .where(RegistrationAnswer.question_id.in_([q.id for q in questions]), active)
        .group_by(
            RegistrationAnswer.question_id, AnswerChoice.option_id, RegistrationAnswer.bool_value
        )
    )
    rows = list(db.session.execute(stmt))
    return [_count(question, rows) for question in questions]


def _count(question: EventQuestion, rows) -> QuestionCount:
    mine = [row for row in rows if row[0] == question.id]
    if question.kind == QuestionKind.CHECKBOX:
        yes = sum(count for _qid, _opt, flag, count in mine if flag)
        no = sum(count for _qid, _opt, flag, count in mine if not flag)
        return QuestionCount(question, yes + no, [(_("Yes"), yes), (_("No"), no)])
    if not question.has_options:
        return QuestionCount(question, sum(count for *_rest, count in mine))
    per_option = {option_id: count for _qid, option_id, _flag, count in mine}
    options = [
        (option.label, per_option.get(option.id, 0))
        for option in question.options
        if not option.hidden or per_option.get(option.id)
    ]
    return QuestionCount(question, sum(per_option.values()), options)


def stored_form_data(registration_id: int) -> dict[str, object]:
    """A registration's answers as the correction form's data, by field name (q_<id>)."""
    rows = db.session.execute(
        sa.select(RegistrationAnswer, EventQuestion.kind, AnswerChoice.option_id)
        .join(EventQuestion, EventQuestion.id == RegistrationAnswer.question_id)
        .outerjoin(AnswerChoice, AnswerChoice.answer_id == RegistrationAnswer.id)
        .where(RegistrationAnswer.registration_id == registration_id)
    )
    data: dict[str, object] = {}
    for answer, kind, option_id in rows:
        name = f"q_{answer.question_id}"
        if kind == QuestionKind.SINGLE_CHOICE:
            data[name] = str(option_id) if option_id is not None else None
        elif option_id is not None:
            chosen = data.setdefault(name, [])
            chosen.append(str(option_id))
        elif answer.bool_value is not None:
            data[name] = answer.bool_value
        elif answer.number_value is not None:
            data[name] = answer.number_value
        else:
            data[name] = answer.text_value
    return data

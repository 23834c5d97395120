"""Helpers shared by the question tests: an event's questions, and the answers stored."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.db import lock_row
from webapp.events.models import Event
from webapp.extensions import db
from webapp.organiser import questions as editor
from webapp.registration.question_models import (
    AnswerChoice,
    QuestionKind,
    QuestionOption,
    RegistrationAnswer,
)


def spec(kind: str, label: str, *options: str, **values) -> editor.QuestionSpec:
    """A QuestionSpec of `kind` (its value, e.g. "single_choice") with these options."""
    return editor.QuestionSpec(kind=QuestionKind(kind), label=label, options=options, **values)


def add_question(app, event_id: int, question: editor.QuestionSpec) -> tuple[int, dict]:
    """Add a question through the editor's service; returns (its id, {option label: id})."""
    with app.app_context():
        event = lock_row(db.session, Event, event_id)
        added = editor.add_question(event, question)
        db.session.commit()
        return added.id, {option.label: option.id for option in added.options}


def stored_answers(app, registration_id: int | None = None) -> dict[int, tuple]:
    """{question id: (text, number, checked, sorted option labels)} of one registration's
    answers (or of all, when only one registration exists)."""
    with app.app_context():
        stmt = sa.select(RegistrationAnswer)
        if registration_id is not None:
            stmt = stmt.where(RegistrationAnswer.registration_id == registration_id)
        found = {}
        for answer in db.session.scalars(stmt):
            labels = db.session.scalars(
                sa.select(QuestionOption.label)
                .join(AnswerChoice, AnswerChoice.option_id == QuestionOption.id)
                .where(AnswerChoice.answer_id == answer.id)
                .order_by(QuestionOption.label)
            )
            found[answer.question_id] = (
                answer.text_value,
                answer.number_value,
                answer.bool_value,
                tuple(labels),
            )
        return found

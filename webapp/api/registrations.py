"""An event's registrations for the API, page by page in (updated_at, id) order.

A CRM syncs by asking for what changed since its last sync (`updated_since`) and following
`next_cursor`. Rows written in one transaction share their updated_at, so the order and the
cursor hold the id too: no row is skipped or repeated at a page boundary.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from webapp.api import cursors
from webapp.api.reading import instant
from webapp.events.models import Event
from webapp.extensions import db
from webapp.registration.models import Registration, RegistrationStatus
from webapp.registration.question_models import (
    AnswerChoice,
    EventQuestion,
    QuestionOption,
    RegistrationAnswer,
)


def registrations_page(event: Event, args: dict, secret_key: str) -> tuple[list[dict], str | None]:
    """One page of the event's registrations and the cursor of the next (None: last page).

    Raises cursors.BadCursor for a cursor this server did not give for this event.
    """
    stmt = sa.select(Registration).where(Registration.event_id == event.id)
    if args.get("status"):
        stmt = stmt.where(Registration.status == RegistrationStatus(args["status"]))
    if args.get("updated_since"):
        stmt = stmt.where(Registration.updated_at >= args["updated_since"])
    if args.get("cursor"):
        after_at, after_id = cursors.decode(secret_key, args["cursor"], event.id)
        stmt = stmt.where(
            sa.or_(
                Registration.updated_at > after_at,
                sa.and_(Registration.updated_at == after_at, Registration.id > after_id),
            )
        )
    limit = args["limit"]
    rows = list(
        db.session.scalars(stmt.order_by(Registration.updated_at, Registration.id).limit(limit + 1))
    )
    more, rows = len(rows) > limit, rows[:limit]
    answers = answers_by_registration([row.id for row in rows])
    items = [registration_item(row, answers.get(row.id, [])) for row in rows]
    last = rows[-1] if rows else None
    cursor = cursors.encode(secret_key, event.id, last.updated_at, last.id) if more else None
    return items, cursor


def registration_item(row: Registration, answers: list[dict]) -> dict:
    """One registration as the API gives it."""
    return {
        "id": row.id,
        "event_id": row.event_id,
        "status": row.status.value,
        "held": row.is_held,
        "hold_expired": row.hold_expired,
        "attendance_mode": row.attendance_mode.value,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "organisation": row.organisation,
        "role": row.role,
        "country": row.country,
        "language": row.language,
        "source": row.source.value,
        "needs": row.needs,
        "join_count": row.join_count,
        "answers": answers,
        **{name: instant(getattr(row, name)) for name in INSTANTS},
    }


INSTANTS = (
    "created_at",
    "updated_at",
    "consent_at",
    "confirmed_at",
    "cancelled_at",
    "checked_in_at",
    "email_confirmed_at",
    "hold_expires_at",
    "first_joined_at",
)


def answers_by_registration(registration_ids: list[int]) -> dict[int, list[dict]]:
    """{registration id: its answers in the form's order}, from one query."""
    if not registration_ids:
        return {}
    rows = db.session.execute(
        sa.select(RegistrationAnswer, EventQuestion, QuestionOption.label)
        .join(EventQuestion, EventQuestion.id == RegistrationAnswer.question_id)
        .outerjoin(AnswerChoice, AnswerChoice.answer_id == RegistrationAnswer.id)
        .outerjoin(QuestionOption, QuestionOption.id == AnswerChoice.option_id)
        .where(RegistrationAnswer.registration_id.in_(registration_ids))
        .order_by(EventQuestion.position, EventQuestion.id, QuestionOption.position)
    )
    found: dict[int, dict] = {}
    by_registration: dict[int, list[dict]] = defaultdict(list)
    for answer, question, option_label in rows:
        item = found.get(answer.id)
        if item is None:
            item = found[answer.id] = _answer(answer, question)
            by_registration[answer.registration_id].append(item)
        if option_label is not None:
            item["choices"].append(option_label)
    return by_registration


def _answer(answer: RegistrationAnswer, question: EventQuestion) -> dict:
    return {
        "question_id": question.id,
        "label": question.label,
        "kind": question.kind.value,
        "hidden": question.hidden,
        "text": answer.text_value,
        "number": answer.number_value,
        "checked": answer.bool_value,
        "choices": [],
    }

"""Erasing personal data: the one place that knows where a registrant's data lives.

A registration's personal data is its row (names, address, organisation, role, needs), its
answers, and the copies made of it: the outbox messages written to or about the person,
the webhook deliveries about them, and pending organiser imports that list them. Erasure deletes the registrations
(answers go with them) and blanks those copies in place, so the outbox keeps each
message's kind, status and dates for the delivery statistics. Webhooks subscribed to
`registration.erased` then learn which registration went (its id and event only), so
receivers that copied the person can delete them too. Convene stores no IP
addresses: rate limits count per client address in memory or Redis and forget within
their window.

The caller holds the write transaction (every function begins one) and commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from markupsafe import escape

from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.mail.models import OutboxMessage, OutboxStatus
from webapp.registration.models import PendingImport, Registration
from webapp.webhooks import services as webhooks

ERASED_NOTE = "erased"
UNSENT = (OutboxStatus.QUEUED, OutboxStatus.RETRY)


@dataclass(frozen=True)
class Erased:
    """How much one erasure removed."""

    registrations: int = 0
    messages: int = 0
    imports: int = 0
    webhook_deliveries: int = 0


def blank_messages(where: sa.ColumnElement[bool], now: datetime) -> int:
    """Erase address, names, subject, bodies and invite of the outbox rows matching `where`.

    Unsent rows among them are marked failed with the note "erased", so nothing goes out.
    Rows already erased are left as they are. Returns how many rows were erased.
    """
    begin_write(db.session)
    statement = (
        sa.update(OutboxMessage)
        .where(where, OutboxMessage.erased_at.is_(None))
        .values(
            recipient="",
            recipient_name="",
            reply_to="",
            subject="",
            text_body="",
            html_body="",
            ics=None,
            last_error=sa.case(
                (OutboxMessage.status.in_(UNSENT), ERASED_NOTE), else_=sa.literal("")
            ),
            status=sa.case(
                (OutboxMessage.status.in_(UNSENT), OutboxStatus.FAILED.value),
                else_=OutboxMessage.status,
            ),
            erased_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount or 0


def _mentions(people: Iterable[tuple[str, str, str]]) -> sa.ColumnElement[bool]:
    """Outbox rows whose address, subject or body names any of these (email, first, last)."""
    columns = (
        OutboxMessage.recipient,
        OutboxMessage.subject,
        OutboxMessage.text_body,
        OutboxMessage.html_body,
    )
    clauses = [
        column.icontains(needle, autoescape=True)
        for email, first, last in people
        for name in {email, f"{first} {last}".strip()} - {""}
        for needle in {name, str(escape(name))}  # HTML bodies carry it escaped
        for column in columns
    ]
    return sa.or_(*clauses) if clauses else sa.false()


def erase_registrations(
    registration_ids: Iterable[int], *, now: datetime | None = None, mentions: bool = True
) -> Erased:
    """Delete these registrations with their answers, and erase every copy of their data.

    `mentions` also blanks the messages that name the person without belonging to the
    registration (organiser notices, daily summaries): a text search, right for one
    person's request; the retention job, erasing whole events long over, turns it off
    and erases its events' organiser notices by event instead.
    """
    now = now or now_utc()
    ids = sorted(set(registration_ids))
    if not ids:
        return Erased()
    begin_write(db.session)
    people = db.session.execute(
        sa.select(Registration.email, Registration.first_name, Registration.last_name).where(
            Registration.id.in_(ids)
        )
    ).all()
    messages = blank_messages(OutboxMessage.registration_id.in_(ids), now)
    if mentions:
        messages += blank_messages(_mentions(people), now)
    imports = _delete_pending_imports_naming(people)
    deliveries = webhooks.erase_payloads_for_registrations(ids, now=now)
    # Only after the blanking above, which would otherwise blank these too.
    webhooks.registrations_erased(ids, now=now)
    deleted = db.session.execute(
        sa.delete(Registration)
        .where(Registration.id.in_(ids))
        .execution_options(synchronize_session=False)
    ).rowcount
    return Erased(
        registrations=deleted or 0,
        messages=messages,
        imports=imports,
        webhook_deliveries=deliveries,
    )


def _delete_pending_imports_naming(people: Iterable[tuple[str, str, str]]) -> int:
    """Delete unconfirmed organiser imports whose rows contain any of these addresses."""
    addresses = sorted({email for email, _first, _last in people if email})
    if not addresses:
        return 0
    clauses = [PendingImport.rows.icontains(address, autoescape=True) for address in addresses]
    return (
        db.session.execute(
            sa.delete(PendingImport)
            .where(sa.or_(*clauses))
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )

"""Who came to an event: the one definition that follow-ups, certificates and lists share.

A person came when an organiser checked them in, or when they used their personal join
link to follow the event online.
"""

from __future__ import annotations

import sqlalchemy as sa

from webapp.registration.models import Registration


def came_clause() -> sa.ColumnElement[bool]:
    """A WHERE clause selecting the registrations of people who came."""
    return sa.or_(
        Registration.checked_in_at.is_not(None), Registration.first_joined_at.is_not(None)
    )


def came(registration: Registration) -> bool:
    """Whether this person came (the Python twin of came_clause())."""
    return registration.checked_in_at is not None or registration.first_joined_at is not None

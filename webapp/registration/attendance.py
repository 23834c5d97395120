"""Who came to an event: the one definition that follow-ups, certificates and lists share.

Today a person came when an organiser checked them in. Joining online counts too once
online joins are recorded: that condition is added here, in both functions, and nowhere
else.
"""

from __future__ import annotations

import sqlalchemy as sa

from webapp.registration.models import Registration


def came_clause() -> sa.ColumnElement[bool]:
    """A WHERE clause selecting the registrations of people who came."""
    return Registration.checked_in_at.is_not(None)


def came(registration: Registration) -> bool:
    """Whether this person came (the Python twin of came_clause())."""
    return registration.checked_in_at is not None

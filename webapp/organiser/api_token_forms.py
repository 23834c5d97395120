"""The form that creates an organiser API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from webapp.forms import Form

ALL_EVENTS = ""


class ApiTokenForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the token a name, e.g. the system that uses it.")),
            Length(max=100, message=_l("Use at most %(max)d characters.")),
        ],
    )
    scope = SelectField(_l("Events it may read"), validate_choice=True)

    def set_events(self, events: list[tuple[int, str]]) -> None:
        """Offer 'all my events' and each of the organiser's events."""
        self.scope.choices = [(ALL_EVENTS, str(_l("All my events")))] + [
            (str(event_id), title) for event_id, title in events
        ]

    def event_id(self) -> int | None:
        """The chosen event's id, or None for all events."""
        return int(self.scope.data) if self.scope.data else None

"""The audit log's filter: a GET form, so a filtered view is a link an auditor can keep."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from webapp import timezones
from webapp.forms import Form
from webapp.organiser.audit_log import AuditQuery

FIRST_YEAR, LAST_YEAR = 2000, 2999
ID_MESSAGE = _l("Enter a whole number from 1 to %(max)d.", max=2**31 - 1)


def _id_field(label) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1, message=ID_MESSAGE)],
    )


class AuditFilterForm(Form):
    """What the admin looks for; the choices are filled in from the log and the accounts."""

    class Meta:
        csrf = False  # a search that changes nothing: its URL may be bookmarked and shared

    action = SelectField(_l("Action"), choices=[], default="", validate_choice=True)
    actor = SelectField(_l("Who"), choices=[], default="", validate_choice=True)
    event_id = _id_field(_l("Event number"))
    object_type = SelectField(_l("Object"), choices=[], default="", validate_choice=True)
    object_id = _id_field(_l("Object number"))
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])

    def validate_date_from(self, field) -> None:
        """A date a log can hold (and a day after it exists)."""
        _plausible(field.data)

    def validate_date_to(self, field) -> None:
        """A plausible date, not before the start of the range."""
        _plausible(field.data)
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date comes before the start date."))

    def to_query(self, zone: str) -> AuditQuery:
        """The filter as a query; the dates are whole days in `zone` (the viewer's)."""
        day_to = self.date_to.data
        return AuditQuery(
            action=self.action.data or "",
            actor=self.actor.data or "",
            event_id=self.event_id.data,
            object_type=self.object_type.data or "",
            object_id=self.object_id.data,
            since=_midnight(self.date_from.data, zone),
            until=_midnight(day_to + timedelta(days=1), zone) if day_to else None,
        )


def _plausible(day) -> None:
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            _l("Enter a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )


def _midnight(day, zone: str) -> datetime | None:
    """The day's start in `zone` as UTC (where clocks skip midnight, the first instant after)."""
    if day is None:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=timezones.get_zone(zone)).astimezone(UTC)

"""The organiser's webhook form and the admin's setting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.forms import Form
from webapp.webhooks import addresses
from webapp.webhooks.models import EVENT_TYPES
from webapp.webhooks.subscriptions import Subscription

TYPE_LABELS = {
    "registration.created": _l("A registration is made"),
    "registration.cancelled": _l("A registration is cancelled"),
    "registration.promoted": _l("Someone gets a seat from the waiting list"),
    "registration.checked_in": _l("An attendee is checked in"),
    "registration.erased": _l("A registration's personal data is erased"),
    "event.changed": _l("The published event is changed"),
    "event.cancelled": _l("The event is cancelled"),
}
DELIVERY_STATES = {
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "delivered": _l("Delivered"),
    "retrying": _l("Will be retried"),
    "failed": _l("Failed"),
}
ALL_EVENTS = ""


class WebhookForm(Form):
    url = StringField(
        _l("Address (URL)"),
        validators=[DataRequired(), Length(max=addresses.URL_MAX_LENGTH)],
        filters=[lambda value: value.strip() if value else value],
    )
    scope = SelectField(_l("Events"), choices=[])
    event_types = SelectMultipleField(
        _l("Send a request when"),
        choices=[SelectChoice(name, TYPE_LABELS[name]) for name in EVENT_TYPES],
        validators=[DataRequired(message=_l("Choose at least one."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    active = BooleanField(_l("Active"), default=True)

    def set_events(self, events) -> None:
        """Offer every event the organiser manages, after "all my events"."""
        self.scope.choices = [SelectChoice(ALL_EVENTS, _l("All my events, present and future"))] + [
            SelectChoice(str(event.id), event.title) for event in events
        ]

    def validate_url(self, field) -> None:
        try:
            addresses.check(field.data or "", addresses.allow_private())
        except addresses.UnsafeURL as refused:
            raise ValidationError(str(refused)) from None

    def to_data(self) -> Subscription:
        scope = self.scope.data
        return Subscription(
            url=self.url.data,
            event_id=int(scope) if scope != ALL_EVENTS else None,
            event_types=tuple(name for name in EVENT_TYPES if name in self.event_types.data),
            active=bool(self.active.data),
        )


class WebhookSettingsForm(Form):
    allow_private = BooleanField(
        _l("Allow webhook addresses on loopback, private and link-local networks")
    )

"""The event form: local date and time in an IANA zone, checked exactly as the model checks them,
and the event's title, summary and description in the site's other languages."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from webapp import i18n, timezones
from webapp.countries import country_choices
from webapp.events.models import CONFIRMATION_NOTE_LIMIT, Event, EventFormat, EventKind
from webapp.events.services import KIND_NAMES
from webapp.forms import Form, SingleLine, line_field
from webapp.organiser.services import EventData
from webapp.organiser.text_fields import (
    TITLE_LENGTH,
    TOO_LONG,
    TranslatedTexts,
    description_field,
    summary_field,
    with_language_fields,
)
from webapp.registration.forms import mailable_address

FORMAT_LABELS = {"in_person": _l("In person"), "online": _l("Online"), "hybrid": _l("Hybrid")}
DATE_MESSAGE = _l("Enter a date, for example 2027-02-28.")
TIME_MESSAGE = _l("Enter a time, for example 18:00.")
MAX_CAPACITY = 1_000_000
# How long a place may be held for an unconfirmed address: long enough to reach one's
# inbox, short enough not to keep a seat from people waiting.
MIN_HOLD_MINUTES, MAX_HOLD_MINUTES, DEFAULT_HOLD_MINUTES = 5, 24 * 60, 30


class EventForm(TranslatedTexts, Form):
    """The event's fields; event_form() adds a title, summary and description per language."""

    title = line_field(_l("Title"), TITLE_LENGTH, required=_l("Enter a title."))
    slug = line_field(
        _l("Web address"),
        120,
        extra=[
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l(
                    "Use lower-case letters, digits and single hyphens, e.g. smart-regions-2027."
                ),
            )
        ],
    )
    kind = SelectField(
        _l("Type"), choices=[SelectChoice(k.value, KIND_NAMES[k]) for k in EventKind]
    )
    format = SelectField(
        _l("Format"), choices=[SelectChoice(f.value, FORMAT_LABELS[f.value]) for f in EventFormat]
    )
    language = SelectField(
        _l("Main language"),
        choices=lambda: i18n.language_choices(),
        default=lambda: i18n.default_language(),
        validate_choice=True,
    )
    summary = summary_field(_l("Summary"))
    description = description_field(_l("Description"))
    start_date = DateField(_l("Start date"), validators=[InputRequired(DATE_MESSAGE)])
    start_time = TimeField(_l("Start time"), validators=[InputRequired(TIME_MESSAGE)])
    end_date = DateField(_l("End date"), validators=[InputRequired(DATE_MESSAGE)])
    end_time = TimeField(_l("End time"), validators=[InputRequired(TIME_MESSAGE)])
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired(_l("Enter a time zone.")), Length(max=64, message=TOO_LONG)],
        render_kw={"list": "zone-names", "spellcheck": "false"},
    )
    venue_name = line_field(_l("Venue"), 200)
    address = line_field(_l("Street address"), 300)
    city = line_field(_l("City"), 120)
    country = SelectField(_l("Country"), choices=lambda: country_choices("—"), validate_choice=True)
    online_url = URLField(
        _l("Online meeting link"),
        validators=[
            Optional(),
            Length(max=500, message=TOO_LONG),
            SingleLine(),  # it goes raw into calendar files and emails
            URL(message=_l("Enter a full https:// link.")),
        ],
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[
            Optional(),
            # No seats would be an event nobody can attend (everyone on the waiting list).
            NumberRange(min=1, message=_l("Enter at least 1 seat, or leave empty for no limit.")),
            NumberRange(max=MAX_CAPACITY, message=_l("Enter at most 1,000,000 seats.")),
        ],
    )
    online_capacity = IntegerField(
        _l("Online seats"),
        validators=[
            Optional(),
            NumberRange(min=1, message=_l("Enter at least 1 seat, or leave empty for no limit.")),
            NumberRange(max=MAX_CAPACITY, message=_l("Enter at most 1,000,000 seats.")),
        ],
    )
    requires_email_confirmation = BooleanField(_l("Require email confirmation"))
    hold_minutes = IntegerField(
        _l("Minutes to confirm"),
        default=DEFAULT_HOLD_MINUTES,
        validators=[
            Optional(),  # empty: the default
            NumberRange(
                min=MIN_HOLD_MINUTES,
                max=MAX_HOLD_MINUTES,
                message=_l("Enter between 5 and 1,440 minutes (24 hours)."),
            ),
        ],
    )
    registration_opens = DateTimeLocalField(
        _l("Registration opens"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    registration_closes = DateTimeLocalField(
        _l("Registration closes"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    organiser_name = line_field(_l("Organiser name shown to attendees"), 200)
    organiser_email = EmailField(
        _l("Contact email shown to attendees"),
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(message=_l("Enter a valid email address.")),
            mailable_address,  # it becomes the Reply-To of the event's emails
        ],
    )
    # Sent with the update email only when the edit changes the time or place.
    change_message = TextAreaField(
        _l("Message to attendees about this change"),
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
    )
    confirmation_note = TextAreaField(
        _l("Note in the confirmation email"),
        validators=[Optional(), Length(max=CONFIRMATION_NOTE_LIMIT, message=TOO_LONG)],
    )
    # At least a month after the end, so no purge comes before the event is over.
    retention_months = IntegerField(
        _l("Keep personal data for (months after the event)"),
        validators=[
            Optional(),  # empty: the site's default
            NumberRange(
                min=1, max=120, message=_l("Enter between 1 and 120 months, or leave it empty.")
            ),
        ],
    )
    preview = SubmitField(_l("Check the time"))
    save = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the schedule exactly as Event.set_schedule() would take it."""
        self.schedule: Event | None = None
        valid = super().validate(extra_validators)
        self.check_translations()  # said at once, with any other error of the page
        if not valid:
            return False
        self._check_format()
        self._check_schedule()
        return not any(field.errors for field in self)

    def _check_format(self) -> None:
        if self.format.data != EventFormat.IN_PERSON and not self.online_url.data:
            self.online_url.errors.append(_("Online and hybrid events need a meeting link."))
        if self.format.data != EventFormat.ONLINE and not self.city.data:
            self.city.errors.append(_("In-person and hybrid events need a city."))
        if self.online_url.data and not self.online_url.data.startswith("https://"):
            self.online_url.errors.append(_("Use an https:// link."))

    def _local(self, day_field, time_field) -> datetime:
        return datetime.combine(day_field.data, time_field.data)

    def _check_schedule(self) -> None:
        zone = self.timezone.data.strip()
        if zone not in timezones.all_zone_names():
            self.timezone.errors.append(
                _(
                    "Unknown time zone “%(zone)s”. Pick one from the list, e.g. Europe/Brussels.",
                    zone=zone,
                )
            )
            return
        start = self._local(self.start_date, self.start_time)
        end = self._local(self.end_date, self.end_time)
        for field, value in ((self.start_time, start), (self.end_time, end)):
            _check_wall_time(field, value, zone)
        if self.start_time.errors or self.end_time.errors:
            return
        probe = Event()
        try:
            probe.set_schedule(start, end, zone)
        except ValueError:
            self.end_date.errors.append(_("The event must end after it starts."))
            return
        self.schedule = probe
        self._check_registration_window(probe, zone)

    def _check_registration_window(self, probe: Event, zone: str) -> None:
        window = {}
        for name in ("registration_opens", "registration_closes"):
            field = getattr(self, name)
            if field.data is None:
                continue
            if _check_wall_time(field, field.data, zone):
                window[name] = timezones.to_utc(field.data, zone)
        opens, closes = window.get("registration_opens"), window.get("registration_closes")
        if closes and closes > probe.ends_at:
            self.registration_closes.errors.append(
                _("Registration must close before the event ends.")
            )
        if opens and opens >= (closes or probe.ends_at):
            self.registration_opens.errors.append(_("Registration must open before it closes."))

    def to_data(self) -> EventData:
        """The validated form as plain event data."""
        return EventData(
            title=self.title.data.strip(),
            slug=(self.slug.data or "").strip(),
            kind=EventKind(self.kind.data),
            format=EventFormat(self.format.data),
            summary=(self.summary.data or "").strip(),
            description=self.description.data or "",
            start_local=self._local(self.start_date, self.start_time),
            end_local=self._local(self.end_date, self.end_time),
            timezone=self.timezone.data.strip(),
            venue_name=(self.venue_name.data or "").strip(),
            address=(self.address.data or "").strip(),
            city=(self.city.data or "").strip(),
            country=self.country.data or "",
            online_url=(self.online_url.data or "").strip(),
            capacity=self.capacity.data,
            # Online seats are counted apart only at hybrid events.
            online_capacity=self.online_capacity.data
            if self.format.data == EventFormat.HYBRID
            else None,
            requires_email_confirmation=bool(self.requires_email_confirmation.data),
            hold_minutes=self.hold_minutes.data or DEFAULT_HOLD_MINUTES,
            registration_opens_local=self.registration_opens.data,
            registration_closes_local=self.registration_closes.data,
            organiser_name=(self.organiser_name.data or "").strip(),
            organiser_email=(self.organiser_email.data or "").strip(),
            confirmation_note=(self.confirmation_note.data or "").strip(),
            retention_months=self.retention_months.data,
            language=self.language.data,
            translations=self.translations(),
            change_message=(self.change_message.data or "").strip(),
        )

    def load(self, event: Event) -> None:
        """Fill the form from an event (GET of the edit page)."""
        for name in EventData.PLAIN_FIELDS:
            getattr(self, name).data = getattr(event, name)
        self.kind.data, self.format.data = event.kind.value, event.format.value
        self.language.data = event.language
        self.load_translations(event)
        self.start_date.data, self.start_time.data = (
            event.start_local.date(),
            event.start_local.time(),
        )
        self.end_date.data, self.end_time.data = event.end_local.date(), event.end_local.time()
        for name in ("registration_opens", "registration_closes"):
            instant = getattr(event, f"{name}_at")
            local = timezones.to_local(instant, event.timezone) if instant else None
            getattr(self, name).data = local.replace(tzinfo=None) if local else None


def _check_wall_time(field, local: datetime, zone: str) -> bool:
    """Whether `local` exists in `zone`; if not, say so on `field`."""
    try:
        timezones.to_utc(local, zone)
    except timezones.TimezoneError:
        when = i18n.join_day_time(i18n.localised_day(local.date()), i18n.localised_time(local))
        field.errors.append(
            _(
                "%(time)s does not exist in %(zone)s: the clocks skip it when daylight saving "
                "time starts. Choose a time outside that hour.",
                time=when,
                zone=zone,
            )
        )
        return False
    return True


def event_form(**kwargs) -> EventForm:
    """The event form, with a fieldset for each of the site's languages."""
    return with_language_fields(EventForm, i18n.languages())(**kwargs)

"""The event form: local date and time in an IANA zone, checked exactly as the model checks them."""

from __future__ import annotations

from datetime import datetime

from wtforms import (
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

from webapp import timezones
from webapp.countries import country_choices
from webapp.events.models import Event, EventFormat, EventKind
from webapp.forms import Form, SingleLine, line_field
from webapp.organiser.services import EventData
from webapp.registration.forms import mailable_address

FORMAT_LABELS = {"in_person": "In person", "online": "Online", "hybrid": "Hybrid"}
DATE_MESSAGE = "Enter a date, for example 2027-02-28."
TIME_MESSAGE = "Enter a time, for example 18:00."
MAX_CAPACITY = 1_000_000


class EventForm(Form):
    title = line_field("Title", 200, required="Enter a title.")
    slug = line_field(
        "Web address",
        120,
        extra=[
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message="Use lower-case letters, digits and single hyphens, e.g. smart-regions-2027.",
            )
        ],
    )
    kind = SelectField(
        "Type", choices=[SelectChoice(k.value, k.value.capitalize()) for k in EventKind]
    )
    format = SelectField(
        "Format", choices=[SelectChoice(f.value, FORMAT_LABELS[f.value]) for f in EventFormat]
    )
    summary = TextAreaField("Summary", validators=[Optional(), Length(max=500)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])
    start_date = DateField("Start date", validators=[InputRequired(DATE_MESSAGE)])
    start_time = TimeField("Start time", validators=[InputRequired(TIME_MESSAGE)])
    end_date = DateField("End date", validators=[InputRequired(DATE_MESSAGE)])
    end_time = TimeField("End time", validators=[InputRequired(TIME_MESSAGE)])
    timezone = StringField(
        "Time zone",
        validators=[DataRequired(), Length(max=64)],
        render_kw={"list": "zone-names", "spellcheck": "false"},
    )
    venue_name = line_field("Venue", 200)
    address = line_field("Street address", 300)
    city = line_field("City", 120)
    country = SelectField("Country", choices=lambda: country_choices("—"), validate_choice=True)
    online_url = URLField(
        "Online meeting link",
        validators=[
            Optional(),
            Length(max=500),
            SingleLine(),  # it goes raw into calendar files and emails
            URL(message="Enter a full https:// link."),
        ],
    )
    capacity = IntegerField(
        "Capacity",
        validators=[
            Optional(),
            # No seats would be an event nobody can attend (everyone on the waiting list).
            NumberRange(min=1, message="Enter at least 1 seat, or leave empty for no limit."),
            NumberRange(max=MAX_CAPACITY, message=f"Enter at most {MAX_CAPACITY:,} seats."),
        ],
    )
    registration_opens = DateTimeLocalField(
        "Registration opens", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    registration_closes = DateTimeLocalField(
        "Registration closes", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    organiser_name = line_field("Organiser name shown to attendees", 200)
    organiser_email = EmailField(
        "Contact email shown to attendees",
        validators=[
            Optional(),
            Length(max=254),
            Email(message="Enter a valid email address."),
            mailable_address,  # it becomes the Reply-To of the event's emails
        ],
    )
    preview = SubmitField("Check the time")
    save = SubmitField("Save")

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the schedule exactly as Event.set_schedule() would take it."""
        if not super().validate(extra_validators):
            return False
        self.schedule: Event | None = None
        self._check_format()
        self._check_schedule()
        return not any(field.errors for field in self)

    def _check_format(self) -> None:
        if self.format.data != EventFormat.IN_PERSON and not self.online_url.data:
            self.online_url.errors.append("Online and hybrid events need a meeting link.")
        if self.format.data != EventFormat.ONLINE and not self.city.data:
            self.city.errors.append("In-person and hybrid events need a city.")
        if self.online_url.data and not self.online_url.data.startswith("https://"):
            self.online_url.errors.append("Use an https:// link.")

    def _local(self, day_field, time_field) -> datetime:
        return datetime.combine(day_field.data, time_field.data)

    def _check_schedule(self) -> None:
        zone = self.timezone.data.strip()
        if zone not in timezones.all_zone_names():
            self.timezone.errors.append(
                f"Unknown time zone “{zone}”. Pick one from the list, e.g. Europe/Brussels."
            )
            return
        start = self._local(self.start_date, self.start_time)
        end = self._local(self.end_date, self.end_time)
        for field, value in ((self.start_time, start), (self.end_time, end)):
            try:
                timezones.to_utc(value, zone)
            except timezones.TimezoneError as error:
                field.errors.append(str(error))
        if self.start_time.errors or self.end_time.errors:
            return
        probe = Event()
        try:
            probe.set_schedule(start, end, zone)
        except ValueError as error:
            self.end_date.errors.append(str(error))
            return
        self.schedule = probe
        self._check_registration_window(probe, zone)

    def _check_registration_window(self, probe: Event, zone: str) -> None:
        window = {}
        for name in ("registration_opens", "registration_closes"):
            field = getattr(self, name)
            if field.data is None:
                continue
            try:
                window[name] = timezones.to_utc(field.data, zone)
            except timezones.TimezoneError as error:
                field.errors.append(str(error))
        opens, closes = window.get("registration_opens"), window.get("registration_closes")
        if closes and closes > probe.ends_at:
            self.registration_closes.errors.append("Registration must close before the event ends.")
        if opens and opens >= (closes or probe.ends_at):
            self.registration_opens.errors.append("Registration must open before it closes.")

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
            registration_opens_local=self.registration_opens.data,
            registration_closes_local=self.registration_closes.data,
            organiser_name=(self.organiser_name.data or "").strip(),
            organiser_email=(self.organiser_email.data or "").strip(),
        )

    def load(self, event: Event) -> None:
        """Fill the form from an event (GET of the edit page)."""
        for name in EventData.PLAIN_FIELDS:
            getattr(self, name).data = getattr(event, name)
        self.kind.data, self.format.data = event.kind.value, event.format.value
        self.start_date.data, self.start_time.data = (
            event.start_local.date(),
            event.start_local.time(),
        )
        self.end_date.data, self.end_time.data = event.end_local.date(), event.end_local.time()
        for name in ("registration_opens", "registration_closes"):
            instant = getattr(event, f"{name}_at")
            local = timezones.to_local(instant, event.timezone) if instant else None
            getattr(self, name).data = local.replace(tzinfo=None) if local else None

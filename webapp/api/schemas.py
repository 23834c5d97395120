"""The API's parameters and answers as marshmallow schemas: they validate the query string
and document every field in the OpenAPI document (webapp/api/spec.py)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from webapp import problems, timezones
from webapp.config import SUPPORTED_LANGUAGES
from webapp.events.models import EventFormat, EventKind, EventStatus
from webapp.registration.availability import RegistrationState
from webapp.registration.models import AttendanceMode, RegistrationSource, RegistrationStatus

MAX_PAGE = 100_000
MAX_PER_PAGE = 100
MAX_LIMIT = 500
INSTANT = {"format": "date-time", "description": "UTC instant, e.g. 2027-02-28T17:00:00Z"}


def _one_of(values) -> validate.OneOf:
    return validate.OneOf([str(value) for value in values])


def _zone(name: str) -> None:
    try:
        timezones.get_zone(name)
    except timezones.TimezoneError as error:
        raise ma.ValidationError(str(error)) from None


class LanguageArgs(ma.Schema):
    lang = fields.String(
        validate=_one_of(SUPPORTED_LANGUAGES),
        metadata={
            "description": "Give title, summary and description in this language "
            "where the organiser translated them (else the event's main language)."
        },
    )


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PER_PAGE))


class EventListArgs(LanguageArgs, PageArgs):
    kind = fields.String(validate=_one_of(EventKind))
    format = fields.String(validate=_one_of(EventFormat))
    language = fields.String(
        validate=_one_of(SUPPORTED_LANGUAGES),
        metadata={"description": "Only events that have their words in this language."},
    )
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={
            "description": "Words in the title, summary, place or organiser; case and "
            "accents ignored."
        },
    )
    when = fields.String(load_default="upcoming", validate=validate.OneOf(["upcoming", "past"]))
    starts_from = fields.Date(
        data_key="from", metadata={"description": "First day (YYYY-MM-DD) in `timezone`."}
    )
    starts_to = fields.Date(
        data_key="to", metadata={"description": "Last day (YYYY-MM-DD, included) in `timezone`."}
    )
    timezone = fields.String(
        load_default="UTC",
        validate=_zone,
        metadata={"description": "IANA zone in which `from` and `to` are days."},
    )

    @ma.validates_schema
    def _range(self, data, **_kwargs):
        first, last = data.get("starts_from"), data.get("starts_to")
        if first and last and last < first:
            raise ma.ValidationError(problems.RANGE_REVERSED, "to")


class OrganiserEventArgs(LanguageArgs, PageArgs):
    status = fields.String(validate=_one_of(EventStatus))


class RegistrationArgs(ma.Schema):
    updated_since = fields.AwareDateTime(
        metadata={
            "description": "Only registrations changed at or after this instant "
            "(ISO 8601 with an offset)."
        }
    )
    status = fields.String(validate=_one_of(RegistrationStatus))
    cursor = fields.String(
        validate=validate.Length(max=400),
        metadata={"description": "The `next_cursor` of the previous page."},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, MAX_LIMIT))


class TimeSchema(ma.Schema):
    local = fields.String(
        required=True, metadata={"description": "Wall time in the event's zone (the truth)."}
    )
    timezone = fields.String(required=True, metadata={"description": "IANA zone name."})
    utc = fields.String(required=True, metadata=INSTANT)


class ModeSeatsSchema(ma.Schema):
    capacity = fields.Integer(allow_none=True, metadata={"description": "null: unlimited."})
    seats_left = fields.Integer(
        allow_none=True, metadata={"description": "Free seats offered now; null: unlimited."}
    )


class SeatsSchema(ma.Schema):
    in_person = fields.Nested(
        ModeSeatsSchema, required=True, metadata={"description": "The room, or the one pool."}
    )
    online = fields.Nested(
        ModeSeatsSchema, allow_none=True, metadata={"description": "Hybrid events only."}
    )


class RegistrationWindowSchema(ma.Schema):
    state = fields.String(required=True, validate=_one_of(RegistrationState))
    accepts_registrations = fields.Boolean(required=True)
    opens_at = fields.String(allow_none=True, metadata=INSTANT)
    closes_at = fields.String(required=True, metadata=INSTANT)


class VenueSchema(ma.Schema):
    name = fields.String(required=True)
    address = fields.String(required=True)
    city = fields.String(required=True)
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2."})


class EventLinksSchema(ma.Schema):
    page = fields.String(
        allow_none=True, metadata={"description": "Public page (null for a draft)."}
    )
    ics = fields.String(allow_none=True, metadata={"description": "iCalendar file."})
    api = fields.String(required=True)


class EventSchema(ma.Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    status = fields.String(required=True, validate=_one_of(EventStatus))
    postponed = fields.Boolean(required=True)
    kind = fields.String(required=True, validate=_one_of(EventKind))
    format = fields.String(required=True, validate=_one_of(EventFormat))
    language = fields.String(required=True, metadata={"description": "Language of the text."})
    languages = fields.List(fields.String(), required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Markdown."})
    starts = fields.Nested(TimeSchema, required=True)
    ends = fields.Nested(TimeSchema, required=True)
    venue = fields.Nested(
        VenueSchema, allow_none=True, metadata={"description": "null for online events."}
    )
    organiser_name = fields.String(required=True)
    registration = fields.Nested(RegistrationWindowSchema, required=True)
    seats = fields.Nested(SeatsSchema, required=True)
    links = fields.Nested(EventLinksSchema, required=True)
    updated_at = fields.String(required=True, metadata=INSTANT)


class PageLinksSchema(ma.Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    prev = fields.String(allow_none=True)
    next = fields.String(allow_none=True)


class EventPageSchema(ma.Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    links = fields.Nested(PageLinksSchema, required=True)


class AnswerSchema(ma.Schema):
    question_id = fields.Integer(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True)
    hidden = fields.Boolean(required=True, metadata={"description": "Question since removed."})
    text = fields.String(allow_none=True, metadata={"description": "Text or country code."})
    number = fields.Float(allow_none=True)
    checked = fields.Boolean(allow_none=True)
    choices = fields.List(fields.String(), required=True, metadata={"description": "Options."})


class RegistrationSchema(ma.Schema):
    id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=_one_of(RegistrationStatus))
    held = fields.Boolean(
        required=True, metadata={"description": "Awaiting email confirmation (double opt-in)."}
    )
    hold_expired = fields.Boolean(required=True)
    attendance_mode = fields.String(required=True, validate=_one_of(AttendanceMode))
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    organisation = fields.String(required=True)
    role = fields.String(required=True)
    country = fields.String(required=True)
    language = fields.String(required=True)
    source = fields.String(required=True, validate=_one_of(RegistrationSource))
    needs = fields.String(required=True)
    join_count = fields.Integer(required=True)
    answers = fields.List(fields.Nested(AnswerSchema), required=True)
    created_at = fields.String(required=True, metadata=INSTANT)
    updated_at = fields.String(required=True, metadata=INSTANT)
    consent_at = fields.String(required=True, metadata=INSTANT)
    confirmed_at = fields.String(allow_none=True, metadata=INSTANT)
    cancelled_at = fields.String(allow_none=True, metadata=INSTANT)
    checked_in_at = fields.String(allow_none=True, metadata=INSTANT)
    email_confirmed_at = fields.String(allow_none=True, metadata=INSTANT)
    hold_expires_at = fields.String(allow_none=True, metadata=INSTANT)
    first_joined_at = fields.String(allow_none=True, metadata=INSTANT)


class RegistrationPageSchema(ma.Schema):
    items = fields.List(fields.Nested(RegistrationSchema), required=True)
    next_cursor = fields.String(allow_none=True, metadata={"description": "null on the last page."})
    links = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Per parameter, what was wrong."})

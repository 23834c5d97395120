"""What the organiser pages call statuses and email kinds, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

# "Cancelled" is said of an event (called off) and of a registration (withdrawn): two words
# in Danish, Swedish and German, hence the contexts.
EVENT_CANCELLED = lazy_pgettext("event status", "Cancelled")
REGISTRATION_CANCELLED = lazy_pgettext("registration status", "Cancelled")

EVENT_STATUS = {"draft": _l("Draft"), "published": _l("Published"), "cancelled": EVENT_CANCELLED}
# The attendee list's statuses, and its filter for checked-in people.
REGISTRATION_STATUS = {
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("Waitlisted"),
    "cancelled": REGISTRATION_CANCELLED,
    "checked_in": _l("Checked in"),
    "undeliverable": _l("Undeliverable"),
    "awaiting_confirmation": _l("Awaiting email confirmation"),
    "hold_expired": _l("Not confirmed in time"),
}
# How a registration came.
REGISTRATION_SOURCE = {
    "form": _l("Registration form"),
    "organiser": _l("Added by an organiser"),
    "import": _l("Imported from a file"),
}
OUTBOX_STATUS = {
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "retry": _l("Retry"),
    "failed": _l("Failed"),
    "sent": _l("Sent"),
}
MESSAGE_KIND = {
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("Waitlisted"),
    "promoted": _l("Promoted"),
    "cancelled": REGISTRATION_CANCELLED,
    "event_changed": _l("Event changed"),
    "event_postponed": _l("Event postponed"),
    "event_cancelled": _l("Event cancelled"),
    "reminder_24h": _l("Reminder 24h"),
    "reminder_1h": _l("Reminder 1h"),
    "password_reset": _l("Password reset"),
    "confirm_email": _l("Confirm email address"),
    "hold_expired": _l("Not confirmed in time"),
    "mode_changed": _l("Attendance changed"),
    "announcement": _l("Announcement"),
    "new_registration_notice": _l("New registration (to organisers)"),
    "cancellation_notice": _l("Cancellation (to organisers)"),
    "daily_digest": _l("Daily summary (to organisers)"),
    "follow_up_came": _l("Follow-up (came)"),
    "follow_up_missed": _l("Follow-up (did not come)"),
    "data_request": _l("Link to your data"),
}

QUESTION_KIND = {
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "single_choice": _l("One answer from a list"),
    "multiple_choice": _l("Several answers from a list"),
    "checkbox": _l("Checkbox (yes or no)"),
    "number": _l("Number"),
    "country": _l("Country"),
}


def label(labels: dict, value) -> str:
    """The label of an enum value or code; the code itself when it has none."""
    code = getattr(value, "value", value)
    return str(labels.get(code, code))


def template_labels() -> dict:
    """For the blueprint's context processor: `labels.EVENT_STATUS[...]` and `label()`."""
    return {
        "labels": {
            "event_status": EVENT_STATUS,
            "registration_status": REGISTRATION_STATUS,
            "registration_source": REGISTRATION_SOURCE,
            "outbox_status": OUTBOX_STATUS,
            "message_kind": MESSAGE_KIND,
            "question_kind": QUESTION_KIND,
        },
        "label": label,
    }

"""What the audit log's actions and details are called on the organiser's pages.

An action nobody named here (a new feature's) is shown as its dotted name, which still
reads; details are listed key by key, with the keys we know translated.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "account.settings_changed": _l("Own settings changed"),
    "announcement.sent": _l("Announcement sent"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "attendee.added": _l("Attendee added by hand"),
    "attendee.answers_edited": _l("Attendee's answers edited"),
    "attendee.cancelled": _l("Registration cancelled"),
    "attendee.check_in_undone": _l("Check-in undone"),
    "attendee.checked_in": _l("Attendee checked in"),
    "attendee.details_edited": _l("Attendee's details edited"),
    "attendee.exported": _l("Attendee list exported"),
    "attendee.imported": _l("Attendees imported"),
    "attendee.message_resent": _l("Email sent again"),
    "attendee.promoted": _l("Given a seat from the waiting list"),
    "audit.exported": _l("Audit log downloaded"),
    "audit.purged": _l("Old audit entries removed"),
    "auth.password_changed": _l("Password changed"),
    "auth.password_link_sent": _l("Password link sent"),
    "auth.password_reset": _l("Password reset with a link"),
    "auth.recovery_code_used": _l("Signed in with a recovery code"),
    "auth.recovery_codes_regenerated": _l("New recovery codes made"),
    "auth.second_step_failed": _l("Wrong sign-in code"),
    "auth.sign_in_failed": _l("Sign-in failed"),
    "auth.signed_in": _l("Signed in"),
    "auth.signed_out": _l("Signed out"),
    "auth.two_factor_disabled": _l("Two-step sign-in turned off"),
    "auth.two_factor_enabled": _l("Two-step sign-in turned on"),
    "auth.two_factor_reset": _l("Two-step sign-in reset by an admin"),
    "embed.origins_changed": _l("Sites allowed to embed changed"),
    "event.cancelled": _l("Event cancelled"),
    "event.co_organiser_added": _l("Co-organiser added"),
    "event.co_organiser_removed": _l("Co-organiser removed"),
    "event.created": _l("Event created"),
    "event.date_kept": _l("Postponement ended, original date kept"),
    "event.duplicated": _l("Event duplicated"),
    "event.edited": _l("Event edited"),
    "event.follow_up_saved": _l("Follow-up email saved"),
    "event.image_changed": _l("Share image changed"),
    "event.materials_saved": _l("Materials saved"),
    "event.notifications_changed": _l("Notification choice changed"),
    "event.postponed": _l("Event postponed"),
    "event.published": _l("Event published"),
    "event.rescheduled": _l("Postponed event given a new date"),
    "event.unpublished": _l("Event back to draft"),
    "organiser.created": _l("Organiser account created"),
    "organiser.deactivated": _l("Organiser account deactivated"),
    "organiser.reactivated": _l("Organiser account reactivated"),
    "privacy.notice_changed": _l("Privacy notice changed"),
    "privacy.notice_published": _l("Privacy notice published"),
    "privacy.purged": _l("Personal data erased after the retention period"),
    "privacy.subject_erased": _l("A person's data erased"),
    "privacy.subject_exported": _l("A person's data exported"),
    "question.added": _l("Question added"),
    "question.changed": _l("Question changed"),
    "question.deleted": _l("Question deleted"),
    "question.hidden": _l("Question hidden"),
    "question.moved_down": _l("Question moved down"),
    "question.moved_up": _l("Question moved up"),
    "question.restored": _l("Question shown again"),
    "settings.changed": _l("Site settings changed"),
    "webhook.changed": _l("Webhook changed"),
    "webhook.created": _l("Webhook added"),
    "webhook.deleted": _l("Webhook deleted"),
    "webhook.delivery_retried": _l("Webhook request retried"),
    "webhook.pinged": _l("Webhook test request sent"),
    "webhook.secret_rotated": _l("Webhook secret replaced"),
}

# The families of actions, offered as "all of ..." in the filter.
PREFIX_LABELS = {
    "account.": _l("All own-account actions"),
    "announcement.": _l("All announcements"),
    "api_token.": _l("All API token actions"),
    "attendee.": _l("All attendee actions"),
    "audit.": _l("All audit log actions"),
    "auth.": _l("All sign-in actions"),
    "embed.": _l("All embedding actions"),
    "event.": _l("All event actions"),
    "organiser.": _l("All organiser account actions"),
    "privacy.": _l("All privacy actions"),
    "question.": _l("All question actions"),
    "webhook.": _l("All webhook actions"),
}

OBJECT_LABELS = {
    "announcement": _l("Announcement"),
    "api_token": _l("API token"),
    "audit": _l("Audit log"),
    "event": _l("Event"),
    "organiser": _l("Organiser account"),
    "question": _l("Question"),
    "registration": _l("Registration"),
    "settings": _l("Site settings"),
    "webhook": _l("Webhook"),
}

DETAIL_LABELS = {
    "admin": _l("Administrator"),
    "bytes": _l("Bytes"),
    "change": _l("Change"),
    "choice": _l("Choice"),
    "complete": _l("Complete"),
    "confirmed": _l("With a seat"),
    "count": _l("Entries"),
    "email_sent": _l("Email sent"),
    "emails": _l("Emails queued"),
    "failures": _l("Wrong codes"),
    "fields": _l("Changed"),
    "filtered": _l("Filtered"),
    "format": _l("Format"),
    "group": _l("Group"),
    "keys": _l("Changed"),
    "messages": _l("Emails"),
    "organiser": _l("Organiser account"),
    "questions": _l("Questions"),
    "recipients": _l("Recipients"),
    "registration_ids": _l("Registrations"),
    "registrations": _l("Registrations"),
    "remaining": _l("Codes left"),
    "rows": _l("Rows"),
    "seat_given_to": _l("Seat given to registration"),
    "second_factor": _l("Second step"),
    "skipped": _l("Skipped"),
    "source": _l("Copied from event"),
    "status": _l("Status"),
    "step": _l("Step"),
    "waitlisted": _l("On the waiting list"),
}


def action_label(action: str) -> str:
    """The action's name in the page's language, or its dotted name."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str) -> str:
    """The object type's name in the page's language, or the type itself."""
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if value is None:
        return "–"
    return str(value)


def describe(details: dict[str, Any]) -> list[tuple[str, str]]:
    """The details as (label, value) pairs for people to read, in a stable order."""
    return [
        (str(DETAIL_LABELS.get(key, key)), _value(value)) for key, value in sorted(details.items())
    ]

"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from webapp.api.models import ApiToken
from webapp.audit import AuditEntry
from webapp.calendar.models import CalendarEntry
from webapp.communication.after_models import EventMaterials, FollowUp, MaterialLink
from webapp.communication.models import EventAnnouncement, EventNotification
from webapp.events.models import Event, EventFormat, EventKind, EventStatus, event_organisers
from webapp.images.models import EventImage
from webapp.mail.models import Announcement, OutboxMessage, OutboxStatus
from webapp.organiser.models import Organiser, RecoveryCode
from webapp.privacy.models import EventStatistics, PrivacyNoticeVersion
from webapp.registration.models import AttendanceMode, Registration, RegistrationStatus
from webapp.registration.question_models import (
    AnswerChoice,
    EventQuestion,
    QuestionOption,
    RegistrationAnswer,
)
from webapp.site_settings import SiteSetting
from webapp.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "Announcement",
    "AnswerChoice",
    "ApiToken",
    "AttendanceMode",
    "AuditEntry",
    "CalendarEntry",
    "Event",
    "EventAnnouncement",
    "EventFormat",
    "EventImage",
    "EventKind",
    "EventMaterials",
    "EventNotification",
    "EventQuestion",
    "EventStatistics",
    "EventStatus",
    "FollowUp",
    "MaterialLink",
    "Organiser",
    "OutboxMessage",
    "OutboxStatus",
    "PrivacyNoticeVersion",
    "QuestionOption",
    "RecoveryCode",
    "Registration",
    "RegistrationAnswer",
    "RegistrationStatus",
    "SiteSetting",
    "Webhook",
    "WebhookDelivery",
    "event_organisers",
]

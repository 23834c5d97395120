"""Organisers: accounts, event management, attendee lists and exports.

One blueprint for the whole organiser area, defined here; its view modules register their
routes on it and are imported once, at the end.
"""

from flask import Blueprint

bp = Blueprint("organiser", __name__)

from webapp.organiser import (  # noqa: E402  (the views register themselves on bp)
    account_views,  # noqa: F401
    after_event_views,  # noqa: F401
    api_token_views,  # noqa: F401
    attendee_detail_views,  # noqa: F401
    attendee_views,  # noqa: F401
    audit_views,  # noqa: F401
    event_views,  # noqa: F401
    import_views,  # noqa: F401
    postpone_views,  # noqa: F401
    privacy_views,  # noqa: F401
    question_views,  # noqa: F401
    security_views,  # noqa: F401
    two_factor_views,  # noqa: F401
    views,  # noqa: F401
)

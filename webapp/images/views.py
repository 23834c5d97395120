"""/events/<slug>/share/<version>: the image an event's page shares (og:image).

The organiser's upload when there is one, else a card drawn from the title, kind, date and
place in the URL's language. The version is in the URL (the upload's digest, or a hash of
the card's words), so each answer may be cached for a year; an old version redirects to
the current one.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for

from webapp import caching, i18n
from webapp.events import services as events
from webapp.images import processing, services

bp = Blueprint("event_images", __name__)

LONG_CACHE = "public, max-age=31536000, immutable"
SITE_NAME = "Convene"


@bp.app_template_global()
def share_image_url(event) -> str:
    """The absolute URL of the event's share image, in the page's language."""
    language = i18n.current_language()
    image = services.share_image(event, language, SITE_NAME)
    base = current_app.config["CONVENE_BASE_URL"] + i18n.language_prefix(language)
    return f"{base}/events/{event.slug}/share/{image.version}"


@bp.get("/events/<slug>/share/<version>")
def share_image(slug: str, version: str):
    """The share image of this version, or a redirect to the current version."""
    event = events.get_public_or_404(slug)
    language = i18n.current_language()
    current = services.share_image(event, language, SITE_NAME)
    if version != current.version:
        return redirect(url_for(".share_image", slug=slug, version=current.version), 302)
    if current.uploaded:
        stored = services.uploaded(event.id)
        if stored is None:  # removed a moment ago
            abort(404)
        body = stored.data
    else:
        body = caching.caches().files.get_or_build(
            ("share-card", current.version),
            lambda: processing.card(services.card_text(event, language, SITE_NAME)),
        )
    response = Response(body, mimetype=current.content_type)
    response.headers["Cache-Control"] = LONG_CACHE
    response.set_etag(current.version)
    caching.make_conditional(response, request.environ)
    return response

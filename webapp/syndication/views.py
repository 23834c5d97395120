"""/events.atom, /sitemap.xml, /robots.txt, /favicon.ico: public, cached, built from data.

The feed is in the URL's language (`/da/events.atom`, or `?lang=da`, which redirects
there) and may be narrowed to one kind (`?kind=webinar`). Each file is built once and kept
until anything is committed (webapp/caching.py); ETag and Last-Modified answer 304.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, redirect, request, send_from_directory
from flask_babel import gettext as _

from webapp import caching, i18n
from webapp.db import now_utc
from webapp.events import services as events
from webapp.events.models import EventKind
from webapp.syndication import services
from webapp.syndication.atom import AtomFeed, feed_document
from webapp.syndication.sitemap import sitemap_document

bp = Blueprint("syndication", __name__)

PUBLIC_CACHE = "public, max-age=300"
ICON_CACHE = "public, max-age=604800"
# Paths no crawler should fetch: organiser pages and the personal links of attendees.
PRIVATE_PATHS = ("/organiser/", "/r/", "/join/", "/embed")


@bp.get("/events.atom")
def atom_feed():
    """Upcoming published events as an Atom feed, optionally of one kind."""
    wanted = request.args.get("lang")
    if wanted and i18n.supported(wanted) != i18n.current_language():
        return redirect(i18n.url_in(i18n.supported(wanted)), 302)
    kind = events.parse_kind(request.args.get("kind"))
    language = i18n.current_language()
    key = ("atom", language, request.script_root, request.path, kind, _base_url())
    etag, updated, body = caching.memoised(key, lambda: _atom(kind, language))
    return _xml_file(etag, updated, body, "application/atom+xml")


def _atom(
    kind: EventKind | None, language: str
) -> tuple[tuple[str, datetime, bytes], datetime | None]:
    now = now_utc()
    base_url = _base_url()
    found = services.feed_events(kind, now)
    updated = services.feed_updated(found, kind, now)
    pages = base_url + i18n.language_prefix(language)
    query = f"?kind={kind.value}" if kind else ""
    feed = AtomFeed(
        id=f"{base_url}/events.atom{query}",
        title=_(
            "Upcoming %(kinds)s · %(site)s",
            kinds=events.KIND_PLURALS_IN_SENTENCE[kind],
            site="Convene",
        )
        if kind
        else _("Upcoming events · %(site)s", site="Convene"),
        language=language,
        self_url=f"{pages}/events.atom{query}",
        page_url=f"{pages}/{query}",
        updated=updated,
        generator="Convene",
    )
    body = feed_document(feed, [services.feed_entry(e, base_url, language) for e in found])
    return (_etag(body), updated, body), services.next_feed_change(found)


@bp.get("/sitemap.xml")
def sitemap():
    """Every public page worth indexing, with its language versions."""
    key = ("sitemap", request.script_root, _base_url())
    etag, updated, body = caching.memoised(key, _sitemap)
    return _xml_file(etag, updated, body, "application/xml")


def _sitemap() -> tuple[tuple[str, datetime, bytes], None]:
    pages = services.sitemap_pages(_base_url())
    moments = [page.last_modified for page in pages if page.last_modified is not None]
    body = sitemap_document(pages)
    return (_etag(body), max(moments, default=services.EPOCH), body), None


@bp.get("/robots.txt")
def robots():
    """Crawlers may read public pages, not organiser pages or personal links."""
    lines = ["User-agent: *", "Allow: /"]
    for language in i18n.languages():
        prefix = i18n.language_prefix(language)
        lines += [f"Disallow: {prefix}{path}" for path in PRIVATE_PATHS]
    lines += ["", f"Sitemap: {_base_url()}/sitemap.xml", ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for the icon at the root, whatever the page says."""
    response = send_from_directory(current_app.static_folder, "favicon.ico", max_age=604800)
    response.headers["Cache-Control"] = ICON_CACHE
    return response


def _base_url() -> str:
    return current_app.config["CONVENE_BASE_URL"]


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _xml_file(etag: str, updated: datetime, body: bytes, mimetype: str) -> Response:
    """An XML file with ETag and Last-Modified, or Werkzeug's 304 for a matching request."""
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.set_etag(etag)
    response.last_modified = updated.replace(microsecond=0)
    caching.make_conditional(response, request.environ)
    caching.share_response()  # it depends on the URL and the kept values only
    if response.status_code == 412:
        abort(412)
    return response

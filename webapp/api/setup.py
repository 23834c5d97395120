"""Wire the API into the application: the OpenAPI generator, its blueprints, the docs."""

from __future__ import annotations

from flask import Flask

from webapp.api import docs_views, organiser_views, public_views, spec
from webapp.extensions import csrf

PREFIX = "/api/v1"


def init_app(app: Flask) -> None:
    """Register /api/v1 (public and organiser endpoints), its document and its docs page.

    The API authenticates by bearer token, never by cookie, so CSRF does not apply to it.
    """
    api = spec.make_api()
    api.init_app(app)
    api.register_blueprint(public_views.bp, url_prefix=PREFIX)
    api.register_blueprint(organiser_views.bp, url_prefix=f"{PREFIX}/organiser")
    app.register_blueprint(docs_views.bp)
    for blueprint in (public_views.bp, organiser_views.bp, docs_views.bp):
        csrf.exempt(blueprint)
    app.extensions[docs_views.API_KEY] = api

"""The OpenAPI document and the interactive docs (Swagger UI from our own static files)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from webapp.api import responses, spec
from webapp.security import CONTENT_SECURITY_POLICY

bp = Blueprint("api_docs", __name__)
API_KEY = "convene.api"
# Swagger UI sets inline style attributes as it renders: the docs page alone allows them.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


@bp.get("/api/v1/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of the API, generated from its views and schemas."""
    body = responses.encode(spec.document(current_app.extensions[API_KEY]))
    response = responses.json_response(body, cache_control="public, no-cache")
    return responses.add_cors(response)


@bp.get("/api/v1/docs")
def docs():
    """Interactive documentation of the API."""
    response = current_app.make_response(render_template("api/docs.html"))
    response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
    return response

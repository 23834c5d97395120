"""Organiser routes."""

from flask import Blueprint

from webapp.organiser import auth  # noqa: F401  (registers the user loader)

bp = Blueprint("organiser", __name__)

"""Registration routes."""

from flask import Blueprint

bp = Blueprint("registration", __name__)

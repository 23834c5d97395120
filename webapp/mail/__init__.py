"""Outgoing email: what to send (messages), the durable outbox, and delivery."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from webapp.mail import background


def init_app(app: Flask) -> None:
    """Set up development delivery after each request, and say where mail goes."""
    background.init_app(app)
    if app.config.get("MAIL_DELIVER_AFTER_REQUEST"):
        # Development: show the mail log lines (where each .eml went, delivery errors).
        if app.logger.level == logging.NOTSET:
            app.logger.setLevel(logging.INFO)
        if not app.config.get("MAIL_SERVER"):
            folder = Path(app.instance_path) / "mail"
            app.logger.info("Mail: no MAIL_SERVER set; emails are written to %s", folder)

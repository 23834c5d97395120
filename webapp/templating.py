"""Template globals and filters shared by every page and email."""

from __future__ import annotations

from flask import Flask

from webapp import i18n, timezones


def register(app: Flask) -> None:
    """Expose presentation helpers to Jinja; they format ready values, never query."""
    app.jinja_env.filters["iso_utc"] = timezones.iso_utc
    app.jinja_env.filters["local_time"] = timezones.format_table_time
    app.jinja_env.globals["site_name"] = "Convene"
    app.jinja_env.globals["current_language"] = i18n.current_language
    app.jinja_env.globals["page_languages"] = i18n.page_languages
    app.jinja_env.filters["number"] = i18n.localised_number
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

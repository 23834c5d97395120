"""Convene: event and webinar registration for innovation networks."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from webapp import config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: dict | None = None) -> Flask:
    """Build the Convene application."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
    )
    if config_overrides and "INSTANCE_PATH" in config_overrides:
        app.instance_path = str(config_overrides["INSTANCE_PATH"])
        app.config.root_path = app.instance_path
    config.load(app, config_overrides)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)

    from webapp.api import setup as api_setup

    api_setup.init_app(app)  # /api/v1: the read API, its OpenAPI document and docs

    from webapp import calendar, errors, mail, security, templating

    calendar.init_app(app)  # stored calendar entries follow every event change
    errors.register(app)
    security.register(app)
    templating.register(app)
    mail.init_app(app)  # development delivery after each request

    from webapp import caching, i18n, replay

    caching.init_app(app)  # the change token and the caches of pages and calendar files
    replay.init_app(app)  # whole shared responses replayed in front of Flask
    i18n.init_app(app)  # Flask-Babel, and the URL's language prefix in front of everything
    return app


def _init_extensions(app: Flask) -> None:
    from webapp import (
        models,  # noqa: F401  (registers every table on the metadata)
        sqlite,
    )
    from webapp.extensions import csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite.install(db.engine, app.config["DATABASE_LOCK_TIMEOUT"])
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from webapp.calendar.views import bp as calendar_bp
    from webapp.communication.after_attendee_views import bp as after_event_bp
    from webapp.communication.join_views import bp as join_bp
    from webapp.communication.views import bp as communication_bp
    from webapp.embed.admin_views import bp as embed_admin_bp
    from webapp.embed.views import bp as embed_bp
    from webapp.events.views import bp as events_bp
    from webapp.health import bp as health_bp
    from webapp.images.admin_views import bp as event_images_admin_bp
    from webapp.images.views import bp as event_images_bp
    from webapp.organiser import bp as organiser_bp
    from webapp.privacy.views import bp as privacy_bp
    from webapp.registration.seat_views import bp as seats_bp
    from webapp.registration.views import bp as registration_bp
    from webapp.syndication.views import bp as syndication_bp
    from webapp.webhooks.views import bp as webhooks_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(seats_bp)
    app.register_blueprint(join_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(after_event_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(organiser_bp, url_prefix="/organiser")
    app.register_blueprint(communication_bp, url_prefix="/organiser")
    app.register_blueprint(embed_bp)
    app.register_blueprint(syndication_bp)
    app.register_blueprint(event_images_bp)
    app.register_blueprint(event_images_admin_bp, url_prefix="/organiser")
    app.register_blueprint(embed_admin_bp, url_prefix="/organiser")
    app.register_blueprint(webhooks_bp, url_prefix="/organiser")


def _register_cli(app: Flask) -> None:
    from webapp.audit_cli import audit_cli
    from webapp.calendar.cli import calendar_cli
    from webapp.communication.cli import communication_cli
    from webapp.demo import demo_cli
    from webapp.mail.cli import mail_cli
    from webapp.organiser.cli import organiser_cli
    from webapp.privacy.cli import privacy_cli
    from webapp.registration.cli import registrations_cli
    from webapp.webhooks.cli import webhooks_cli

    app.cli.add_command(audit_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(communication_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(organiser_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(registrations_cli)
    app.cli.add_command(webhooks_cli)

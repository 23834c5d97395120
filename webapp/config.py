"""Configuration: defaults here, then instance/config.py, then environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

DEFAULTS = {
    "CONVENE_BASE_URL": "http://127.0.0.1:5000",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "PRIVACY_NOTICE_VERSION": "2026-01",
    "EVENTS_PER_PAGE": 12,
    "ATTENDEES_PER_PAGE": 50,
    # Seconds an emailed organiser password link stays valid (it also works only once).
    "PASSWORD_RESET_MAX_AGE": 2 * 3600,
    # werkzeug password hashing method for organiser accounts.
    "PASSWORD_HASH_METHOD": "scrypt",
    # Flask-Limiter: in-memory by default, Redis via RATELIMIT_STORAGE_URI in production.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "REGISTRATION_RATE_LIMIT": "10 per minute",
    "MANAGE_RATE_LIMIT": "30 per minute",
    "LOGIN_RATE_LIMIT": "5 per minute",
    # Mail: no MAIL_SERVER means messages are written as .eml files to instance/mail/.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Convene <no-reply@convene.localhost>",
    "MAIL_TIMEOUT": 15,
    "MAIL_MAX_ATTEMPTS": 12,
    "MAIL_DELIVER_AFTER_REQUEST": False,
    # The outbox decides what is sent; Flask-Mail would otherwise suppress sending whenever
    # TESTING is on, and the outbox would record undelivered messages as sent.
    "MAIL_SUPPRESS_SEND": False,
    # Also attach the calendar invite as invite.ics (besides the inline text/calendar part).
    "MAIL_ICS_ATTACHMENT": True,
    # Send to addresses with non-ASCII characters before the @ (Åsa@example.se) with the
    # SMTPUTF8 extension. Off: forms refuse such addresses, since the server may not offer it.
    "MAIL_SMTPUTF8": False,
    # Organiser announcements to more people than this are queued by the sender, in chunks.
    "MAIL_INLINE_FANOUT_LIMIT": 100,
}

# Environment variables read as strings, and the ones converted to other types.
ENV_STRINGS = (
    "SECRET_KEY",
    "CONVENE_BASE_URL",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "RATELIMIT_STORAGE_URI",
    "REGISTRATION_RATE_LIMIT",
    "MANAGE_RATE_LIMIT",
    "LOGIN_RATE_LIMIT",
)
ENV_INTS = (
    "MAIL_PORT",
    "MAIL_TIMEOUT",
    "MAIL_MAX_ATTEMPTS",
    "MAIL_INLINE_FANOUT_LIMIT",
    "MAX_CONTENT_LENGTH",
)
ENV_BOOLS = (
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_DELIVER_AFTER_REQUEST",
    "MAIL_ICS_ATTACHMENT",
    "MAIL_SMTPUTF8",
    "RATELIMIT_ENABLED",
)


def _as_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load(app: Flask, overrides: dict | None) -> None:
    """Apply defaults, instance/config.py, the environment, then explicit overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name in ENV_STRINGS:
        if name in os.environ:
            app.config[name] = os.environ[name]
    for name in ENV_INTS:
        if name in os.environ:
            app.config[name] = int(os.environ[name])
    for name in ENV_BOOLS:
        if name in os.environ:
            app.config[name] = _as_bool(os.environ[name])
    if "DATABASE_URL" in os.environ:
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if overrides:
        app.config.update(overrides)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # SQLite file, secret key, mail
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'convene.db'}"
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,  # a file does not drop connections; a ping costs a statement
            "connect_args": {"timeout": 30},
        }
    app.config["CONVENE_BASE_URL"] = app.config["CONVENE_BASE_URL"].rstrip("/")
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        secure = app.config["CONVENE_BASE_URL"].startswith("https://")
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def _normalise_database_url(url: str) -> str:
    """Let `postgres://` and `postgresql://` URLs use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret_key(instance: Path) -> str:
    """Read instance/secret_key, creating it (mode 0600) on first start."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key

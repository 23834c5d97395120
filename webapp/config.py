"""Configuration: defaults here, then instance/config.py, then environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from webapp.db import engine_options

# Every setting here can be overridden by instance/config.py, then by an environment variable
# of the same name, read as the type of its default (text where the default is None).
DEFAULTS = {
    "SECRET_KEY": None,  # None: generated once into instance/secret_key
    "CONVENE_BASE_URL": "http://127.0.0.1:5000",
    # Seconds a request waits for the database's write lock or a connection before it
    # answers 503 (shorter than browsers and proxies wait), and the Retry-After it sends.
    "DATABASE_LOCK_TIMEOUT": 10.0,
    "DATABASE_RETRY_AFTER": 5,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # The privacy notice's version until an admin publishes one (webapp/privacy/notice.py).
    "PRIVACY_NOTICE_VERSION": "2026-01",
    # Seconds an emailed data-request link (see my data, erase it) stays valid.
    "DATA_REQUEST_LINK_MAX_AGE": 24 * 3600,
    # Data-request form posts per client address, and per requested email address.
    "DATA_REQUEST_RATE_LIMIT": "10 per hour",
    "DATA_REQUEST_ADDRESS_LIMIT": "3 per hour",
    # The site's languages (each has a catalogue in webapp/translations) and the one its
    # unprefixed URLs, new events and mail without a language use.
    "LANGUAGES": ("en", "da", "sv", "de"),
    "DEFAULT_LANGUAGE": "en",
    "EVENTS_PER_PAGE": 12,
    # Reuse rendered public pages until the next commit (webapp/caching.py), and replay whole
    # shared responses before Flask runs (webapp/replay.py).
    "PAGE_CACHE": True,
    "RESPONSE_REPLAY": True,
    "ATTENDEES_PER_PAGE": 50,
    # At most this many upcoming events in the embeddable list (/embed) partner sites frame.
    "EMBED_EVENTS": 20,
    # An organiser's event image (og:image): at most this many bytes per upload and pixels
    # per decoded image (larger ones are refused before they are decoded).
    "EVENT_IMAGE_MAX_BYTES": 5 * 1024 * 1024,
    "EVENT_IMAGE_MAX_PIXELS": 40_000_000,
    # An organiser's CSV import: at most this many bytes and data rows per file (the whole
    # request stays under MAX_CONTENT_LENGTH; every row is checked and stored in one request).
    "IMPORT_MAX_BYTES": 200 * 1024,
    "IMPORT_MAX_ROWS": 1000,
    # Seconds an emailed organiser password link stays valid (it also works only once).
    "PASSWORD_RESET_MAX_AGE": 2 * 3600,
    # werkzeug password hashing method for organiser accounts.
    "PASSWORD_HASH_METHOD": "scrypt",
    # Flask-Limiter: in-memory by default, Redis via RATELIMIT_STORAGE_URI in production.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "convene",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Redis down is not a 500: limits fall back to memory, and a dead server is not awaited.
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    # Accepted registrations per client address and event; every registration POST of an
    # address counts towards the flood ceiling.
    "REGISTRATION_RATE_LIMIT": "10 per minute",
    "REGISTRATION_FLOOD_LIMIT": "60 per minute",
    # A registration form sent back sooner than this after it was handed out is a program's.
    "REGISTRATION_MIN_FILL_SECONDS": 2,
    "MANAGE_RATE_LIMIT": "30 per minute",
    "LOGIN_RATE_LIMIT": "5 per minute",
    # Two-step sign-in: seconds between the password and the code before signing in starts
    # again, and wrong codes (per account, counted in the database) that end it sooner.
    "TWO_FACTOR_STEP_MAX_AGE": 300,
    "TWO_FACTOR_MAX_ATTEMPTS": 5,
    # Key for the stored TOTP secrets and recovery-code hashes; None derives it from
    # SECRET_KEY. Before rotating SECRET_KEY, set this to the old SECRET_KEY, or every
    # organiser's two-step sign-in stops working and needs an admin's reset.
    "TWO_FACTOR_KEY": None,
    # The name authenticator apps show beside the account.
    "TWO_FACTOR_ISSUER": "Convene",
    # The read API (/api/v1): requests per organiser API token, and per client address on
    # the public endpoints (whose answers are cached like the pages).
    "API_RATE_LIMIT": "600 per minute",
    "API_PUBLIC_RATE_LIMIT": "300 per minute",
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
    # Organiser announcements to more people than this are queued by the sender, in chunks.
    "MAIL_INLINE_FANOUT_LIMIT": 100,
    # Minutes before the start from which an attendee's personal join link opens the meeting.
    "JOIN_OPENS_MINUTES_BEFORE": 15,
    # Minutes before an event starts from which nobody is promoted from its waiting list
    # any more (they could no longer make it); an organiser's own promote click still works.
    "WAITLIST_PROMOTION_CUTOFF": 120,
    # Retention (webapp/privacy/retention.py, `flask privacy purge`): calendar months after
    # an event's end when its registrations' personal data is erased (an event may set its
    # own, 1 to 120), and days a delivered or failed email keeps its address and bodies.
    "PERSONAL_DATA_RETENTION_MONTHS": 12,
    "OUTBOX_BODY_RETENTION_DAYS": 30,
    # Days the audit log keeps an entry; `flask audit purge` (cron, e.g. daily) removes older
    # ones. Two years by default: long enough for an annual audit and the one after it.
    "AUDIT_RETENTION_DAYS": 730,
    # Audit log entries per page in the organiser area.
    "AUDIT_PER_PAGE": 50,
    # Webhooks: seconds one delivery may take in all (connecting, sending, the answer), and
    # attempts before a delivery fails (1 min, 5 min, 30 min, 2 h, then every 6 h).
    "WEBHOOK_TIMEOUT": 10.0,
    "WEBHOOK_MAX_ATTEMPTS": 10,
}
# Settings read from the environment under another name.
# Languages with a complete catalogue in webapp/translations (English is the source).
SUPPORTED_LANGUAGES = ("en", "da", "sv", "de")
ENVIRONMENT_ALIASES = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}
# Never from the environment: suppressing sends would mark undelivered outbox mail as sent.
NOT_FROM_ENVIRONMENT = frozenset({"MAIL_SUPPRESS_SEND"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def from_environment(name: str, text: str) -> object:
    """An environment variable's text as the type of the setting's default."""
    default = DEFAULTS.get(name)
    try:
        if isinstance(default, bool):
            word = text.strip().lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise ValueError(f"expected one of {sorted(TRUE_WORDS | FALSE_WORDS)}")
            return word in TRUE_WORDS
        if isinstance(default, int | float):
            return type(default)(text)
        if isinstance(default, tuple):
            return tuple(item.strip() for item in text.split(",") if item.strip())
    except ValueError as error:
        raise ValueError(f"Environment variable {name}={text!r}: {error}") from None
    return text


def load(app: Flask, overrides: dict | None) -> None:
    """Apply defaults, instance/config.py, the environment, then explicit overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name in DEFAULTS.keys() - NOT_FROM_ENVIRONMENT:
        if name in os.environ:
            app.config[name] = from_environment(name, os.environ[name])
    for variable, name in ENVIRONMENT_ALIASES.items():
        if variable in os.environ:
            app.config[name] = os.environ[variable]
    if overrides:
        app.config.update(overrides)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # SQLite file, secret key, mail
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'convene.db'}"
    )
    url = _normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **engine_options(url, float(app.config["DATABASE_LOCK_TIMEOUT"])),
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    app.config["CONVENE_BASE_URL"] = app.config["CONVENE_BASE_URL"].rstrip("/")
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        secure = app.config["CONVENE_BASE_URL"].startswith("https://")
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure
    _check_languages(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def _check_languages(config) -> None:
    """The default language must be one of the site's, and each must have a catalogue."""
    known = set(SUPPORTED_LANGUAGES)
    unknown = [lang for lang in config["LANGUAGES"] if lang not in known]
    if unknown or config["DEFAULT_LANGUAGE"] not in config["LANGUAGES"]:
        raise ValueError(
            f"LANGUAGES={config['LANGUAGES']!r}, DEFAULT_LANGUAGE={config['DEFAULT_LANGUAGE']!r}:"
            f" every language must be one of {SUPPORTED_LANGUAGES} and include the default."
        )


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

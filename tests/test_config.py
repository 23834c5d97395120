"""Configuration layering, the generated secret key and database URLs."""

import os
import stat

import pytest

from tests.conftest import BACKEND
from webapp import create_app
from webapp.config import _normalise_database_url


def _app(tmp_path, monkeypatch=None, **overrides):
    return create_app({"INSTANCE_PATH": str(tmp_path), **overrides})


def test_secret_key_is_generated_once_with_mode_0600_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = _app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 64
    second = _app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_environment_overrides_instance_config_which_overrides_defaults(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        'CONVENE_BASE_URL = "https://from-instance.example/"\nEVENTS_PER_PAGE = 5\n'
        'MAIL_SERVER = "smtp.instance.example"\n'
    )
    monkeypatch.setenv("MAIL_SERVER", "smtp.env.example")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = _app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["CONVENE_BASE_URL"] == "https://from-instance.example"
    assert app.config["EVENTS_PER_PAGE"] == 5
    assert app.config["MAIL_SERVER"] == "smtp.env.example"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = _app(tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'convene.db'}"


def test_database_url_from_environment_uses_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/convene")
    app = _app(tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/convene"
    assert _normalise_database_url("postgres://x/y") == "postgresql+psycopg://x/y"
    assert _normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's own settings")
def test_sqlite_runs_with_wal_and_foreign_keys(app):
    from webapp.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_default_can_come_from_the_environment_as_its_own_type(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIL_USE_TLS", "yes")
    monkeypatch.setenv("DATABASE_LOCK_TIMEOUT", "2.5")
    monkeypatch.setenv("REGISTRATION_RATE_LIMIT", "3 per minute")
    monkeypatch.setenv("MAIL_SUPPRESS_SEND", "1")  # never from the environment
    app = _app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["DATABASE_LOCK_TIMEOUT"] == 2.5
    assert app.config["REGISTRATION_RATE_LIMIT"] == "3 per minute"
    assert app.config["MAIL_SUPPRESS_SEND"] is False


@pytest.mark.parametrize(
    ("name", "value"), [("MAIL_PORT", "twenty-five"), ("MAIL_USE_TLS", "maybe")]
)
def test_a_malformed_environment_value_stops_the_start_with_its_name(
    tmp_path, monkeypatch, name, value
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=f"Environment variable {name}="):
        _app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")

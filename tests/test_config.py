"""Configuration layering, the generated secret key and database URLs."""

import os
import stat

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


def test_sqlite_runs_with_wal_and_foreign_keys(app):
    from webapp.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

"""Retention: `flask audit purge` removes entries older than AUDIT_RETENTION_DAYS (a day
younger stays, a day older goes), says how many, records one "audit.purged" entry with the
count (nothing personal), and changes nothing when run again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.audit_support import logged
from webapp import audit
from webapp.db import now_utc
from webapp.extensions import db


def _record_aged(app, **ages: int) -> None:
    with app.app_context():
        for action, days in ages.items():
            audit.record(
                action, object_type="event", object_id=1, now=now_utc() - timedelta(days=days)
            )
        db.session.commit()


def test_the_default_period_is_two_years(app):
    assert app.config["AUDIT_RETENTION_DAYS"] == 730


def test_a_day_younger_stays_a_day_older_goes(app, runner, clock):
    _record_aged(app, young=729, old=731, older=2000)
    result = runner.invoke(args=["audit", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output == "Removed 2 audit log entries older than 730 days.\n"
    assert logged(app) == [
        ("young", None, "event", 1, None, {}),
        ("audit.purged", None, "audit", None, None, {"count": 2, "retention_days": 730}),
    ]
    again = runner.invoke(args=["audit", "purge"])
    assert again.output == "Removed 0 audit log entries older than 730 days.\n"
    assert len(logged(app)) == 2
    # Time passes: the young entry's day comes.
    clock.shift(timedelta(days=2))
    assert runner.invoke(args=["audit", "purge"]).output.startswith("Removed 1 ")
    assert [entry[0] for entry in logged(app)] == ["audit.purged", "audit.purged"]


def test_the_period_is_a_setting(app, runner, clock):
    app.config["AUDIT_RETENTION_DAYS"] = 30
    _record_aged(app, young=29, old=31)
    assert runner.invoke(args=["audit", "purge"]).exit_code == 0
    assert [entry[0] for entry in logged(app)] == ["young", "audit.purged"]


@pytest.mark.parametrize("days", [0, -5, "730"])
def test_a_nonsense_period_is_refused_and_removes_nothing(app, runner, days):
    _record_aged(app, old=5000)
    app.config["AUDIT_RETENTION_DAYS"] = days
    result = runner.invoke(args=["audit", "purge"])
    assert result.exit_code != 0
    assert "AUDIT_RETENTION_DAYS must be a whole number of days >= 1" in result.output
    assert [entry[0] for entry in logged(app)] == ["old"]


def test_the_environment_sets_the_period(monkeypatch, database_url, tmp_path):
    from tests.conftest import TEST_CONFIG
    from webapp import create_app

    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "365")
    application = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)}
    )
    assert application.config["AUDIT_RETENTION_DAYS"] == 365
    with application.app_context():
        db.engine.dispose()

"""The schema comes only from the migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from webapp.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_upgrade_and_downgrade_cleanly(tmp_path):
    from flask_migrate import downgrade, upgrade

    from webapp import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "k",
        }
    )
    with app.app_context():
        upgrade()
        assert "event" in db.inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "event" not in db.inspect(db.engine).get_table_names()
        upgrade()
        db.engine.dispose()

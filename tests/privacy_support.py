"""Helpers for the privacy tests: the whole database as text, to search for a person."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.extensions import db


def database_text(app) -> str:
    """Every row of every table (migrations' bookkeeping aside), as one searchable text."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        chunks = []
        for name in inspector.get_table_names():
            if name == "alembic_version":
                continue
            table = sa.Table(name, sa.MetaData(), autoload_with=db.engine)
            for row in db.session.execute(sa.select(table)):
                chunks.append(f"{name}: {tuple(row)!r}")
                chunks.extend(str(value) for value in row if isinstance(value, str | bytes))
        db.session.rollback()
        return "\n".join(chunks)

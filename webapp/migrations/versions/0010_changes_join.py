"""changes and join links: postponed events, change details of announcements, online attendance

Revision ID: 0010_changes_join
Revises: 0009_notifications
Create Date: 2026-12-06 18:00:00

An event may be postponed (`postponed_at`) and, given a new date, remember the start it had
(`previous_starts_at`). A large announcement keeps the change it announces (`details`, JSON).
Each registration counts its joins through the personal join link.
"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0010_changes_join"
down_revision = "0009_notifications"
branch_labels = None
depends_on = None


def upgrade():
    # Plain added columns without constraints: SQLite adds them in place, no table rebuild.
    op.add_column("event", sa.Column("postponed_at", UTCDateTime(), nullable=True))
    op.add_column("event", sa.Column("previous_starts_at", UTCDateTime(), nullable=True))
    op.add_column(
        "announcement", sa.Column("details", sa.Text(), server_default="", nullable=False)
    )
    op.add_column("registration", sa.Column("first_joined_at", UTCDateTime(), nullable=True))
    op.add_column(
        "registration", sa.Column("join_count", sa.Integer(), server_default="0", nullable=False)
    )


COLUMNS = (
    ("registration", "join_count"),
    ("registration", "first_joined_at"),
    ("announcement", "details"),
    ("event", "previous_starts_at"),
    ("event", "postponed_at"),
)


def downgrade():
    # SQLite 3.35+ drops a column in place; a batch rebuild would copy whole tables (and
    # turn other columns' CHECK constraints into table constraints).
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in COLUMNS:
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)

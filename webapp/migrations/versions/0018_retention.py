"""retention: an event's own retention period, when it was purged, and its kept counts

Revision ID: 0018_retention
Revises: 0017_event_image
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0018_retention"
down_revision = "0017_event_image"
branch_labels = None
depends_on = None

BOUNDED = "retention_months IS NULL OR retention_months BETWEEN 1 AND 120"


def upgrade():
    # SQLite adds the column with its CHECK in place: a batch rebuild of `event` would
    # drop the table every registration and message refers to.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE event ADD COLUMN retention_months INTEGER"
            f" CONSTRAINT ck_event_retention_months_bounded CHECK ({BOUNDED})"
        )
    else:
        op.add_column("event", sa.Column("retention_months", sa.Integer(), nullable=True))
        op.create_check_constraint(op.f("ck_event_retention_months_bounded"), "event", BOUNDED)
    op.add_column("event", sa.Column("personal_data_purged_at", UTCDateTime(), nullable=True))
    op.create_table(
        "event_statistics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attendance_mode", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("checked_in", sa.Boolean(), nullable=False),
        sa.Column("joined_online", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_event_statistics_count_positive")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name="fk_event_statistics_event_id_event", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_statistics"),
        sa.UniqueConstraint(
            "event_id",
            "status",
            "attendance_mode",
            "country",
            "checked_in",
            "joined_online",
            name="uq_event_statistics_traits",
        ),
    )


def downgrade():
    op.drop_table("event_statistics")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE event DROP COLUMN personal_data_purged_at")
        op.execute("ALTER TABLE event DROP COLUMN retention_months")
    else:
        op.drop_column("event", "personal_data_purged_at")
        op.drop_constraint(op.f("ck_event_retention_months_bounded"), "event", type_="check")
        op.drop_column("event", "retention_months")

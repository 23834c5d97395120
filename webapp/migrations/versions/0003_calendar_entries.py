"""calendar entries: each event's serialised VEVENT, stored per event version

Revision ID: 0003_calendar_entries
Revises: 0002_event_search
Create Date: 2026-11-26 10:00:00

Existing events get their entries from `flask calendar refresh`; until then the feed
builds them on the fly.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003_calendar_entries"
down_revision = "0002_event_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_entry",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("tzids", sa.String(length=300), nullable=False),
        sa.Column("vevent", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_calendar_entry_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "variant", name=op.f("pk_calendar_entry")),
    )


def downgrade():
    op.drop_table("calendar_entry")

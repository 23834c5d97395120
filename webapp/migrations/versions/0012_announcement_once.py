"""announcements sent once: the digest of the preview token an announcement was sent with

Revision ID: 0012_announcement_once
Revises: 0011_after_event
Create Date: 2026-12-06 19:00:00

Sending an announcement needs the token its preview issued; the token's digest is stored,
unique, so the same form submitted twice sends the announcement once.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_announcement_once"
down_revision = "0011_after_event"
branch_labels = None
depends_on = None


def upgrade():
    # A plain added column and a separate unique index: no table rebuild on SQLite.
    op.add_column(
        "event_announcement", sa.Column("preview_digest", sa.String(length=64), nullable=True)
    )
    op.create_index(
        "ix_event_announcement_preview_digest",
        "event_announcement",
        ["preview_digest"],
        unique=True,
    )


def downgrade():
    op.drop_index("ix_event_announcement_preview_digest", table_name="event_announcement")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE event_announcement DROP COLUMN preview_digest")
    else:
        op.drop_column("event_announcement", "preview_digest")

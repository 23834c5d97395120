"""event images: each event's uploaded share image (og:image), prepared and stored

Revision ID: 0017_event_image
Revises: 0016_privacy_notice
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0017_event_image"
down_revision = "0016_privacy_notice"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_image",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name="fk_event_image_event_id_event",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_image"),
    )


def downgrade():
    op.drop_table("event_image")

"""privacy notice: its published versions

Revision ID: 0016_privacy_notice
Revises: 0015_two_factor
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0016_privacy_notice"
down_revision = "0015_two_factor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privacy_notice_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["organiser.id"],
            name="fk_privacy_notice_version_published_by_id_organiser",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_notice_version"),
        sa.UniqueConstraint("label", name="uq_privacy_notice_version_label"),
    )
    op.create_index(
        "ix_privacy_notice_version_published_at", "privacy_notice_version", ["published_at"]
    )


def downgrade():
    op.drop_index("ix_privacy_notice_version_published_at", table_name="privacy_notice_version")
    op.drop_table("privacy_notice_version")

"""organiser API tokens, and the registrations' index for syncing by updated_at

Revision ID: 0019_api_tokens
Revises: 0018_retention
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0019_api_tokens"
down_revision = "0018_retention"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organiser.id"],
            name="fk_api_token_organiser_id_organiser",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name="fk_api_token_event_id_event", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    op.create_index("ix_api_token_organiser_id", "api_token", ["organiser_id"])
    op.create_index("ix_api_token_event_id", "api_token", ["event_id"])
    op.create_index(
        "ix_registration_event_updated_at_id", "registration", ["event_id", "updated_at", "id"]
    )


def downgrade():
    op.drop_index("ix_registration_event_updated_at_id", table_name="registration")
    op.drop_index("ix_api_token_event_id", table_name="api_token")
    op.drop_index("ix_api_token_organiser_id", table_name="api_token")
    op.drop_table("api_token")

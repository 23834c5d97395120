"""the audit log and the site settings an admin edits

Revision ID: 0013_audit_settings
Revises: 0012_announcement_once
Create Date: 2026-12-06 20:30:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0013_audit_settings"
down_revision = "0012_announcement_once"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["organiser.id"],
            name="fk_audit_entry_actor_id_organiser",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
    )
    op.create_index("ix_audit_entry_actor_id", "audit_entry", ["actor_id"])
    op.create_index("ix_audit_entry_event_id_id", "audit_entry", ["event_id", "id"])
    op.create_index("ix_audit_entry_occurred_at", "audit_entry", ["occurred_at"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])
    op.create_table(
        "site_setting",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["organiser.id"],
            name="fk_site_setting_updated_by_id_organiser",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name="pk_site_setting"),
    )


def downgrade():
    op.drop_table("site_setting")
    op.drop_index("ix_audit_entry_action", table_name="audit_entry")
    op.drop_index("ix_audit_entry_occurred_at", table_name="audit_entry")
    op.drop_index("ix_audit_entry_event_id_id", table_name="audit_entry")
    op.drop_index("ix_audit_entry_actor_id", table_name="audit_entry")
    op.drop_table("audit_entry")

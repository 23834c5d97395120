"""after the event: materials (text and links) and the follow-up email's settings

Revision ID: 0011_after_event
Revises: 0010_changes_join
Create Date: 2026-12-06 18:00:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0011_after_event"
down_revision = "0010_changes_join"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "visibility IN ('attendees', 'public')",
            name="ck_event_materials_materials_visibility",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name="fk_event_materials_event_id_event", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_materials"),
        sa.UniqueConstraint("event_id", name="uq_event_materials_event_id"),
    )
    op.create_table(
        "material_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("materials_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["materials_id"],
            ["event_materials.id"],
            name="fk_material_link_materials_id_event_materials",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_material_link"),
    )
    op.create_index("ix_material_link_materials_id", "material_link", ["materials_id"])
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("hours_after", sa.Integer(), nullable=False),
        sa.Column("came_message", sa.Text(), nullable=False),
        sa.Column("missed_message", sa.Text(), nullable=False),
        sa.Column("feedback_url", sa.String(length=500), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "hours_after BETWEEN 0 AND 720", name="ck_follow_up_hours_after_bounded"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name="fk_follow_up_event_id_event", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_follow_up"),
        sa.UniqueConstraint("event_id", name="uq_follow_up_event_id"),
    )


def downgrade():
    op.drop_table("follow_up")
    op.drop_index("ix_material_link_materials_id", table_name="material_link")
    op.drop_table("material_link")
    op.drop_table("event_materials")

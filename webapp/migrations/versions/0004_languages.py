"""languages: an event's main language and translations, a registration's language

Revision ID: 0004_languages
Revises: 0003_calendar_entries
Create Date: 2026-12-06 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_languages"
down_revision = "0003_calendar_entries"
branch_labels = None
depends_on = None


def upgrade():
    # Constant defaults: no table rebuild on SQLite, no rewrite on PostgreSQL.
    op.add_column(
        "event", sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
    )
    op.add_column(
        "registration",
        sa.Column("language", sa.String(length=8), server_default="en", nullable=False),
    )
    op.create_table(
        "event_translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name="fk_event_translation_event_id_event",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_translation"),
        sa.UniqueConstraint("event_id", "language", name="uq_event_translation"),
    )


def downgrade():
    op.drop_table("event_translation")
    op.drop_column("registration", "language")
    op.drop_column("event", "language")

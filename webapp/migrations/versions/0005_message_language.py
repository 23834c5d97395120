"""message language: the language each outbox message is written in; calendar entries
stored per language

Revision ID: 0005_message_language
Revises: 0004_languages
Create Date: 2026-12-06 15:00:00

The public calendar entries are now stored per language ("public:da"); the rows of the
former single variant ("public") are no longer read and are removed. `flask calendar
refresh` stores the new ones; until then the feed builds them on the fly.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_message_language"
down_revision = "0004_languages"
branch_labels = None
depends_on = None


def upgrade():
    # A constant default: no table rebuild on SQLite, no rewrite on PostgreSQL.
    op.add_column(
        "outbox_message",
        sa.Column("language", sa.String(length=8), server_default="", nullable=False),
    )
    op.execute(sa.text("DELETE FROM calendar_entry WHERE variant = 'public'"))


def downgrade():
    # The former variant is built on the fly until `flask calendar refresh` stores it.
    op.execute(sa.text("DELETE FROM calendar_entry WHERE variant LIKE 'public:%'"))
    op.drop_column("outbox_message", "language")

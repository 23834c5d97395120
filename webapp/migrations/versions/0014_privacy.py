"""privacy: when an outbox message's personal data was erased

Revision ID: 0014_privacy
Revises: 0013_audit_settings
Create Date: 2026-12-06 20:40:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0014_privacy"
down_revision = "0013_audit_settings"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("outbox_message", sa.Column("erased_at", UTCDateTime(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE outbox_message DROP COLUMN erased_at")
    else:
        op.drop_column("outbox_message", "erased_at")

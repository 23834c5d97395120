"""two-step sign-in: TOTP columns on organiser, recovery codes

Revision ID: 0015_two_factor
Revises: 0014_privacy
Create Date: 2026-12-06 20:20:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0015_two_factor"
down_revision = "0014_privacy"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organiser") as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("second_step_failures", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "must_enrol_two_factor", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organiser.id"],
            name="fk_recovery_code_organiser_id_organiser",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_code"),
        sa.UniqueConstraint("code_hash", name="uq_recovery_code_code_hash"),
    )
    op.create_index("ix_recovery_code_organiser_id", "recovery_code", ["organiser_id"])


def downgrade():
    op.drop_index("ix_recovery_code_organiser_id", table_name="recovery_code")
    op.drop_table("recovery_code")
    with op.batch_alter_table("organiser") as batch_op:
        batch_op.drop_column("must_enrol_two_factor")
        batch_op.drop_column("second_step_failures")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")

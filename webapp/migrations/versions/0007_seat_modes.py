"""seat modes: online capacity of hybrid events, email confirmation holds

Revision ID: 0007_seat_modes
Revises: 0006_questions
Create Date: 2026-12-06 17:30:00

A hybrid event's `capacity` is its room's; `online_capacity` (empty: unlimited) the online
seats'. Events that require email confirmation hold each registration's place for
`hold_minutes`; `registration.hold_expires_at` is set while a place is held.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_seat_modes"
down_revision = "0006_questions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("online_capacity", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "requires_email_confirmation",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column("hold_minutes", sa.Integer(), server_default="30", nullable=False)
        )
        batch.create_check_constraint(
            "online_capacity_not_negative", "online_capacity IS NULL OR online_capacity >= 0"
        )
        batch.create_check_constraint("hold_minutes_bounded", "hold_minutes BETWEEN 1 AND 1440")
    op.add_column("registration", sa.Column("hold_expires_at", sa.DateTime(), nullable=True))
    op.add_column("registration", sa.Column("email_confirmed_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_registration_event_mode_status_id",
        "registration",
        ["event_id", "attendance_mode", "status", "id"],
    )
    op.create_index("ix_registration_hold_expires_at", "registration", ["hold_expires_at"])


def downgrade():
    op.drop_index("ix_registration_hold_expires_at", table_name="registration")
    op.drop_index("ix_registration_event_mode_status_id", table_name="registration")
    with op.batch_alter_table("registration") as batch:
        batch.drop_column("email_confirmed_at")
        batch.drop_column("hold_expires_at")
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint("hold_minutes_bounded", type_="check")
        batch.drop_constraint("online_capacity_not_negative", type_="check")
        batch.drop_column("hold_minutes")
        batch.drop_column("requires_email_confirmation")
        batch.drop_column("online_capacity")

"""notifications: organisers' language and notification choices, announcements, and the
confirmation email's extra text

Revision ID: 0009_notifications
Revises: 0008_attendee_care
Create Date: 2026-12-06 18:00:00

`organiser.notify_default` and `event_notification` say who hears about registrations
(each one, a daily digest, or nothing); `event.notify_each` says whether anyone of the
event wants each one. `event_announcement` keeps what organisers wrote to their
attendees; a large announcement's fan-out row points at it.
"""

from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0009_notifications"
down_revision = "0008_attendee_care"
branch_labels = None
depends_on = None

CHOICES = ("each", "digest", "none")
GROUPS = ("confirmed", "waitlisted", "checked_in", "in_person", "online", "active")


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade():
    # Constant defaults: no table rebuild on SQLite, no rewrite on PostgreSQL.
    with op.batch_alter_table("organiser") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )
        batch.add_column(
            sa.Column("notify_default", sa.String(length=20), server_default="none", nullable=False)
        )
    with op.batch_alter_table("event") as batch:
        batch.add_column(
            sa.Column(
                "confirmation_note", sa.String(length=1000), server_default="", nullable=False
            )
        )
        batch.add_column(
            sa.Column("notify_each", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "event_notification",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            f"choice IN ({_in(CHOICES)})", name="ck_event_notification_notify_choice"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name="fk_event_notification_event_id_event",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organiser.id"],
            name="fk_event_notification_organiser_id_organiser",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "organiser_id", name="pk_event_notification"),
    )
    op.create_table(
        "event_announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience_group", sa.String(length=20), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            f"audience_group IN ({_in(GROUPS)})", name="ck_event_announcement_audience_group"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name="fk_event_announcement_event_id_event",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["organiser.id"],
            name="fk_event_announcement_author_id_organiser",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_announcement"),
    )
    op.create_index("ix_event_announcement_event_id", "event_announcement", ["event_id"])
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(sa.Column("event_announcement_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_announcement_event_announcement_id_event_announcement",
            "event_announcement",
            ["event_announcement_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("announcement") as batch:
        batch.drop_constraint(
            "fk_announcement_event_announcement_id_event_announcement", type_="foreignkey"
        )
        batch.drop_column("event_announcement_id")
    op.drop_index("ix_event_announcement_event_id", table_name="event_announcement")
    op.drop_table("event_announcement")
    op.drop_table("event_notification")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("notify_each")
        batch.drop_column("confirmation_note")
    with op.batch_alter_table("organiser") as batch:
        batch.drop_column("notify_default")
        batch.drop_column("language")

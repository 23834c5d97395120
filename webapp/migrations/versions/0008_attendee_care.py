"""attendee care: how each registration came, and CSV imports awaiting confirmation

Revision ID: 0008_attendee_care
Revises: 0007_seat_modes
Create Date: 2026-12-06 17:30:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0008_attendee_care"
down_revision = "0007_seat_modes"
branch_labels = None
depends_on = None

SOURCES = ("form", "organiser", "import")


def upgrade():
    # A constant default: existing registrations all came through the form. SQLite adds
    # the column with its CHECK constraint in place (a batch rebuild would copy the table,
    # and dropping the old one would clear the outbox's links to it); PostgreSQL adds the
    # constraint after the column.
    values = ", ".join(f"'{value}'" for value in SOURCES)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE registration ADD COLUMN source VARCHAR(20) DEFAULT 'form' NOT NULL"
            f" CONSTRAINT ck_registration_registration_source CHECK (source IN ({values}))"
        )
    else:
        op.add_column(
            "registration",
            sa.Column("source", sa.String(length=20), server_default="form", nullable=False),
        )
        op.create_check_constraint(
            op.f("ck_registration_registration_source"), "registration", f"source IN ({values})"
        )
    op.create_table(
        "pending_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name="fk_pending_import_event_id_event", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organiser.id"],
            name="fk_pending_import_organiser_id_organiser",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pending_import"),
    )
    op.create_index("ix_pending_import_event_id", "pending_import", ["event_id"])


def downgrade():
    op.drop_index("ix_pending_import_event_id", table_name="pending_import")
    op.drop_table("pending_import")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a column whose CHECK names only that column.
        op.execute("ALTER TABLE registration DROP COLUMN source")
    else:
        op.drop_constraint(
            op.f("ck_registration_registration_source"), "registration", type_="check"
        )
        op.drop_column("registration", "source")

"""questions: an event's own registration questions, their options and the answers

Revision ID: 0006_questions
Revises: 0005_message_language
Create Date: 2026-12-06 18:00:00

An event question's condition may name an option, and an option names its question: the
condition's key is added once both tables exist (batch mode on SQLite).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_questions"
down_revision = "0005_message_language"
branch_labels = None
depends_on = None

KINDS = (
    "short_text", "long_text", "single_choice", "multiple_choice", "checkbox", "number",
    "country",
)


def _in(column, values):
    return column + " IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.create_table(
        "event_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="question_kind", native_enum=False, length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("help_text", sa.String(length=500), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("display", sa.Enum("radio", "select", name="choice_display", native_enum=False, length=20), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("condition_question_id", sa.Integer(), nullable=True),
        sa.Column("condition_option_id", sa.Integer(), nullable=True),
        sa.Column("condition_checked", sa.Boolean(), nullable=True),
        sa.Column("in_person_only", sa.Boolean(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.CheckConstraint(_in("kind", KINDS), name="ck_event_question_question_kind"),
        sa.CheckConstraint(_in("display", ("radio", "select")), name="ck_event_question_choice_display"),
        sa.CheckConstraint(
            "min_value IS NULL OR max_value IS NULL OR min_value <= max_value",
            name="ck_event_question_number_bounds",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name="fk_event_question_event_id_event", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["condition_question_id"], ["event_question.id"],
            name="fk_event_question_condition_question_id_event_question", ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_question"),
    )
    op.create_index("ix_event_question_event_id_position", "event_question", ["event_id", "position"])
    op.create_table(
        "question_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["event_question.id"],
            name="fk_question_option_question_id_event_question", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_question_option"),
    )
    op.create_index(
        "ix_question_option_question_id_position", "question_option", ["question_id", "position"]
    )
    with op.batch_alter_table("event_question") as batch:
        batch.create_foreign_key(
            "fk_event_question_condition_option_id_question_option", "question_option",
            ["condition_option_id"], ["id"], ondelete="SET NULL",
        )
    op.create_table(
        "registration_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("text_value", sa.Text(), nullable=True),
        sa.Column("number_value", sa.Float(), nullable=True),
        sa.Column("bool_value", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"],
            name="fk_registration_answer_registration_id_registration", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["event_question.id"],
            name="fk_registration_answer_question_id_event_question", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_registration_answer"),
        sa.UniqueConstraint("registration_id", "question_id", name="uq_registration_answer"),
    )
    op.create_index("ix_registration_answer_question_id", "registration_answer", ["question_id"])
    op.create_table(
        "answer_choice",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["registration_answer.id"],
            name="fk_answer_choice_answer_id_registration_answer", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"], ["question_option.id"],
            name="fk_answer_choice_option_id_question_option", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("answer_id", "option_id", name="pk_answer_choice"),
    )
    op.create_index("ix_answer_choice_option_id", "answer_choice", ["option_id"])


def downgrade():
    op.drop_table("answer_choice")
    op.drop_table("registration_answer")
    with op.batch_alter_table("event_question") as batch:
        batch.drop_constraint(
            "fk_event_question_condition_option_id_question_option", type_="foreignkey"
        )
    op.drop_table("question_option")
    op.drop_table("event_question")

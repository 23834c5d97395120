"""An event's own registration questions, their options, and the answers people gave."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import enum_column
from webapp.extensions import db


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    CHECKBOX = "checkbox"
    NUMBER = "number"
    COUNTRY = "country"


# The kinds whose answers are options, and those a condition can point at.
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
CONDITION_KINDS = (*CHOICE_KINDS, QuestionKind.CHECKBOX)


class ChoiceDisplay(enum.StrEnum):
    RADIO = "radio"
    SELECT = "select"


class EventQuestion(db.Model):
    """One question of an event's registration form, shown in `position` order.

    A condition shows it only when an earlier question was answered with
    `condition_option` (choices) or `condition_checked` (a checkbox ticked or not).
    """

    __tablename__ = "event_question"
    __table_args__ = (
        sa.Index("ix_event_question_event_id_position", "event_id", "position"),
        sa.CheckConstraint(
            "min_value IS NULL OR max_value IS NULL OR min_value <= max_value",
            name="number_bounds",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"))
    label: Mapped[str] = mapped_column(sa.String(200))
    help_text: Mapped[str] = mapped_column(sa.String(500), default="")
    required: Mapped[bool] = mapped_column(default=False)
    display: Mapped[ChoiceDisplay] = mapped_column(
        enum_column(ChoiceDisplay, "choice_display"), default=ChoiceDisplay.RADIO
    )
    # Removed after people answered it: off the forms, its answers kept for the organiser.
    hidden: Mapped[bool] = mapped_column(default=False)
    condition_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event_question.id", ondelete="SET NULL"), default=None
    )
    condition_option_id: Mapped[int | None] = mapped_column(
        # Options point at their question: one of the two keys is added after both tables.
        sa.ForeignKey("question_option.id", ondelete="SET NULL", use_alter=True),
        default=None,
    )
    condition_checked: Mapped[bool | None] = mapped_column(default=None)
    in_person_only: Mapped[bool] = mapped_column(default=False)
    max_length: Mapped[int | None] = mapped_column(default=None)
    min_value: Mapped[float | None] = mapped_column(sa.Float, default=None)
    max_value: Mapped[float | None] = mapped_column(sa.Float, default=None)

    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="QuestionOption.position",
        foreign_keys="QuestionOption.question_id",
    )

    @property
    def has_options(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def has_condition(self) -> bool:
        return self.condition_question_id is not None

    def visible_options(self) -> list[QuestionOption]:
        return [option for option in self.options if not option.hidden]

    def __repr__(self) -> str:
        return f"<EventQuestion {self.id} {self.kind}>"


class QuestionOption(db.Model):
    """One answer to choose for a choice question; renaming it keeps its answers."""

    __tablename__ = "question_option"
    __table_args__ = (
        sa.Index("ix_question_option_question_id_position", "question_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("event_question.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(200))
    hidden: Mapped[bool] = mapped_column(default=False)

    question: Mapped[EventQuestion] = relationship(
        back_populates="options", foreign_keys=[question_id]
    )


class RegistrationAnswer(db.Model):
    """A registration's answer to one question: text (and country code), number or yes/no;
    chosen options are rows of AnswerChoice, so counting them is one GROUP BY."""

    __tablename__ = "registration_answer"
    __table_args__ = (
        sa.UniqueConstraint("registration_id", "question_id", name="uq_registration_answer"),
        sa.Index("ix_registration_answer_question_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("event_question.id", ondelete="CASCADE"))
    text_value: Mapped[str | None] = mapped_column(sa.Text, default=None)
    number_value: Mapped[float | None] = mapped_column(sa.Float, default=None)
    bool_value: Mapped[bool | None] = mapped_column(default=None)

    choices: Mapped[list[AnswerChoice]] = relationship(cascade="all, delete-orphan")


class AnswerChoice(db.Model):
    """One option chosen in an answer."""

    __tablename__ = "answer_choice"
    __table_args__ = (sa.Index("ix_answer_choice_option_id", "option_id"),)

    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration_answer.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_option.id", ondelete="CASCADE"), primary_key=True
    )

"""The organiser's form for one registration question."""

from __future__ import annotations

import math

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, StopValidation, ValidationError

from webapp.events.models import EventFormat
from webapp.forms import Form, SingleLine, at_most, clean_text, line_field
from webapp.organiser.labels import QUESTION_KIND
from webapp.organiser.questions import QuestionSpec
from webapp.registration.question_fields import LONG_TEXT_MAX
from webapp.registration.question_models import ChoiceDisplay, QuestionKind

MAX_OPTIONS = 50


def _finite(form, field):
    # WTForms reads "nan" and "inf" as floats: a bound must be a real number.
    if field.process_errors or (field.data is not None and not math.isfinite(field.data)):
        field.errors[:] = []
        raise StopValidation(_("Enter a number, such as 12 or 2.5."))


def option_lines(text: str | None) -> tuple[str, ...]:
    """The answers to choose from: one per non-empty line, trimmed."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


class QuestionForm(Form):
    """Label, help, kind, required, answers to choose from, limits and a condition."""

    label = line_field(_l("Question"), 200, required=_l("Enter the question."))
    help_text = line_field(_l("Help text"), 500)
    kind = SelectField(
        _l("Type of answer"),
        choices=[SelectChoice(kind.value, QUESTION_KIND[kind.value]) for kind in QuestionKind],
        validators=[InputRequired(_l("Choose the type of answer."))],
        invalid_choice_message=_l("Choose one of the types in the list."),
    )
    required = BooleanField(_l("An answer is required"))
    options = TextAreaField(
        _l("Answers to choose from"),
        filters=[clean_text],
        validators=[at_most(MAX_OPTIONS * 201), SingleLine(multiline=True)],
    )
    display = RadioField(
        _l("Show one-answer lists as"),
        choices=[
            SelectChoice(ChoiceDisplay.RADIO.value, _l("Radio buttons")),
            SelectChoice(ChoiceDisplay.SELECT.value, _l("A drop-down list")),
        ],
        default=ChoiceDisplay.RADIO.value,
        validators=[InputRequired(_l("Choose how to show the list."))],
        invalid_choice_message=_l("Choose radio buttons or a drop-down list."),
    )
    max_length = IntegerField(
        _l("Longest answer (characters)"),
        validators=[
            Optional(),
            NumberRange(1, LONG_TEXT_MAX, _l("Enter a number from %(min)s to %(max)s.")),
        ],
    )
    min_value = FloatField(_l("Smallest number"), validators=[Optional(), _finite])
    max_value = FloatField(_l("Largest number"), validators=[Optional(), _finite])
    condition = SelectField(
        _l("Show this question"),
        invalid_choice_message=_l("Choose an answer of an earlier question."),
    )
    in_person_only = BooleanField(_l("Only for people attending in person"))

    def __init__(self, *args, conditions=(), event_format: EventFormat, **kwargs):
        super().__init__(*args, **kwargs)
        always = SelectChoice("", _("Always"))
        self.condition.choices = [always] + [
            SelectChoice(
                value, _("Only if “%(question)s” is answered “%(answer)s”", question=q, answer=a)
            )
            for value, q, a in conditions
        ]
        if event_format != EventFormat.HYBRID:
            del self.in_person_only

    def validate_options(self, field):
        lines = option_lines(field.data)
        if self.kind.data not in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            return
        if not lines:
            raise ValidationError(_("Give at least one answer to choose from, one per line."))
        if len(lines) > MAX_OPTIONS:
            raise ValidationError(_("Give at most %(num)d answers.", num=MAX_OPTIONS))
        if any(len(line) > 200 for line in lines):
            raise ValidationError(_("Keep each answer to at most 200 characters."))
        if len(set(lines)) != len(lines):
            raise ValidationError(_("Give each answer only once."))

    def validate_max_value(self, field):
        low = self.min_value.data
        if field.data is not None and low is not None and not field.errors and low > field.data:
            raise ValidationError(_("The largest number must not be below the smallest."))

    def load(self, question) -> None:
        """Fill the form from a stored question."""
        self.label.data, self.help_text.data = question.label, question.help_text
        self.kind.data, self.required.data = question.kind.value, question.required
        self.display.data = question.display.value
        self.options.data = "\n".join(o.label for o in question.visible_options())
        self.max_length.data = question.max_length
        self.min_value.data, self.max_value.data = question.min_value, question.max_value
        self.condition.data = condition_value(question)
        if hasattr(self, "in_person_only"):
            self.in_person_only.data = question.in_person_only

    def to_spec(self) -> QuestionSpec:
        """The validated input for the editor's services."""
        kind = QuestionKind(self.kind.data)
        in_person = getattr(self, "in_person_only", None)
        numbers = kind == QuestionKind.NUMBER
        texts = kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
        return QuestionSpec(
            kind=kind,
            label=self.label.data,
            help_text=self.help_text.data or "",
            required=self.required.data,
            display=ChoiceDisplay(self.display.data),
            options=option_lines(self.options.data),
            condition=self.condition.data or "",
            in_person_only=bool(in_person and in_person.data),
            max_length=self.max_length.data if texts else None,
            min_value=self.min_value.data if numbers else None,
            max_value=self.max_value.data if numbers else None,
        )


def condition_value(question) -> str:
    """The condition field's value for a stored question ('' when always shown)."""
    if question.condition_question_id is None:
        return ""
    if question.condition_checked is not None:
        answer = "yes" if question.condition_checked else "no"
        return f"{question.condition_question_id}:{answer}"
    return f"{question.condition_question_id}:{question.condition_option_id}"

"""The WTForms field that asks each kind of registration question, with its validators."""

from __future__ import annotations

import math

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FloatField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.countries import country_choices, country_codes
from webapp.forms import SingleLine, at_most, clean_text
from webapp.i18n import localised_number
from webapp.registration.question_models import (
    CHOICE_KINDS,
    ChoiceDisplay,
    EventQuestion,
    QuestionKind,
)

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000


def text_limit(question: EventQuestion) -> int:
    """The most characters an answer may have: the organiser's limit within the kind's."""
    ceiling = LONG_TEXT_MAX if question.kind == QuestionKind.LONG_TEXT else SHORT_TEXT_MAX
    return min(question.max_length or ceiling, ceiling)


def _number(form, field):
    # WTForms reads "nan", "inf" and "1e999" as floats; none of them is a number to store.
    if field.process_errors or (field.data is not None and not math.isfinite(field.data)):
        field.errors[:] = []
        raise StopValidation(_("Enter a number, such as 12 or 2.5."))


class RequiredIfAsked:
    """'Required' for a question that applies to this person (the form decides which)."""

    def __init__(self, question: EventQuestion):
        self.question_id = question.id
        self.kind = question.kind
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if self.question_id not in form.asked_ids:
            raise StopValidation()
        if field.process_errors or field.data not in (None, "", [], False):
            return
        if self.kind in CHOICE_KINDS:
            message = _("Choose an answer.")
        elif self.kind == QuestionKind.CHECKBOX:
            message = _("Tick this box to register.")
        else:
            message = _("Answer this question.")
        raise StopValidation(message)


class SkipIfNotAsked:
    """Validation stops for a question that does not apply; its answer is dropped."""

    def __init__(self, question: EventQuestion):
        self.question_id = question.id

    def __call__(self, form, field):
        if self.question_id not in form.asked_ids:
            raise StopValidation()


class _EmptyAllowed:
    # An unanswered optional choice is no wrong choice; "required" is a validator's job.
    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        super().pre_validate(form)


class ChoiceRadioField(_EmptyAllowed, RadioField):
    """Radio buttons that may be left unanswered."""


class ChoiceSelectField(_EmptyAllowed, SelectField):
    """A drop-down that may be left at its placeholder."""


def _presence(question: EventQuestion) -> list:
    if question.required:
        return [RequiredIfAsked(question)]
    return [SkipIfNotAsked(question), Optional()]


def _option_choices(question: EventQuestion) -> list[SelectChoice]:
    return [SelectChoice(str(option.id), option.label) for option in question.visible_options()]


def build_field(question: EventQuestion):
    """The WTForms field (unbound) that asks `question`."""
    label, help_text = question.label, question.help_text
    presence = _presence(question)
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        long = kind == QuestionKind.LONG_TEXT
        cls = TextAreaField if long else StringField
        return cls(
            label,
            description=help_text,
            filters=[clean_text],
            validators=[*presence, at_most(text_limit(question)), SingleLine(multiline=long)],
        )
    if kind == QuestionKind.NUMBER:
        return FloatField(
            label,
            description=help_text,
            validators=[*presence, _number, Within(question.min_value, question.max_value)],
        )
    if kind == QuestionKind.CHECKBOX:
        return BooleanField(label, description=help_text, validators=presence)
    if kind == QuestionKind.COUNTRY:
        return SelectField(
            label,
            description=help_text,
            choices=lambda: country_choices(_("Select a country")),
            validate_choice=False,
            validators=[
                *presence,
                AnyOf(country_codes(), message=_l("Select a country from the list.")),
            ],
        )
    return _choice_field(question, presence)


class Within:
    """A number within the question's bounds; the bounds read as the page's language writes
    numbers ("2,5" in Danish), and whole ones without decimals."""

    def __init__(self, low: float | None, high: float | None):
        self.low, self.high = low, high

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if (self.low is None or value >= self.low) and (self.high is None or value <= self.high):
            return
        low, high = (
            localised_number(_plain(bound)) if bound is not None else ""
            for bound in (self.low, self.high)
        )
        if self.low is not None and self.high is not None:
            raise ValidationError(_("Enter a number from %(min)s to %(max)s.", min=low, max=high))
        if self.low is not None:
            raise ValidationError(_("Enter a number of at least %(min)s.", min=low))
        raise ValidationError(_("Enter a number of at most %(max)s.", max=high))


def _plain(number: float) -> int | float:
    return int(number) if number.is_integer() else number


def _choice_field(question: EventQuestion, presence: list):
    choices = _option_choices(question)
    invalid = _l("Choose one of the answers given.")
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return SelectMultipleField(
            question.label,
            description=question.help_text,
            choices=choices,
            validators=presence,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            invalid_choice_message=invalid,
        )
    if question.display == ChoiceDisplay.SELECT:
        return ChoiceSelectField(
            question.label,
            description=question.help_text,
            choices=[SelectChoice("", _l("Choose…")), *choices],
            validators=presence,
            invalid_choice_message=invalid,
        )
    return ChoiceRadioField(
        question.label,
        description=question.help_text,
        choices=choices,
        validators=presence,
        invalid_choice_message=invalid,
    )

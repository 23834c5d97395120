"""Form building blocks that the registration and organiser forms share."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp import text


class SingleLine:
    """No control characters, line breaks or direction overrides (webapp.text)."""

    def __init__(self, *, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        value = field.data or ""
        if any(text.breaks_a_line(char, multiline=self.multiline) for char in value):
            kind = "control characters" if self.multiline else "line breaks or control characters"
            raise ValidationError(f"Please remove {kind}.")


def clean_text(value: str | None) -> str | None:
    """A form filter: NFC-normalised and trimmed (webapp.text.clean)."""
    return text.clean(value)


def line_field(
    label: str, max_length: int, *, required: str | None = None, extra=()
) -> StringField:
    """A single-line text field: trimmed, at most `max_length` characters, no line breaks;
    `required` is the message for an empty one (optional when None)."""
    presence = DataRequired(required) if required else Optional()
    return StringField(
        label,
        filters=[clean_text],
        validators=[
            presence,
            Length(max=max_length, message=f"Use at most {max_length} characters."),
            SingleLine(),
            *extra,
        ],
    )

"""The admin form for the origins allowed to frame the embedded list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from webapp.embed import origins
from webapp.forms import Form, at_most


class EmbeddingForm(Form):
    """One origin per line; every line must be a valid origin."""

    allowed_origins = TextAreaField(
        _l("Sites allowed to embed the event list"), validators=[at_most(5000)]
    )

    def validate_allowed_origins(self, field) -> None:
        _, errors = origins.parse_origins(field.data or "")
        if errors:
            raise ValidationError(" ".join(errors))

    def origins(self) -> list[str]:
        """The validated origins, normalised."""
        return origins.parse_origins(self.allowed_origins.data or "")[0]

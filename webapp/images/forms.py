"""The organiser's image upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from webapp.forms import Form


class ImageForm(Form):
    """One file; what it holds is checked by webapp.images.processing."""

    image = FileField(_l("Image"), validators=[FileRequired(_l("Choose an image file."))])

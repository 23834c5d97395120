"""The messages WTForms and Flask-WTF write themselves, marked so that they are extracted.

WTForms ships no Danish catalogue, and its Swedish and German wording differs from ours,
so every form of Convene (webapp.forms.Form) looks these up in Convene's own catalogue,
under the libraries' English text as msgid. This module lists every message of theirs a
form of ours can produce; `make translations` extracts them from here. A message missing
here stays English in every language, so add it when a form starts to use a new field or
validator of the libraries.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

# wtforms.validators
VALIDATORS = (
    _l("This field is required."),
    _l("Field must be equal to %(other_name)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
)
PLURAL_VALIDATORS = (
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    ),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    ),
    lazy_ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        1,
    ),
)

# wtforms.fields
FIELDS = (
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
)
PLURAL_FIELDS = (
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
)

# flask_wtf.csrf: the form's CSRF field, and CSRFProtect's 400 (CSRFError.description)
CSRF = (
    _l("The CSRF token is missing."),
    _l("The CSRF session token is missing."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _l("The CSRF tokens do not match."),
    _l("The referrer header is missing."),
    _l("The referrer does not match the host."),
)

# webapp.mail.addresses.NON_ASCII_LOCAL_PART, which the registration and organiser forms
# show (registration.forms.mailable_address looks it up in the catalogue).
OTHER = (
    _l(
        "Our mail server can only deliver to addresses with unaccented Latin letters, digits "
        "and punctuation before the @. Please use another email address."
    ),
)

# The text of templates/_macros/forms.html: pybabel's extraction (and the catalogue test)
# skip directories whose name starts with "_", so its messages are marked here.
MACROS = (
    _l("(optional)"),
    lazy_ngettext(
        "Please correct this %(num)d problem", "Please correct these %(num)d problems", 1
    ),
)

"""The words an import file may use: column titles and attendance modes in English, Danish,
Swedish and German. Matched without case, accents, spaces or punctuation
(webapp.registration.imports), so "E-Mail", "e-mail" and "Email" are one title.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.registration.models import AttendanceMode

# Column titles for each field.
HEADERS = {
    "first_name": ("first name", "firstname", "given name", "fornavn", "förnamn", "vorname"),
    "last_name": (
        "last name",
        "surname",
        "family name",
        "efternavn",
        "eftenavn",
        "efternamn",
        "nachname",
        "familienname",
    ),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "e-mailadresse",
        "e-post",
        "e-postadress",
        "epost",
        "e-mail-adresse",
        "mailadresse",
    ),
    "organisation": (
        "organisation",
        "organization",
        "company",
        "organisation name",
        "virksomhed",
        "firma",
        "organisationen",
        "företag",
        "unternehmen",
        "institution",
    ),
    "role": (
        "role",
        "job title",
        "title",
        "position",
        "rolle",
        "stilling",
        "jobtitel",
        "roll",
        "befattning",
        "titel",
        "funktion",
        "role or job title",
    ),
    "country": ("country", "country code", "land", "landekode", "landskod", "staat"),
    "attendance_mode": (
        "attendance",
        "attendance mode",
        "mode",
        "deltagelse",
        "deltagelsesform",
        "deltagande",
        "deltagandeform",
        "teilnahme",
        "teilnahmeart",
    ),
    "needs": (
        "needs",
        "accessibility or dietary needs",
        "behov",
        "særlige behov",
        "särskilda behov",
        "bedürfnisse",
        "besondere bedürfnisse",
    ),
    "language": ("language", "sprog", "språk", "sprache"),
}
MODES = {
    AttendanceMode.IN_PERSON: (
        "in person",
        "in_person",
        "onsite",
        "on site",
        "fysisk",
        "fremmøde",
        "på plats",
        "vor ort",
        "präsenz",
        "personlich",
    ),
    AttendanceMode.ONLINE: ("online", "virtual", "virtuel", "virtuell", "digital"),
}

# What the columns are called on the organiser's pages.
FIELD_LABELS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("Email"),
    "organisation": _l("Organisation"),
    "role": _l("Role"),
    "country": _l("Country"),
    "attendance_mode": _l("Attendance"),
    "needs": _l("Needs"),
    "language": _l("Language"),
}

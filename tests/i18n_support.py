"""What the language tests share: the site's languages, a webinar's title in each, and how
each language writes the Brussels webinar of Sunday 28 February 2027, 18:00–19:30 (CET)."""

from __future__ import annotations

LANGUAGES = ("en", "da", "sv", "de")
WEBINAR_TITLES = {
    "en": "Regional innovation webinar",
    "da": "Webinar om regional innovation",
    "sv": "Webbinarium om regional innovation",
    "de": "Webinar zur regionalen Innovation",
}
WINTER_WEBINAR_TIME = {
    "en": "Sun 28 Feb 2027, 18:00–19:30 CET",
    "da": "søn. 28. feb. 2027 kl. 18.00–19.30 CET",
    "sv": "sön 28 feb. 2027 kl. 18:00–19:30 CET",
    "de": "So., 28. Feb. 2027, 18:00–19:30 CET",
}

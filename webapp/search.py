"""Text search that ignores case and accents in every script, the same on every database.

Stored text and search words are folded by the one function below, in Python, so the
database only compares plain strings with LIKE: no collation, extension or SQL function
is involved, and SQLite and PostgreSQL give the same answers. Folding decomposes
(NFKD: "ö" -> "o" + diaeresis, "ﬁ" -> "fi"), drops the combining marks, case-folds
("ß" -> "ss", "Σ"/"ς" -> "σ") and spells out the letters that do not decompose
("ø" -> "o", "æ" -> "ae", "ł" -> "l").
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa

# Letters with a stroke or ligatures that Unicode does not decompose, as people type them
# on a keyboard without them; the Catalan middle dot (l·l) is left out for the same reason.
LETTERS = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "ƀ": "b",
        "ƶ": "z",
        "ɨ": "i",
        "ʉ": "u",
        "·": "",
        "’": "'",
        "‘": "'",
    }
)
# More words than this add nothing a person means to ask for, and each costs a LIKE per row.
MAX_WORDS = 10


def fold(text: str) -> str:
    """`text` without case or accents, for matching: "Malmö, ØRESUND" -> "malmo, oresund"."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return without_marks.casefold().translate(LETTERS)


def search_words(query: str) -> list[str]:
    """The folded, distinct words of a search query, at most MAX_WORDS of them."""
    return list(dict.fromkeys(fold(query).split()))[:MAX_WORDS]


def every_word_in(column: sa.ColumnElement[str], query: str) -> list[sa.ColumnElement[bool]]:
    """Conditions that `column` (holding folded text) contains each word of `query`.

    LIKE wildcards typed by people (% and _) are matched literally.
    """
    return [column.contains(word, autoescape=True) for word in search_words(query)]

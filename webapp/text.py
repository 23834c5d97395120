"""The rules for text that must stay on one line, in one place for forms, mail and calendars.

A header, a calendar property or a form's single-line field ends where a line break is, so
every such value is checked (forms refuse; builders refuse what slipped past) or flattened
(one_line) with the same idea of what breaks or disguises a line: C0 and C1 controls (CR,
LF, TAB, NEL...), the Unicode line and paragraph separators, and bidirectional overrides.
"""

from __future__ import annotations

import re
import unicodedata

# Reverse or isolate the direction of what follows: text could show other than it reads.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What a multi-line text field may hold of the above.
MULTILINE_ALLOWED = frozenset("\r\n\t")
# Everything str.splitlines() splits on, plus the other controls, which no reader expects.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")


def clean(value: str | None) -> str | None:
    """NFC-normalised and trimmed, so "é" typed either way is stored the same."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip()


def breaks_a_line(char: str, *, multiline: bool = False) -> bool:
    """Whether a character may not appear in single-line text (or, with `multiline`, in
    text whose only allowed controls are CR, LF and TAB)."""
    if multiline and char in MULTILINE_ALLOWED:
        return False
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in BIDI_CONTROLS


def has_control_characters(value: str) -> bool:
    """Whether a value holds a line break or another control character."""
    return bool(_CONTROLS.search(value))


def one_line(text: str | None, limit: int | None = None) -> str:
    """Text flattened onto one line: controls and runs of white space become one space, cut
    at `limit` characters (never leaving a space at the end)."""
    flat = _SPACES.sub(" ", _CONTROLS.sub(" ", text or "")).strip()
    return flat[:limit].rstrip() if limit is not None else flat

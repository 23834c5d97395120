"""iCalendar content lines written directly, for the VEVENTs built on every feed and invite.

icalendar builds a component as objects and folds each line one character at a time, which
costs about 0.3 ms per event (most of the time of a 1,000-event feed) and about 1 ms per
invite (a fifth of a registration). The VEVENTs of webapp.calendar.ics are therefore
written with these helpers, which produce the same bytes icalendar would: its TEXT
escaping, its parameter quoting, its property order, and folding with its rules (at most
74 octets before a fold, never inside a UTF-8 sequence, never right after a backslash or
caret). tests/test_calendar_entries.py holds the two outputs equal.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, tzinfo

from icalendar import Event as VEvent
from icalendar.parser import Parameters
from icalendar.timezone.tzid import is_utc

# icalendar writes these first, in this order, then every other property by name.
CANONICAL_ORDER = VEvent.canonical_order
FOLD_AT = 74  # icalendar folds before the character that would make a line 75 octets
ESCAPE_PREFIXES = b"\\^"


def text(value: str) -> str:
    """A TEXT value escaped as icalendar escapes it (RFC 5545 3.3.11; any line break is \\n)."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def raw(value: str) -> str:
    """A value written as it is (a URI, an address), refused if a line break would end the
    line early: TEXT values are escaped by text(), these are not."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"a line break inside a calendar value: {value[:40]!r}")
    return value


def utc_stamp(instant: datetime) -> str:
    """A DATE-TIME in UTC: 20270228T170000Z."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def date_time_line(name: str, when: datetime) -> str:
    """DTSTART/DTEND: local time with TZID, or with Z in a zone icalendar counts as UTC."""
    zone = tzid(when)
    if zone is None:
        return f"{name}:{utc_stamp(when)}"
    return f"{name};TZID={zone}:{when:%Y%m%dT%H%M%S}"


def tzid(when: datetime) -> str | None:
    """The TZID a local time is written with; None for UTC (written with Z)."""
    return None if _is_utc(when.tzinfo) else when.tzinfo.key


@functools.lru_cache(maxsize=512)
def _is_utc(zone: tzinfo) -> bool:
    return is_utc(zone)


def _folded(line: str) -> str:
    """One content line, folded (without its final CRLF)."""
    if len(line) <= FOLD_AT and line.isascii():
        return line
    data = line.encode("utf-8")
    if len(data) <= FOLD_AT:
        return line
    pieces, start = [], 0
    while len(data) - start > FOLD_AT:
        end = start + FOLD_AT
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: not a boundary
            end -= 1
        if data[end - 1] in ESCAPE_PREFIXES:  # keep an escape with what it escapes
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode("utf-8")


def component(name: str, properties: dict[str, str], subcomponents: bytes = b"") -> bytes:
    """BEGIN/END around the properties (name -> whole unfolded line), in icalendar's order."""
    lines = map(_folded, map(properties.__getitem__, _order(tuple(properties))))
    body = f"BEGIN:{name}\r\n" + "\r\n".join(lines) + "\r\n"
    return body.encode("utf-8") + subcomponents + f"END:{name}\r\n".encode()


@functools.lru_cache(maxsize=64)
def _order(names: tuple[str, ...]) -> tuple[str, ...]:
    first = [key for key in CANONICAL_ORDER if key in names]
    return (*first, *sorted(key for key in names if key not in CANONICAL_ORDER))


def parameters(values: dict[str, str]) -> str:
    """';NAME=value...' with icalendar's quoting and RFC 6868 escapes, sorted by name."""
    return ";" + Parameters(values).to_ical().decode("utf-8")

"""VTIMEZONE components generated from zoneinfo, shaped the way Outlook reads them.

Why our own generator: icalendar 7.3's `Timezone.from_tzinfo()` (behind
`add_missing_timezones()`) writes every transition since 1970 as RDATE lists, starts with
an extra STANDARD block, stops at 2038, and puts the *new* local time in a DAYLIGHT
onset: for Europe/Brussels in 2027 it writes `DTSTART:...T030000` with TZOFFSETFROM +0100,
i.e. 02:00Z, while zoneinfo (and the law) switch at 01:00Z. RFC 5545 wants the onset as
local time *before* the switch (02:00 CET). Outlook keeps only one STANDARD/DAYLIGHT pair,
so long RDATE lists and two STANDARD blocks have shifted events by an hour there.

What we write, for the years a file needs (the year before the first event, so every
event has an observance in force, through the year of the last):
- a zone with no transitions (Asia/Kolkata): one STANDARD, DTSTART 19700101T000000;
- a zone with one yearly switch each way (Europe, North America, Australia): one STANDARD
  and one DAYLIGHT, each with a yearly RRULE (`BYMONTH=3;BYDAY=-1SU`) derived from the
  real transitions and checked against zoneinfo for every year involved;
- anything else (rules that changed within the span, non-weekday rules): the offset in
  force at the start plus each transition as an RDATE, correct everywhere but less
  Outlook-friendly; such zones are rare.
All DTSTARTs are local times in the observance's TZOFFSETFROM, never UTC (`Z`).
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from webapp.timezones import get_zone

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Offsets are compared this far apart, and a change found between two probes is bisected to
# the second. Two changes closer than this that cancel out would go unseen: the closest in
# tzdata since 2000 are a week apart (America/Boa_Vista, October 2000).
PROBE_STEP = timedelta(days=3)
NO_TRANSITIONS_START = datetime(1970, 1, 1)  # noqa: DTZ001 (a local time by definition)


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset: the instant, the offsets either side, the name after."""

    at: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str

    @property
    def local_onset(self) -> datetime:
        """The onset as RFC 5545 wants it: wall time in the offset before the change."""
        return (self.at + self.offset_from).replace(tzinfo=None)


@dataclass(frozen=True)
class Observance:
    """One STANDARD or DAYLIGHT sub-component, as plain values."""

    daylight: bool
    start: datetime  # local, naive
    offset_from: timedelta
    offset_to: timedelta
    name: str
    rrule: tuple[tuple[str, object], ...] = ()
    rdates: tuple[datetime, ...] = ()


def transitions(zone_name: str, year: int) -> list[Transition]:
    """The offset changes of a zone during a (UTC) calendar year, from zoneinfo."""
    zone = get_zone(zone_name)
    moment, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    found = []
    while moment < end:
        following = min(moment + PROBE_STEP, end)
        if following.astimezone(zone).utcoffset() != offset:
            at = _bisect(zone, moment, following, offset)
            after = at.astimezone(zone)
            found.append(Transition(at, offset, after.utcoffset(), after.tzname() or ""))
            offset = after.utcoffset()
            following = at  # another change may follow within the same step
        moment = following
    return found


def _bisect(zone, low: datetime, high: datetime, offset: timedelta) -> datetime:
    """The first second in (low, high] whose offset differs from `offset`."""
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high


def vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for events between the given years (inclusive)."""
    component = Timezone()
    component.add("TZID", zone_name)
    component.add("X-LIC-LOCATION", zone_name)
    for observance in observances(zone_name, first_year - 1, last_year):
        sub = TimezoneDaylight() if observance.daylight else TimezoneStandard()
        sub.add("DTSTART", observance.start)
        sub.add("TZOFFSETFROM", observance.offset_from)
        sub.add("TZOFFSETTO", observance.offset_to)
        if observance.name:
            sub.add("TZNAME", observance.name)
        if observance.rrule:
            sub.add("RRULE", dict(observance.rrule))
        if observance.rdates:
            sub.add("RDATE", list(observance.rdates))
        component.add_component(sub)
    return component


@functools.lru_cache(maxsize=512)
def observances(zone_name: str, first_year: int, last_year: int) -> tuple[Observance, ...]:
    """The STANDARD/DAYLIGHT observances that describe the zone from first to last year."""
    years = range(first_year, last_year + 1)
    by_year = [transitions(zone_name, year) for year in years]
    if not any(by_year):
        at = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(get_zone(zone_name))
        offset = at.utcoffset() or timedelta(0)
        return (Observance(False, NO_TRANSITIONS_START, offset, offset, at.tzname() or ""),)
    return _yearly_pair(by_year) or _listed(zone_name, first_year, by_year)


def _yearly_pair(by_year: list[list[Transition]]) -> tuple[Observance, ...] | None:
    """One STANDARD and one DAYLIGHT with RRULEs, if every year follows the same two rules."""
    if any(len(year) != 2 for year in by_year):
        return None
    pair = [_ruled_observance([year[index] for year in by_year]) for index in (0, 1)]
    if None in pair:
        return None
    standard, daylight = sorted(pair, key=lambda o: o.daylight)
    if standard.daylight or not daylight.daylight or standard.offset_to != daylight.offset_from:
        return None
    return standard, daylight


def _ruled_observance(series: list[Transition]) -> Observance | None:
    """The observance for the same switch in successive years, if one yearly rule fits."""
    first = series[0]
    offsets = (first.offset_from, first.offset_to)
    if any((t.offset_from, t.offset_to) != offsets for t in series):
        return None
    rule = _weekday_rule(series)
    if rule is None:
        return None
    daylight = first.offset_to > first.offset_from
    return Observance(daylight, first.local_onset, *offsets, first.name, rule)


def _weekday_rule(series: list[Transition]) -> tuple[tuple[str, object], ...] | None:
    """A yearly BYMONTH/BYDAY rule (e.g. last Sunday of March) matching every onset, or None."""
    onset = series[0].local_onset
    weekday = WEEKDAYS[onset.weekday()]
    candidates = []
    if onset.day + 7 > calendar.monthrange(onset.year, onset.month)[1]:
        candidates.append(-1)
    candidates.append((onset.day - 1) // 7 + 1)
    for nth in candidates:
        if all(
            _rule_date(t.local_onset.year, onset.month, onset.weekday(), nth)
            == t.local_onset.date()
            and t.local_onset.time() == onset.time()
            for t in series
        ):
            return (("FREQ", "YEARLY"), ("BYMONTH", onset.month), ("BYDAY", f"{nth}{weekday}"))
    return None


def _rule_date(year: int, month: int, weekday: int, nth: int):
    """The nth (or last, for -1) given weekday of a month."""
    days = [
        day
        for day in range(1, calendar.monthrange(year, month)[1] + 1)
        if calendar.weekday(year, month, day) == weekday
    ]
    return datetime(year, month, days[nth - 1] if nth > 0 else days[-1]).date()  # noqa: DTZ001


def _listed(
    zone_name: str, first_year: int, by_year: list[list[Transition]]
) -> tuple[Observance, ...]:
    """The offset in force at the start, then every transition as a dated observance."""
    zone = get_zone(zone_name)
    start = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone)
    offset = start.utcoffset() or timedelta(0)
    grouped: dict[tuple, list[datetime]] = {}
    for transition in (t for year in by_year for t in year):
        key = (
            transition.offset_to > transition.offset_from,
            transition.offset_from,
            transition.offset_to,
            transition.name,
        )
        grouped.setdefault(key, []).append(transition.local_onset)
    result = [
        Observance(
            bool(start.dst()), start.replace(tzinfo=None), offset, offset, start.tzname() or ""
        )
    ]
    for (daylight, offset_from, offset_to, name), onsets in grouped.items():
        result.append(
            Observance(daylight, onsets[0], offset_from, offset_to, name, (), tuple(onsets[1:]))
        )
    return tuple(result)

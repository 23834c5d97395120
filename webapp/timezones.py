"""Wall-clock time in an IANA zone <-> UTC instants, with explicit DST rules, and formatting.

The organiser's local wall time and zone are the truth; UTC instants are derived from them.

Rules at the daylight-saving switches:
- A local time inside the spring-forward gap (e.g. 02:30 on the last Sunday of March in
  Europe/Brussels) does not exist: it is rejected with NonexistentLocalTime.
- A local time inside the autumn fall-back overlap (e.g. 02:30 on the last Sunday of
  October in Europe/Brussels) happens twice: we take the FIRST occurrence, i.e. the
  earlier instant, still on summer time (fold=0).
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import click
from flask_babel import gettext

from webapp import i18n


class TimezoneError(ValueError):
    """A local time that cannot be turned into an instant, with a readable message."""


class UnknownTimezone(TimezoneError):
    pass


class NonexistentLocalTime(TimezoneError):
    pass


@functools.cache
def all_zone_names() -> tuple[str, ...]:
    """Sorted canonical IANA zone names, for pickers and validation."""
    names = {n for n in available_timezones() if "/" in n or n == "UTC"}
    names -= {n for n in names if n.startswith(("Etc/", "SystemV/", "posix/", "right/"))}
    return tuple(sorted(names))


@functools.lru_cache(maxsize=512)
def get_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or UnknownTimezone."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        raise UnknownTimezone(f"Unknown time zone: {name!r}.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UnknownTimezone(f"Unknown time zone: {name!r}.") from exc


def is_ambiguous(local: datetime, zone_name: str) -> bool:
    """True when the wall time occurs twice (autumn fall-back)."""
    zone = get_zone(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    return first.utcoffset() != second.utcoffset() and _exists(local, zone)


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    for fold in (0, 1):
        aware = local.replace(tzinfo=zone, fold=fold)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local:
            return True
    return False


def to_utc(local: datetime, zone_name: str) -> datetime:
    """Convert a naive wall-clock time in `zone_name` to an aware UTC instant.

    Raises NonexistentLocalTime in the spring gap; takes the first occurrence in the
    autumn overlap (see module docstring).
    """
    if local.tzinfo is not None:
        raise TimezoneError("Expected a wall-clock time without a zone.")
    zone = get_zone(zone_name)
    if not _exists(local, zone):
        raise NonexistentLocalTime(
            f"{local:%d %b %Y %H:%M} does not exist in {zone_name}: the clocks skip it "
            "when daylight saving time starts. Choose a time outside that hour."
        )
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def to_local(instant: datetime, zone_name: str) -> datetime:
    """An aware instant as an aware datetime in the named zone."""
    if instant.tzinfo is None:
        raise TimezoneError("Expected an aware instant.")
    return instant.astimezone(get_zone(zone_name))


def abbreviation(instant: datetime, zone_name: str) -> str:
    """Zone abbreviation in force at the instant, e.g. CET or CEST; a numeric one if none."""
    return to_local(instant, zone_name).tzname() or utc_offset_label(instant, zone_name)


def utc_offset_label(instant: datetime, zone_name: str) -> str:
    """The UTC offset at the instant, e.g. 'UTC+01:00' or 'UTC+05:30'."""
    offset = to_local(instant, zone_name).utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_day(day: date, language: str | None = None) -> str:
    """'Sun 28 Feb 2027', 'søn. 28. feb. 2027' (in the page's language unless given)."""
    return i18n.localised_day(day, language)


def format_instant(instant: datetime, zone_name: str, language: str | None = None) -> str:
    """One moment in the zone, with its abbreviation: 'Sun 28 Feb 2027, 18:00 CET',
    'søn. 28. feb. 2027 kl. 18.00 CET'."""
    local = to_local(instant, zone_name)
    day, clock = format_day(local.date(), language), i18n.localised_time(local, language)
    return f"{i18n.join_day_time(day, clock, language)} {abbreviation(instant, zone_name)}"


def format_table_time(instant: datetime | None, zone_name: str) -> str:
    """A moment as '2027-02-28 18:00' in the zone, for tables that name the zone once."""
    return to_local(instant, zone_name).strftime("%Y-%m-%d %H:%M") if instant else ""


def format_range(
    starts_at: datetime, ends_at: datetime, zone_name: str, language: str | None = None
) -> str:
    """A human date/time range in the event's zone.

    Same day:   'Sun 28 Feb 2027, 18:00–19:30 CET' ('søn. 28. feb. 2027 kl. 18.00–19.30 CET')
    Multi-day:  '23–25 Nov 2027' (with month/year only where they differ)
    """
    start = to_local(starts_at, zone_name)
    end = to_local(ends_at, zone_name)
    if start.date() == end.date():
        start_abbr, end_abbr = start.tzname(), end.tzname()
        day = format_day(start.date(), language)
        start_clock = i18n.localised_time(start, language)
        end_part = i18n.localised_time(end, language)
        if start_abbr != end_abbr:
            clocks = f"{start_clock} {start_abbr}–{end_part} {end_abbr}"
            return i18n.join_day_time(day, clocks, language)
        return f"{i18n.join_day_time(day, f'{start_clock}–{end_part}', language)} {start_abbr}"
    return format_date_span(start.date(), end.date(), language)


def format_date_span(first: date, last: date, language: str | None = None) -> str:
    """'23–25 Nov 2027', '30 Nov – 2 Dec 2027', '30 Dec 2027 – 2 Jan 2028' (localised)."""

    def part(day: date, pattern: str) -> str:
        return i18n.localised_date_part(day, pattern, language)

    if (first.year, first.month) == (last.year, last.month):
        return f"{part(first, 'day_number')}–{part(last, 'day_number')} {part(last, 'MMM y')}"
    if first.year == last.year:
        return f"{part(first, 'day_month')} – {part(last, 'day_month')} {part(last, 'y')}"
    return f"{part(first, 'day_month')} {part(first, 'y')} – {part(last, 'day_month')} {part(last, 'y')}"


def format_time_span(
    starts_at: datetime, ends_at: datetime, zone_name: str, language: str | None = None
) -> str:
    """Hours of a multi-day event: 'Starts Tue 23 Nov, 09:00 CET; ends Thu 25 Nov, 16:00 CET'."""
    start = to_local(starts_at, zone_name)
    end = to_local(ends_at, zone_name)

    def moment(local: datetime) -> str:
        day = i18n.localised_date_part(local.date(), "EEE " + _day_month(language), language)
        clock = i18n.localised_time(local, language)
        return f"{i18n.join_day_time(day, clock, language)} {local.tzname()}"

    with i18n.language_if_given(language):
        return gettext("Starts %(start)s; ends %(end)s", start=moment(start), end=moment(end))


def _day_month(language: str | None) -> str:
    return i18n.date_pattern("day_month", language)


def iso_utc(instant: datetime) -> str:
    """'2027-02-28T17:00:00Z', for <time datetime> and exports."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant_option(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2027-03-01T08:00:00Z") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give a UTC offset, e.g. 2027-03-01T08:00:00Z")
    return parsed


# `--now` for the commands that cron runs: an aware instant, to pretend another time.
now_option = click.option(
    "--now", callback=_instant_option, help="Pretend it is this instant (ISO 8601)."
)

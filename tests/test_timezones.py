"""Wall time + IANA zone -> UTC, across DST switches, half-hour zones and the south."""

from datetime import UTC, datetime

import pytest

from tests.conftest import local
from webapp import timezones
from webapp.timezones import NonexistentLocalTime, UnknownTimezone


@pytest.mark.parametrize(
    ("wall", "zone", "expected_utc", "abbr", "offset"),
    [
        ("2027-02-28 18:00", "Europe/Brussels", "2027-02-28 17:00", "CET", "UTC+01:00"),
        ("2027-06-17 18:00", "Europe/Brussels", "2027-06-17 16:00", "CEST", "UTC+02:00"),
        ("2027-03-28 18:00", "Europe/Brussels", "2027-03-28 16:00", "CEST", "UTC+02:00"),
        ("2027-05-08 09:00", "Europe/Stockholm", "2027-05-08 07:00", "CEST", "UTC+02:00"),
        ("2027-01-15 10:00", "Asia/Kolkata", "2027-01-15 04:30", "IST", "UTC+05:30"),
        ("2027-01-15 10:00", "Australia/Sydney", "2027-01-14 23:00", "AEDT", "UTC+11:00"),
        ("2027-07-15 10:00", "Australia/Sydney", "2027-07-15 00:00", "AEST", "UTC+10:00"),
        ("2027-02-28 12:00", "America/New_York", "2027-02-28 17:00", "EST", "UTC-05:00"),
        ("2027-01-15 10:00", "America/St_Johns", "2027-01-15 13:30", "NST", "UTC-03:30"),
    ],
)
def test_wall_time_converts_to_utc_with_the_zone_in_force(wall, zone, expected_utc, abbr, offset):
    instant = timezones.to_utc(local(wall), zone)
    assert instant == local(expected_utc).replace(tzinfo=UTC)
    assert timezones.abbreviation(instant, zone) == abbr
    assert timezones.utc_offset_label(instant, zone) == offset


@pytest.mark.parametrize(
    ("wall", "zone"),
    [
        ("2027-03-28 02:30", "Europe/Brussels"),  # last Sunday of March: 02:00 -> 03:00
        ("2027-03-14 02:15", "America/New_York"),  # second Sunday of March
        ("2027-10-03 02:30", "Australia/Sydney"),  # first Sunday of October (spring there)
    ],
)
def test_time_inside_the_spring_gap_is_rejected_with_a_clear_message(wall, zone):
    with pytest.raises(NonexistentLocalTime, match="does not exist"):
        timezones.to_utc(local(wall), zone)


@pytest.mark.parametrize(
    ("wall", "zone", "first_utc"),
    [
        # 02:30 happens twice on the last Sunday of October; we take the first (summer) one.
        ("2027-10-31 02:30", "Europe/Brussels", "2027-10-31 00:30"),
        ("2027-11-07 01:30", "America/New_York", "2027-11-07 05:30"),
        ("2027-04-04 02:30", "Australia/Sydney", "2027-04-03 15:30"),
    ],
)
def test_ambiguous_time_in_the_autumn_overlap_takes_the_first_occurrence(wall, zone, first_utc):
    assert timezones.is_ambiguous(local(wall), zone)
    assert timezones.to_utc(local(wall), zone) == local(first_utc).replace(tzinfo=UTC)


def test_ordinary_times_are_not_ambiguous():
    assert not timezones.is_ambiguous(local("2027-10-31 04:30"), "Europe/Brussels")
    assert not timezones.is_ambiguous(local("2027-03-28 02:30"), "Europe/Brussels")


@pytest.mark.parametrize(
    "name", ["Mars/Olympus_Mons", "", "../../etc/passwd", " Europe/Brussels", "Europe"]
)
def test_unknown_zone_is_rejected(name):
    with pytest.raises(UnknownTimezone):
        timezones.to_utc(local("2027-02-28 18:00"), name)


def test_aware_input_is_refused():
    with pytest.raises(timezones.TimezoneError):
        timezones.to_utc(datetime(2027, 2, 28, 18, tzinfo=UTC), "Europe/Brussels")


def test_zone_list_is_sorted_canonical_iana_names():
    names = timezones.all_zone_names()
    assert list(names) == sorted(names)
    assert {"Europe/Brussels", "Asia/Kolkata", "Australia/Sydney", "UTC"} <= set(names)
    assert not [n for n in names if n.startswith(("Etc/", "posix/"))]


def _range(start, end, zone):
    return timezones.format_range(
        timezones.to_utc(local(start), zone), timezones.to_utc(local(end), zone), zone
    )


def test_same_day_range_is_written_with_the_abbreviation():
    assert _range("2027-02-28 18:00", "2027-02-28 19:30", "Europe/Brussels") == (
        "Sun 28 Feb 2027, 18:00–19:30 CET"
    )
    assert _range("2027-06-17 18:00", "2027-06-17 19:30", "Europe/Brussels") == (
        "Thu 17 Jun 2027, 18:00–19:30 CEST"
    )


def test_range_across_a_switch_names_both_abbreviations():
    # The night Europe switches to summer time: 01:00 CET to 04:00 CEST is two hours.
    assert _range("2027-03-28 01:00", "2027-03-28 04:00", "Europe/Brussels") == (
        "Sun 28 Mar 2027, 01:00 CET–04:00 CEST"
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2027-11-23 09:00", "2027-11-25 16:00", "23–25 Nov 2027"),
        ("2027-11-30 09:00", "2027-12-02 16:00", "30 Nov – 2 Dec 2027"),
        ("2027-12-30 09:00", "2028-01-02 16:00", "30 Dec 2027 – 2 Jan 2028"),
    ],
)
def test_multi_day_ranges_are_written_naturally(start, end, expected):
    assert _range(start, end, "Europe/Berlin") == expected


def test_iso_utc_is_a_z_timestamp():
    instant = timezones.to_utc(local("2027-02-28 18:00"), "Europe/Brussels")
    assert timezones.iso_utc(instant) == "2027-02-28T17:00:00Z"


def test_multi_day_hours_name_first_and_last_day():
    zone = "Europe/Berlin"
    start = timezones.to_utc(local("2027-11-23 09:00"), zone)
    end = timezones.to_utc(local("2027-11-25 16:00"), zone)
    assert timezones.format_time_span(start, end, zone) == (
        "Starts Tue 23 Nov, 09:00 CET; ends Thu 25 Nov, 16:00 CET"
    )

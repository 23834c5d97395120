"""Times in every calendar file, as computed by independent parsers from the file's VTIMEZONE.

icalendar alone cannot catch a wrong VTIMEZONE (it resolves TZIDs with the system zone
database), so each file is also read by Mozilla's ical.js and by vobject, both of which
take the offsets from the VTIMEZONE in the file.
"""

from __future__ import annotations

import contextlib
import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.calendar_support import (
    BASE_URL,
    all_files,
    feed_file,
    icaljs,
    public_file,
    sample_event,
    vobject_events,
    z,
)
from tests.conftest import local
from webapp import timezones
from webapp.calendar import ics
from webapp.calendar.vtimezone import transitions

# (name, zone, local start, local end, UTC start, UTC end)
CASES = [
    ("brussels-winter", "Europe/Brussels", "2027-02-28 18:00", "2027-02-28 19:30",
     "2027-02-28T17:00:00Z", "2027-02-28T18:30:00Z"),
    ("brussels-summer", "Europe/Brussels", "2027-06-15 18:00", "2027-06-15 19:30",
     "2027-06-15T16:00:00Z", "2027-06-15T17:30:00Z"),
    # The night Europe switches to summer time (last Sunday of March, 01:00Z).
    ("brussels-switch-night", "Europe/Brussels", "2027-03-28 01:30", "2027-03-28 03:30",
     "2027-03-28T00:30:00Z", "2027-03-28T01:30:00Z"),
    ("brussels-switch-day", "Europe/Brussels", "2027-03-28 10:00", "2027-03-28 12:00",
     "2027-03-28T08:00:00Z", "2027-03-28T10:00:00Z"),
    # A workshop over the autumn switch: starts on summer time, ends on winter time.
    ("brussels-workshop", "Europe/Brussels", "2027-10-29 09:00", "2027-11-02 17:00",
     "2027-10-29T07:00:00Z", "2027-11-02T16:00:00Z"),
    ("kolkata", "Asia/Kolkata", "2027-02-28 18:00", "2027-02-28 19:30",
     "2027-02-28T12:30:00Z", "2027-02-28T14:00:00Z"),
    ("new-york-winter", "America/New_York", "2027-02-28 12:00", "2027-02-28 13:00",
     "2027-02-28T17:00:00Z", "2027-02-28T18:00:00Z"),
    ("new-york-summer", "America/New_York", "2027-07-01 12:00", "2027-07-01 13:00",
     "2027-07-01T16:00:00Z", "2027-07-01T17:00:00Z"),
    ("sydney-summer", "Australia/Sydney", "2027-02-28 18:00", "2027-02-28 19:30",
     "2027-02-28T07:00:00Z", "2027-02-28T08:30:00Z"),
    ("sydney-winter", "Australia/Sydney", "2027-07-01 18:00", "2027-07-01 19:30",
     "2027-07-01T08:00:00Z", "2027-07-01T09:30:00Z"),
]  # fmt: skip
KINDS = ("event", "feed", "request", "cancel")
ZONES = ("Europe/Brussels", "Asia/Kolkata", "America/New_York", "Australia/Sydney")


def case_event(case, **overrides):
    _, zone, start, end, *_ = case
    return sample_event(timezone=zone, start_local=local(start), end_local=local(end), **overrides)


def files_for(event) -> list[bytes]:
    """Every kind of file for one event: public, feed, invite and cancellation."""
    return list(all_files(event).values())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_zoneinfo_agrees_with_the_expected_instants(case):
    event = case_event(case)
    assert (z(event.starts_at), z(event.ends_at)) == case[4:]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_vobject_computes_the_utc_times_from_the_files_vtimezone(case):
    for data in files_for(case_event(case)):
        (vevent,) = vobject_events(data)
        start, end = vevent.dtstart.value, vevent.dtend.value
        assert "tzicalvtz" in type(start.tzinfo).__name__, "zone must come from the file"
        assert (z(start), z(end)) == case[4:]


def test_icaljs_computes_the_utc_times_and_offsets_from_the_files_vtimezone():
    events = [case_event(case) for case in CASES]
    parsed = icaljs(*(data for event in events for data in files_for(event)))
    for index, case in enumerate(CASES):
        event = events[index]
        for kind, result in zip(KINDS, parsed[index * 4 : index * 4 + 4], strict=True):
            (seen,) = result["events"]
            label = f"{case[0]} {kind}"
            assert (seen["start"], seen["end"]) == case[4:], label
            assert seen["tzid"] == case[1], label
            start_offset = timezones.to_local(event.starts_at, event.timezone).utcoffset()
            end_offset = timezones.to_local(event.ends_at, event.timezone).utcoffset()
            assert seen["start_offset"] == start_offset.total_seconds(), label
            assert seen["end_offset"] == end_offset.total_seconds(), label


def test_a_wrong_vtimezone_changes_the_times_both_parsers_report():
    """Proof that the parsers read the file's VTIMEZONE, not a zone database."""
    data = public_file(case_event(CASES[0]))
    wrong = data.replace(b"TZOFFSETTO:+0100", b"TZOFFSETTO:+0400").replace(
        b"TZOFFSETFROM:+0100", b"TZOFFSETFROM:+0400"
    )
    (right_js, wrong_js) = icaljs(data, wrong)
    assert right_js["events"][0]["start"] == "2027-02-28T17:00:00Z"
    assert wrong_js["events"][0]["start"] == "2027-02-28T14:00:00Z"
    assert z(vobject_events(wrong)[0].dtstart.value) == "2027-02-28T14:00:00Z"
    assert z(vobject_events(data)[0].dtstart.value) == "2027-02-28T17:00:00Z"


@pytest.mark.parametrize("zone", ZONES)
def test_vtimezone_has_the_outlook_shape(zone):
    data = public_file(sample_event(timezone=zone, start_local=local("2027-02-28 18:00")))
    (vtimezone,) = Calendar.from_ical(data).walk("VTIMEZONE")
    standard, daylight = vtimezone.walk("STANDARD"), vtimezone.walk("DAYLIGHT")
    block = data[data.index(b"BEGIN:VTIMEZONE") : data.index(b"END:VTIMEZONE")]
    assert b"RDATE" not in block
    assert not any(line.startswith(b"DTSTART") and line.endswith(b"Z") for line in block.split())
    winter = timezones.get_zone(zone).utcoffset(datetime(2027, 1, 15))  # noqa: DTZ001
    summer = timezones.get_zone(zone).utcoffset(datetime(2027, 7, 15))  # noqa: DTZ001
    if zone == "Asia/Kolkata":
        assert len(standard) == 1 and not daylight
        assert standard[0]["TZOFFSETTO"].td == standard[0]["TZOFFSETFROM"].td == winter
        assert "RRULE" not in standard[0]
        return
    assert len(standard) == 1 and len(daylight) == 1
    std, dst = standard[0], daylight[0]
    assert std["DTSTART"].dt.tzinfo is None and dst["DTSTART"].dt.tzinfo is None
    assert std["RRULE"]["FREQ"] == dst["RRULE"]["FREQ"] == ["YEARLY"]
    assert {std["TZOFFSETTO"].td, dst["TZOFFSETTO"].td} == {winter, summer}
    assert std["TZOFFSETFROM"].td == dst["TZOFFSETTO"].td
    assert dst["TZOFFSETFROM"].td == std["TZOFFSETTO"].td
    assert dst["TZOFFSETTO"].td > std["TZOFFSETTO"].td


def test_brussels_rules_are_the_last_sundays_of_march_and_october_before_the_switch():
    data = public_file(case_event(CASES[0]))
    (vtimezone,) = Calendar.from_ical(data).walk("VTIMEZONE")
    (std,), (dst,) = vtimezone.walk("STANDARD"), vtimezone.walk("DAYLIGHT")
    assert dst["RRULE"]["BYMONTH"] == [3] and dst["RRULE"]["BYDAY"] == ["-1SU"]
    assert std["RRULE"]["BYMONTH"] == [10] and std["RRULE"]["BYDAY"] == ["-1SU"]
    # Onsets are local times before each switch: 02:00 CET in March, 03:00 CEST in October.
    assert (dst["DTSTART"].dt.hour, std["DTSTART"].dt.hour) == (2, 3)


def year_of_events(zone: str) -> list:
    """Events across 2027: every third day at noon, and around each switch at several hours."""
    switches = {t.local_onset.date() for t in transitions(zone, 2027)}
    events = []
    day = datetime(2027, 1, 1)  # noqa: DTZ001 (wall time)
    while day.year == 2027:
        near_switch = any(abs((day.date() - s).days) <= 2 for s in switches)
        hours = ((0, 30), (1, 30), (2, 30), (3, 30), (12, 0), (23, 30)) if near_switch else ()
        if day.timetuple().tm_yday % 3 == 0:
            hours += ((12, 0),)
        for hour, minute in hours:
            start = day.replace(hour=hour, minute=minute)
            with contextlib.suppress(timezones.NonexistentLocalTime):  # the spring gap
                events.append(
                    sample_event(
                        id=len(events) + 1,
                        timezone=zone,
                        start_local=start,
                        end_local=start + timedelta(hours=1),
                    )
                )
        day += timedelta(days=1)
    return events


def test_a_year_of_events_around_every_switch_matches_zoneinfo_in_icaljs():
    """Including start or end inside the autumn overlap, written in UTC for that reason."""
    by_zone = {zone: year_of_events(zone) for zone in ZONES}
    files = [feed_file(events, name="Year") for events in by_zone.values()]
    for (zone, events), parsed in zip(by_zone.items(), icaljs(*files), strict=True):
        seen = {e["uid"]: e for e in parsed["events"]}
        assert len(seen) == len(events) > 100
        for event in events:
            result = seen[ics.event_uid(event, BASE_URL)]
            label = f"{zone} {event.start_local}"
            assert (result["start"], result["end"]) == (z(event.starts_at), z(event.ends_at)), label


def _transitions_probed_daily(zone_name: str, year: int) -> list[tuple[datetime, timedelta]]:
    zone = ZoneInfo(zone_name)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    offset, found = moment.astimezone(zone).utcoffset(), []
    while moment.year == year:
        following = moment + timedelta(days=1)
        if following.astimezone(zone).utcoffset() != offset:
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (
                    (middle, high)
                    if middle.astimezone(zone).utcoffset() == offset
                    else (low, middle)
                )
            offset = high.astimezone(zone).utcoffset()
            found.append((high.replace(microsecond=0), offset))
        moment = following
    return found


def test_probing_every_few_days_finds_every_switch_of_every_zone():
    for zone_name in sorted(zoneinfo.available_timezones()):
        for year in (2000, 2026, 2027):
            found = [
                (t.at.replace(microsecond=0), t.offset_to) for t in transitions(zone_name, year)
            ]
            assert found == _transitions_probed_daily(zone_name, year), (zone_name, year)

"""What changed: the difference an organiser's edit made to an event's time and place.

Worked out once, when the edit is saved, as plain language-free data (instants, zones,
the old and new values), and stored with the queued messages (or with the announcement
that queues them later); each person's email then words it in their language. The join
link is never printed: a change of meeting URL says only that it changed, since each
attendee's personal link keeps working.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import i18n, timezones
from webapp.countries import country_name
from webapp.events.models import Event

# The place fields worded as "Venue: was …, now …" (the country by its name).
PLACE_LABELS = {
    "venue_name": _l("Venue"),
    "address": _l("Address"),
    "city": _l("City"),
    "country": _l("Country"),
}
FORMAT_NAMES = {"in_person": _l("In person"), "online": _l("Online"), "hybrid": _l("Hybrid")}
MESSAGE_LIMIT = 2000


@dataclass
class ChangeNotice:
    """An edit's changes and the organiser's note to attendees, as stored (JSON)."""

    time: dict[str, str] | None = None  # was/now starts_at, ends_at (ISO, UTC) and zones
    place: list[tuple[str, str, str]] = field(default_factory=list)  # (field, was, now)
    format: tuple[str, str] | None = None
    join_link: bool = False
    rescheduled: bool = False  # a postponed event got its new date
    date_kept: bool = False  # a postponed event takes place on its original date after all
    message: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ChangeNotice:
        """The stored notice; an empty text (an older row) is an empty notice."""
        values = json.loads(text) if text else {}
        notice = cls(**values)
        notice.place = [tuple(item) for item in notice.place]
        notice.format = tuple(notice.format) if notice.format else None
        return notice


def snapshot(event: Event) -> dict:
    """The time and place of an event, to compare with after an edit."""
    return {
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "timezone": event.timezone,
        "format": event.format.value,
        "online_url": event.online_url,
        **{name: getattr(event, name) for name in PLACE_LABELS},
    }


def compare(before: dict, event: Event, message: str = "") -> ChangeNotice:
    """What differs between the snapshot `before` and the event now."""
    after = snapshot(event)
    notice = ChangeNotice(message=message.strip()[:MESSAGE_LIMIT])
    moved = any(before[key] != after[key] for key in ("starts_at", "ends_at", "timezone"))
    if moved:
        notice.time = {
            "was_start": _iso(before["starts_at"]),
            "was_end": _iso(before["ends_at"]),
            "was_zone": before["timezone"],
            "now_start": _iso(after["starts_at"]),
            "now_end": _iso(after["ends_at"]),
            "now_zone": after["timezone"],
        }
    notice.place = [
        (name, before[name], after[name]) for name in PLACE_LABELS if before[name] != after[name]
    ]
    if before["format"] != after["format"]:
        notice.format = (before["format"], after["format"])
    notice.join_link = bool(before["online_url"]) and before["online_url"] != after["online_url"]
    return notice


def has_changes(notice: ChangeNotice) -> bool:
    """Whether the notice holds any change (its message alone is not one)."""
    return bool(notice.time or notice.place or notice.format or notice.join_link)


def describe(notice: ChangeNotice, *, join_link: bool, language: str) -> list[str]:
    """The changes as sentences in the current language, which `language` names: the
    time in each zone with its abbreviation, then the place, the format and the join link
    (only where the email carries the person's join link: `join_link`)."""
    lines = []
    if notice.rescheduled:
        lines.append(_("The postponed event has its new date."))
    if notice.date_kept:
        lines.append(_("The event is no longer postponed: it takes place on its original date."))
    if notice.time:
        lines.append(_time_line(notice.time, language))
    if notice.format:
        was, now = (str(FORMAT_NAMES.get(value, value)) for value in notice.format)
        lines.append(_("Format: was %(was)s, now %(now)s", was=was, now=now))
    for name, was, now in notice.place:
        if name == "country":
            was, now = country_name(was, language), country_name(now, language)
        lines.append(
            _(
                "%(what)s: was %(was)s, now %(now)s",
                what=PLACE_LABELS[name],
                was=was or _("(none)"),
                now=now or _("(none)"),
            )
        )
    if notice.join_link and join_link:
        lines.append(_("The join link has changed: use your personal link below."))
    return lines


def _time_line(time: dict[str, str], language: str) -> str:
    was_start, was_end = _instant(time["was_start"]), _instant(time["was_end"])
    now_start, now_end = _instant(time["now_start"]), _instant(time["now_end"])
    was_zone, now_zone = time["was_zone"], time["now_zone"]
    was = timezones.format_range(was_start, was_end, was_zone, language)
    now = timezones.format_range(now_start, now_end, now_zone, language)
    days = {
        timezones.to_local(was_start, was_zone).date(),
        timezones.to_local(now_start, now_zone).date(),
        timezones.to_local(now_end, now_zone).date(),
    }
    if len(days) == 1 and was_zone == now_zone:
        # Only the hours moved: "Was: Sun 28 Feb 2027, 18:00–19:30 CET · Now: 17:00–18:30 CET".
        now = _clock_span(now_start, now_end, now_zone, language)
    return _("Was: %(was)s · Now: %(now)s", was=was, now=now)


def _clock_span(starts_at: datetime, ends_at: datetime, zone: str, language: str) -> str:
    start, end = timezones.to_local(starts_at, zone), timezones.to_local(ends_at, zone)
    start_clock, end_clock = (
        i18n.localised_time(start, language),
        i18n.localised_time(end, language),
    )
    start_abbr, end_abbr = (
        timezones.abbreviation(starts_at, zone),
        timezones.abbreviation(ends_at, zone),
    )
    if start_abbr != end_abbr:
        # Across a daylight-saving switch each end has its own: "01:30 CET–03:30 CEST".
        return f"{start_clock} {start_abbr}–{end_clock} {end_abbr}"
    return f"{start_clock}–{end_clock} {end_abbr}"


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)

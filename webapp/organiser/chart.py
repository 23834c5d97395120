"""A bar chart of registrations per day, as plain geometry for a server-drawn SVG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from webapp import i18n

WIDTH, HEIGHT = 600, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # "12 Mar 2027: 21 registrations"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    title: str
    description: str
    peak: int
    axis: dict  # positions of the axis labels and lines
    first_label: str
    last_label: str


def _day(day: date) -> str:
    """'12 Mar 2027', '12. mar. 2027': the page's language."""
    return i18n.localised_date_part(day, i18n.date_pattern("day_month") + " y")


def _plural(count: int) -> str:
    return ngettext(
        "%(count)s registration",
        "%(count)s registrations",
        count,
        count=i18n.localised_number(count),
    )


def per_day_chart(days: list[tuple[date, int]]) -> Chart | None:
    """Bars scaled to the busiest day; None when there is nothing to draw."""
    if not days:
        return None
    peak = max(count for _, count in days) or 1
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / len(days)
    gap = min(slot * 0.2, 4)
    bars = []
    for index, (day, count) in enumerate(days):
        height = plot_height * count / peak
        bars.append(
            Bar(
                x=round(LEFT + index * slot + gap / 2, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(max(slot - gap, 1), 2),
                height=round(height, 2),
                label=_("%(day)s: %(registrations)s", day=_day(day), registrations=_plural(count)),
            )
        )
    busiest_day, busiest = max(days, key=lambda item: item[1])
    total = sum(count for _, count in days)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        title=_("Registrations per day"),
        description=_(
            "%(registrations)s between %(first)s and %(last)s; the busiest day was %(day)s "
            "with %(busiest)s.",
            registrations=_plural(total),
            first=_day(days[0][0]),
            last=_day(days[-1][0]),
            day=_day(busiest_day),
            busiest=i18n.localised_number(busiest),
        ),
        peak=peak,
        axis={
            "left": LEFT,
            "right": WIDTH - RIGHT,
            "top": TOP,
            "baseline": TOP + plot_height,
            "label_y": HEIGHT - 8,
        },
        first_label=_day(days[0][0]),
        last_label=_day(days[-1][0]),
    )

"""A bar chart of registrations per day, as plain geometry for a server-drawn SVG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    return f"{day.day} {day:%b %Y}"


def _plural(count: int) -> str:
    return f"{count:,} registration{'' if count == 1 else 's'}"


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
                label=f"{_day(day)}: {_plural(count)}",
            )
        )
    busiest_day, busiest = max(days, key=lambda item: item[1])
    total = sum(count for _, count in days)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        title="Registrations per day",
        description=(
            f"{_plural(total)} between {_day(days[0][0])} and {_day(days[-1][0])}; "
            f"the busiest day was {_day(busiest_day)} with {busiest:,}."
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

"""Chart geometry for the operator portal's statistics (issue 18), drawn as inline SVG by the
templates: no JavaScript library, no CDN, and no style attribute (the CSP's style-src is 'self',
so colours come from classes in static/portal/admin-portal.css). Pure functions: numbers in,
coordinates out; every shape keeps its number, so the template prints it beside the shape and
in the table under the chart (the numbers stay readable without the picture)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

HEIGHT = 240
WIDE_WIDTH = 960  # a chart across the page (status over time)
HALF_WIDTH = 440  # a chart in half the page (bars): its text stays readable when scaled down
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 28, 16, 32
BAR_HEIGHT, BAR_GAP, LABEL_ROW = 20, 10, 18


@dataclass(frozen=True)
class Series:
    """One line of a chart over time: a key (its colour class), a label and a value per date."""

    key: str
    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Band:
    """One series of a stacked area: the polygon's points and its numbers."""

    key: str
    label: str
    points: str
    values: tuple[int, ...]
    last: int


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class StackedArea:
    width: int
    height: int
    bands: tuple[Band, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    baseline: float
    left: float
    right: float


def nice_top(value: float) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above `value` (at least 1): the scale's top."""
    top = 1
    while True:
        for factor in (1, 2, 5):
            if top * factor >= value:
                return top * factor
        top *= 10


def stacked_area(dates: list[date], series: list[Series], width: int = WIDE_WIDTH) -> StackedArea:
    """Bands stacked in the order given, x from the first date to the last, y from 0 to a round
    top above the highest total."""
    totals = [sum(s.values[i] for s in series) for i in range(len(dates))]
    top = nice_top(max(totals, default=0))
    inner_w = width - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(dates) - 1, 1)

    def x(i: int) -> float:
        return round(PAD_LEFT + i * step, 1)

    def y(v: float) -> float:
        return round(PAD_TOP + inner_h - v / top * inner_h, 1)

    below = [0] * len(dates)
    bands = []
    for s in series:
        above = [b + v for b, v in zip(below, s.values, strict=True)]
        upper = [f"{x(i)},{y(v)}" for i, v in enumerate(above)]
        lower = [f"{x(i)},{y(v)}" for i, v in reversed(list(enumerate(below)))]
        last = s.values[-1] if s.values else 0
        bands.append(Band(s.key, s.label, " ".join(upper + lower), s.values, last))
        below = above
    every = max(1, len(dates) // 12)
    x_ticks = tuple(
        Tick(x(i), HEIGHT - 10, d.strftime("%-d %b"))
        for i, d in enumerate(dates)
        if i % every == 0 or i == len(dates) - 1
    )
    y_ticks = tuple(Tick(PAD_LEFT - 6, y(v), f"{v:,}") for v in (0, top // 2, top))
    return StackedArea(
        width, HEIGHT, tuple(bands), x_ticks, y_ticks, y(0), PAD_LEFT, width - PAD_RIGHT
    )


@dataclass(frozen=True)
class Bar:
    """One bar: its box, its label and the number written at its end."""

    key: str
    label: str
    value: int | Decimal
    text: str
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float
    url: str = ""


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    label_x: float
    baseline: float


@dataclass(frozen=True)
class BarItem:
    key: str
    label: str
    value: int | Decimal
    text: str
    url: str = ""


def horizontal_bars(items: list[BarItem], width: int = HALF_WIDTH) -> BarChart:
    """One row per item, read top to bottom (a funnel): the label above its bar, the bars from a
    common left edge, the number after the bar."""
    top = max((float(i.value) for i in items), default=0) or 1
    left, span = 8, width - 8 - 60
    row = LABEL_ROW + BAR_HEIGHT + BAR_GAP
    bars = []
    for n, item in enumerate(items):
        y = PAD_TOP + n * row + LABEL_ROW
        length = round(max(float(item.value) / top * span, 2 if item.value else 0), 1)
        bars.append(
            Bar(
                item.key,
                item.label,
                item.value,
                item.text,
                left,
                y,
                length,
                BAR_HEIGHT,
                left + length + 8,
                y + BAR_HEIGHT / 2 + 5,
                item.url,
            )
        )
    height = PAD_TOP + len(items) * row
    return BarChart(width, height, tuple(bars), left, left)


def vertical_bars(items: list[BarItem], width: int = HALF_WIDTH) -> BarChart:
    """One column per item, the number above it and the label below (aging buckets)."""
    top = max((float(i.value) for i in items), default=0) or 1
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM - 18
    slot = (width - PAD_LEFT - PAD_RIGHT) / max(len(items), 1)
    column = round(slot * 0.6, 1)
    bars = []
    for n, item in enumerate(items):
        h = round(max(float(item.value) / top * inner_h, 2 if item.value else 0), 1)
        x = round(PAD_LEFT + n * slot + (slot - column) / 2, 1)
        y = HEIGHT - PAD_BOTTOM - h
        bars.append(
            Bar(
                item.key,
                item.label,
                item.value,
                item.text,
                x,
                y,
                column,
                h,
                round(x + column / 2, 1),
                y - 6,
                item.url,
            )
        )
    return BarChart(width, HEIGHT, tuple(bars), HEIGHT - 10, HEIGHT - PAD_BOTTOM)

"""Geometry for the portal's two pictures, drawn as SVG by templates (no JavaScript).

``soreness_chart`` places before/after soreness on a line chart; ``body_map`` shades the
areas worked most often on a front and back body outline. Both return plain data; the
templates ``clients/_soreness_chart.svg`` and ``clients/_body_map.svg`` only draw it, and
each page also shows the same numbers as text.

The chart comes in two widths: SVG text scales with the picture, so the wide chart's 12 px
labels would shrink to about 6 px on a phone. The phone variant has a narrow ``viewBox``
(drawn at about its own size on a 360 px screen) and fewer date labels; CSS shows one or the
other. ``of_client`` gathers everything the pictures of one client need, for the portal and
the back office alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from portal.clients import queries
from portal.clients.queries import SorenessPoint
from portal.core.locale import day_month
from portal.models.vocabulary import BodyArea

# --- soreness chart --------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 16, 44
MAX_SORENESS = 10
MAX_DATE_LABELS = 6
# The phone variant: about the width of a 360 px screen's content, so 12 px stays 12 px.
PHONE_CHART_WIDTH, PHONE_CHART_HEIGHT = 320, 240
PHONE_DATE_LABELS = 3


@dataclass(frozen=True)
class ChartPoint:
    x: float
    before_y: float
    after_y: float
    source: SorenessPoint


@dataclass(frozen=True)
class SorenessChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    points: list[ChartPoint]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str, str]]  # x, text, text-anchor

    @property
    def before_line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.before_y:.1f}" for p in self.points)

    @property
    def after_line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.after_y:.1f}" for p in self.points)


def _label_indices(count: int, wanted: int) -> list[int]:
    """Up to ``wanted`` evenly spread indices out of ``count``, always the first and last."""
    if count <= wanted:
        return list(range(count))
    step = (count - 1) / (wanted - 1)
    return sorted({round(i * step) for i in range(wanted)})


def _anchor(index: int, series: list[SorenessPoint]) -> str:
    """Labels at the chart's edges align inwards, so they are not cut off."""
    if len(series) > 1 and index == 0:
        return "start"
    if len(series) > 1 and index == len(series) - 1:
        return "end"
    return "middle"


def soreness_chart(
    series: list[SorenessPoint],
    *,
    width: int = CHART_WIDTH,
    height: int = CHART_HEIGHT,
    max_labels: int = MAX_DATE_LABELS,
) -> SorenessChart | None:
    """Chart geometry for ``series`` (oldest first); None when there is nothing to draw."""
    if not series:
        return None
    plot_width = width - LEFT - RIGHT
    plot_height = height - TOP - BOTTOM

    def y(value: int) -> float:
        return TOP + (MAX_SORENESS - value) / MAX_SORENESS * plot_height

    def x(index: int) -> float:
        if len(series) == 1:
            return LEFT + plot_width / 2
        return LEFT + index / (len(series) - 1) * plot_width

    points = [ChartPoint(x(i), y(p.before), y(p.after), p) for i, p in enumerate(series)]
    return SorenessChart(
        width=width,
        height=height,
        left=LEFT,
        right=width - RIGHT,
        top=TOP,
        bottom=TOP + plot_height,
        points=points,
        y_ticks=[(y(value), value) for value in range(0, MAX_SORENESS + 1, 2)],
        x_labels=[
            (points[i].x, day_month(series[i].held_on), _anchor(i, series))
            for i in _label_indices(len(series), max_labels)
        ],
    )


# --- body map --------------------------------------------------------------------------------

BODY_WIDTH, BODY_HEIGHT = 420, 440
FRONT_X, BACK_X = 105, 315  # the centre line of each figure
LEVELS = 4  # shades of "worked often", beyond "not worked"


@dataclass(frozen=True)
class Shape:
    tag: str  # "ellipse" or "rect"
    attrs: tuple[tuple[str, float], ...]


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> Shape:
    return Shape("ellipse", (("cx", cx), ("cy", cy), ("rx", rx), ("ry", ry)))


def _rect(x: float, y: float, width: float, height: float, radius: float = 0) -> Shape:
    return Shape("rect", (("x", x), ("y", y), ("width", width), ("height", height), ("rx", radius)))


def _mirrored(cx: float, dx: float, cy: float, rx: float, ry: float) -> list[Shape]:
    """A left and right ellipse, ``dx`` either side of the centre line ``cx``."""
    return [_ellipse(cx - dx, cy, rx, ry), _ellipse(cx + dx, cy, rx, ry)]


def outline(cx: float) -> list[Shape]:
    """A simple standing figure: head, neck, torso, arms, legs, feet."""
    return [
        _ellipse(cx, 34, 20, 24),
        _rect(cx - 9, 54, 18, 18),
        _rect(cx - 44, 70, 88, 132, 18),
        _rect(cx - 66, 76, 18, 140, 9),
        _rect(cx + 48, 76, 18, 140, 9),
        _rect(cx - 35, 196, 32, 112, 12),
        _rect(cx + 3, 196, 32, 112, 12),
        _rect(cx - 31, 302, 25, 104, 10),
        _rect(cx + 6, 302, 25, 104, 10),
        _ellipse(cx - 20, 414, 15, 8),
        _ellipse(cx + 20, 414, 15, 8),
    ]


def _region_shapes(area: BodyArea) -> list[Shape]:
    """Where each area sits on the front (``f``) and back (``b``) figures."""
    f, b = FRONT_X, BACK_X
    return {
        BodyArea.NECK: [_rect(f - 9, 54, 18, 16, 4), _rect(b - 9, 54, 18, 16, 4)],
        BodyArea.SHOULDERS: _mirrored(f, 34, 82, 13, 10) + _mirrored(b, 34, 82, 13, 10),
        BodyArea.UPPER_BACK: [_rect(b - 30, 94, 60, 46, 8)],
        BodyArea.LOWER_BACK: [_rect(b - 26, 146, 52, 40, 8)],
        BodyArea.GLUTES: _mirrored(b, 17, 212, 16, 15),
        BodyArea.HIP_FLEXORS: _mirrored(f, 18, 204, 12, 8),
        BodyArea.ADDUCTORS: _mirrored(f, 8, 246, 4, 30),
        BodyArea.QUADS: _mirrored(f, 21, 254, 10, 38),
        BodyArea.IT_BAND: [_rect(cx + dx, 214, 5, 86, 2) for cx in (f, b) for dx in (-35, 30)],
        BodyArea.HAMSTRINGS: _mirrored(b, 19, 262, 11, 36),
        BodyArea.CALVES: _mirrored(b, 18, 338, 10, 28),
        BodyArea.SHINS: _mirrored(f, 18, 352, 6, 36),
        BodyArea.FEET: _mirrored(f, 20, 414, 13, 7) + _mirrored(b, 20, 414, 13, 7),
    }[area]


@dataclass(frozen=True)
class Region:
    area: str
    label: str
    count: int
    level: int  # 0 = not worked, 1..LEVELS = darker for more often
    shapes: list[Shape] = field(default_factory=list)


@dataclass(frozen=True)
class BodyMap:
    width: int
    height: int
    front: list[Shape]
    back: list[Shape]
    front_x: int
    back_x: int
    regions: list[Region]

    @property
    def ranked(self) -> list[Region]:
        """Worked areas, most often first: the text version of the picture."""
        worked = [r for r in self.regions if r.count]
        return sorted(worked, key=lambda r: (-r.count, r.label))


def shade(count: int, most: int) -> int:
    """0 for never; otherwise 1..LEVELS in proportion to the most-worked area's count."""
    if count <= 0 or most <= 0:
        return 0
    return max(1, math.ceil(LEVELS * count / most))


def body_map(counts: dict[str, int]) -> BodyMap:
    most = max(counts.values(), default=0)
    regions = [
        Region(
            area=area.value,
            label=area.label,
            count=counts.get(area.value, 0),
            level=shade(counts.get(area.value, 0), most),
            shapes=_region_shapes(area),
        )
        for area in BodyArea
    ]
    return BodyMap(
        width=BODY_WIDTH,
        height=BODY_HEIGHT,
        front=outline(FRONT_X),
        back=outline(BACK_X),
        front_x=FRONT_X,
        back_x=BACK_X,
        regions=regions,
    )


# --- both pictures of one client ---------------------------------------------------------------


@dataclass(frozen=True)
class ClientPictures:
    chart: SorenessChart | None  # None: no sessions yet
    phone_chart: SorenessChart | None
    body: BodyMap


def of_client(client_id: int) -> ClientPictures:
    """The soreness chart (both widths) and the body map of a client: two queries."""
    series = queries.soreness_series(client_id)
    return ClientPictures(
        chart=soreness_chart(series),
        phone_chart=soreness_chart(
            series,
            width=PHONE_CHART_WIDTH,
            height=PHONE_CHART_HEIGHT,
            max_labels=PHONE_DATE_LABELS,
        ),
        body=body_map(queries.area_counts(client_id)),
    )

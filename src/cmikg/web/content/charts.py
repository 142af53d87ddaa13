"""The data and geometry of the charts; the SVG itself is written by templates/charts/*.svg.

Charts are drawn on the server as SVG so they need no script and no network. Every mark
links to the claim or entity it comes from, and every chart has the same data as a table
next to it. Hedged figures keep their hedge on the chart: "more than" points carry an arrow
up, "nearly" and "up to" an arrow down, "about" is drawn hollow, a range as a bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from cmikg.web.content import page_queries, world_map
from cmikg.web.content.nodes import Claim
from cmikg.web.content.page_queries import text
from cmikg.web.content.vocabulary import vocabulary
from cmikg.web.formatting import decimal_year, figure_text, number, period, when
from cmikg.web.links import href

#: Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), darkest first.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9", "#7F6000")
SHAPES = ("circle", "square", "triangle", "diamond")


@dataclass
class Point:
    """One figure on a time axis, from one source."""

    x: float
    value: float
    low: float | None
    high: float | None
    hedge: str
    series: str
    title: str
    link: str
    contested: bool = False
    group: str = ""
    text: str = ""
    px: float = 0.0
    py: float = 0.0
    plow: float = 0.0
    phigh: float = 0.0


@dataclass
class Series:
    name: str
    colour: str
    shape: str
    points: list[Point] = field(default_factory=list)

    @property
    def path(self) -> str:
        """Lines joining the points of one group (the same role counted) in time order."""
        by_group: dict[str, list[str]] = {}
        for p in self.points:
            by_group.setdefault(p.group, []).append(f"{p.px:.1f},{p.py:.1f}")
        return " ".join("M" + " L".join(coords) for coords in by_group.values() if len(coords) > 1)


@dataclass
class Frame:
    """The plotting area of a chart and its axes, in SVG user units."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


def nice_ticks(low: float, high: float, count: int = 5, whole: bool = True) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten
    (never below 1 when ``whole``: years and counts have no halves)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1) if whole else step
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _scale(domain: tuple[float, float], extent: tuple[float, float]):
    (d0, d1), (r0, r1) = domain, extent
    span = (d1 - d0) or 1.0
    return lambda v: r0 + (v - d0) / span * (r1 - r0)


@dataclass
class SeriesChart:
    frame: Frame
    series: list[Series]
    y_title: str

    @property
    def labelled(self) -> bool:
        """Few enough points to print each figure next to its mark."""
        return len(self.points) <= 8

    @property
    def points(self) -> list[Point]:
        return [p for s in self.series for p in s.points]


def series_chart(points: list[Point], y_title: str, width: int = 760, height: int = 380) -> SeriesChart | None:
    """Points by series on a time axis from zero up; None when there is nothing to draw."""
    if not points:
        return None
    frame = Frame(width, height, left=72, right=16, top=16, bottom=40)
    years = [p.x for p in points]
    x_ticks = nice_ticks(math.floor(min(years)) - 1, math.ceil(max(years)) + 1, 8)
    tops = [max(v for v in (p.value, p.high) if v is not None) for p in points]
    y_ticks = nice_ticks(0, max(tops) * 1.08 or 1, 5)
    x = _scale((x_ticks[0], x_ticks[-1]), (frame.left, frame.plot_right))
    y = _scale((y_ticks[0], y_ticks[-1]), (frame.plot_bottom, frame.top))
    frame.x_ticks = [(x(t), str(int(t))) for t in x_ticks]
    frame.y_ticks = [(y(t), number(Decimal(str(t)))) for t in y_ticks]
    series: dict[str, Series] = {}
    for name in sorted({p.series for p in points}):
        index = len(series)
        series[name] = Series(name, PALETTE[index % len(PALETTE)], SHAPES[index % len(SHAPES)])
    for p in sorted(points, key=lambda p: (p.x, p.value, p.link, p.series)):
        p.px, p.py = x(p.x), y(p.value)
        p.plow, p.phigh = y(p.low if p.low is not None else p.value), y(p.high if p.high is not None else p.value)
        series[p.series].points.append(p)
    return SeriesChart(frame, list(series.values()), y_title)


def point_from_claim(claim: Claim, series: str) -> Point | None:
    """A claim with a date and a figure as a chart point (ranges drawn from bound to bound)."""
    year = decimal_year(claim.point_in_time)
    low = float(claim.lower) if claim.lower is not None else None
    high = float(claim.upper) if claim.upper is not None else None
    value = (
        float(claim.quantity)
        if claim.quantity is not None
        else ((low + high) / 2 if low is not None and high is not None else None)
    )
    if year is None or value is None:
        return None
    title = f"{claim.label} — {claim.time}; {series}"
    qualifiers = "; ".join(f"{name}={v.text}" for name, v in claim.qualifiers)
    return Point(
        year,
        value,
        low,
        high,
        "range" if low is not None else claim.hedge,
        series,
        title,
        href(claim.iri),
        claim.contested,
        group=qualifiers,
        text=claim.figure,
    )


def entity_charts(claims: list[Claim], width: int = 640) -> list[tuple[str, SeriesChart]]:
    """One small chart per quantity the entity has at two dates or more, a series per source."""
    groups: dict[tuple[str, str], list[Claim]] = {}
    for claim in claims:
        if claim.point_in_time and (claim.quantity is not None or claim.lower is not None):
            key = (claim.predicate_label, claim.unit.text if claim.unit else "")
            groups.setdefault(key, []).append(claim)
    charts = []
    for (predicate, _unit), members in sorted(groups.items()):
        if len({c.point_in_time for c in members}) < 2:
            continue
        points = [
            p
            for c in members
            for s in (c.sources if c.sources else (None,))
            if (p := point_from_claim(c, s.text if s else "unsourced")) is not None
        ]
        chart = series_chart(points, predicate, width=width, height=300 if width >= 500 else 260)
        if chart is not None:
            charts.append((predicate, chart))
    return charts


# --- the three charts of the charts page -------------------------------------------------------


def _decimal(row: page_queries.Row, key: str) -> float | None:
    value = row[key].number() if key in row else None
    return float(value) if value is not None else None


@dataclass
class PersonnelRow:
    """A row of the table under the personnel chart (plotted or not, and why)."""

    claim: str
    label: str
    figure: str
    role: str
    time: str
    source: str
    source_iri: str
    plotted: bool
    date: str = ""


def _middle(value: float | None, low: float | None, high: float | None) -> float | None:
    """Where a figure is drawn: its value, else the middle of its range (its bound if open)."""
    if value is not None:
        return value
    if low is None:
        return None
    return low if high is None else (low + high) / 2


def personnel_chart(width: int = 760) -> tuple[SeriesChart | None, list[PersonnelRow]]:
    """Personnel abroad over time, a series per source; period totals are listed, not plotted."""
    vocab = vocabulary()
    points, rows = [], []
    for row in page_queries.select("chart-personnel"):
        precision = vocab.precision(text(row, "precision", None))
        hedge_iri = text(row, "approximation")
        low, high = _decimal(row, "lowerBound"), _decimal(row, "upperBound")
        value = _decimal(row, "quantity")
        source = text(row, "sourceLabel", row["source"].value)
        time = _time_text(row, precision)
        year = decimal_year(text(row, "pointInTime"))
        figure = figure_text(vocab.label(hedge_iri) if hedge_iri else "", value, low, high, vocab.hedge(hedge_iri))
        role = text(row, "roleLabel")
        rows.append(
            PersonnelRow(
                row["claim"].value,
                text(row, "claimLabel"),
                figure,
                role,
                time,
                source,
                row["source"].value,
                year is not None,
                text(row, "pointInTime", text(row, "startTime")),
            )
        )
        mid = _middle(value, low, high)
        if year is not None and mid is not None:
            points.append(
                Point(
                    year,
                    mid,
                    low,
                    high,
                    "range" if low is not None else vocab.hedge(hedge_iri),
                    source,
                    f"{figure} ({role}), {time} — {source}",
                    href(row["claim"].value),
                    text(row, "contested") == "true",
                    group=role,
                    text=figure,
                )
            )
    rows.sort(key=lambda r: (not r.plotted, r.date, r.source, r.claim))
    return series_chart(points, "people", width=width, height=380 if width >= 500 else 300), rows


def _time_text(row: page_queries.Row, precision: int) -> str:
    """ "2015", "between 1966 and 1974 (“Between 1966 and 1974”)": the time and the source's words."""
    time = period(text(row, "pointInTime"), text(row, "startTime"), text(row, "endTime"), precision)
    return time + (f" (“{text(row, 'timeText')}”)" if "timeText" in row and "pointInTime" not in row else "")


@dataclass
class Bar:
    label: str
    value: float
    text: str
    link: str
    note: str
    y: float = 0.0
    length: float = 0.0


@dataclass
class BarChart:
    frame: Frame
    bars: list[Bar]
    bar_height: int
    x_title: str


def bar_chart(bars: list[Bar], x_title: str, width: int = 760, bar_height: int = 22) -> BarChart | None:
    """Horizontal bars, longest first, labels on the left."""
    if not bars:
        return None
    bars = sorted(bars, key=lambda b: (-b.value, b.label))
    frame = Frame(width, 0, left=190 if width >= 500 else 118, right=70 if width >= 500 else 56, top=8, bottom=36)
    frame.height = frame.top + frame.bottom + len(bars) * (bar_height + 6)
    ticks = nice_ticks(0, max(b.value for b in bars), 5)
    x = _scale((0, ticks[-1]), (frame.left, frame.plot_right))
    frame.x_ticks = [(x(t), number(Decimal(str(t)))) for t in ticks]
    for i, bar in enumerate(bars):
        bar.y = frame.top + i * (bar_height + 6)
        bar.length = max(x(bar.value) - frame.left, 1.0)
    return BarChart(frame, bars, bar_height, x_title)


def hosts_chart(by: str, width: int = 760) -> BarChart | None:
    """Host countries ranked by the largest personnel figure reported (with its source), or by missions recorded."""
    if by == "personnel":
        return bar_chart(_personnel_bars(), "largest number of Cuban personnel reported", width)
    bars = [
        Bar(
            text(r, "countryLabel", r["country"].value),
            float(r["missions"].value),
            r["missions"].value,
            href(r["country"].value),
            f"{r['missions'].value} mission(s)",
        )
        for r in page_queries.select("chart-host-missions")
    ]
    return bar_chart(bars, "medical missions recorded", width)


def _personnel_bars() -> list[Bar]:
    """The largest figure reported in each host country (the map's figures), naming its source."""
    labels = {h.iri: h.label for h in world_map.hosts()}
    bars = []
    for country, (f, count) in world_map.largest(world_map.figures()).items():
        others = f"; {count - 1} other figure{'s' if count != 2 else ''}" if count > 1 else ""
        note = f"{f.text} ({f.when or 'date not given'}), according to {f.source_label}{others}"
        bars.append(Bar(labels.get(country, country), f.value, f.text, href(f.claim), note))
    return bars


@dataclass
class Response:
    """A mission or program answering an event."""

    label: str
    link: str
    host: str
    start: float | None
    end: float | None
    when: str
    kind: str
    x0: float = 0.0
    x1: float = 0.0


@dataclass
class TimelineRow:
    label: str
    link: str
    kind: str
    year: float | None
    when: str
    responses: list[Response] = field(default_factory=list)
    y: float = 0.0
    px: float | None = None

    @property
    def sort_year(self) -> float:
        known = [self.year] + [r.start for r in self.responses]
        return min((y for y in known if y is not None), default=math.inf)


@dataclass
class Timeline:
    frame: Frame
    rows: list[TimelineRow]
    undated: list[TimelineRow]
    row_height: int


def disaster_timeline(width: int = 760, row_height: int = 30) -> Timeline | None:
    """Disasters, epidemics and answered events by date, each with the missions that answered it."""
    rows = _timeline_rows()
    dated = sorted((r for r in rows if r.sort_year != math.inf), key=lambda r: (r.sort_year, r.label))
    undated = [r for r in rows if r.sort_year == math.inf]
    if not dated:
        return None
    frame = Frame(width, 0, left=250 if width >= 500 else 120, right=24 if width >= 500 else 12, top=10, bottom=36)
    frame.height = frame.top + frame.bottom + len(dated) * row_height
    years = [y for r in dated for y in [r.year] + [v for s in r.responses for v in (s.start, s.end)] if y is not None]
    ticks = nice_ticks(math.floor(min(years)) - 1, math.ceil(max(years)) + 1, 8 if width >= 500 else 4)
    x = _scale((ticks[0], ticks[-1]), (frame.left, frame.plot_right))
    frame.x_ticks = [(x(t), str(int(t))) for t in ticks]
    for i, row in enumerate(dated):
        row.y = frame.top + i * row_height + row_height / 2
        row.px = x(row.year) if row.year is not None else None
        for response in row.responses:
            start = response.start if response.start is not None else row.year
            response.x0 = x(start) if start is not None else -1
            response.x1 = x(response.end) if response.end is not None else response.x0
    return Timeline(frame, dated, undated, row_height)


def _timeline_rows() -> list[TimelineRow]:
    vocab = vocabulary()
    rows: dict[str, TimelineRow] = {}
    for r in page_queries.select("chart-disasters"):
        event = r["event"].value
        if event not in rows:
            precision = vocab.precision(text(r, "eventPrecision", None))
            time = text(r, "eventTime")
            rows[event] = TimelineRow(
                text(r, "eventLabel", event),
                href(event),
                vocab.label(r["eventClass"].value),
                decimal_year(time) if time else None,
                when(time, precision) if time else "",
            )
        if "responder" in r and all(s.link != href(r["responder"].value) for s in rows[event].responses):
            rows[event].responses.append(_response(r, vocab))
    for row in rows.values():
        row.responses.sort(key=lambda r: (r.start if r.start is not None else math.inf, r.label, r.link))
    return list(rows.values())


def _response(r: page_queries.Row, vocab) -> Response:
    precision = vocab.precision(text(r, "precision", None))
    start = text(r, "start")
    end = text(r, "end")
    dates = when(start, precision) if start else "date not given"
    if end:
        dates += f" – {when(end, precision)}"
    return Response(
        text(r, "responderLabel", r["responder"].value),
        href(r["responder"].value),
        text(r, "hostLabel"),
        decimal_year(start) if start else None,
        decimal_year(end) if end else None,
        dates,
        vocab.label(text(r, "responderClass")) if "responderClass" in r else "",
    )


# --- the timeline of an entity's dated claims ------------------------------------------------


@dataclass
class Mark:
    """One dated claim on an entity's timeline: a point, or a bar over its interval."""

    label: str
    link: str
    title: str
    hedge: str
    contested: bool
    open_end: bool
    start: float
    end: float
    x0: float = 0.0
    x1: float = 0.0
    y: float = 0.0


@dataclass
class ClaimTimeline:
    frame: Frame
    lanes: list[tuple[str, float]]
    marks: list[Mark]
    lane_height: int
    undated: int


def _span(claim: Claim) -> tuple[float, float, bool] | None:
    """Where a claim sits on the time axis: (start, end, open-ended); None when undated."""
    point, start, end = (decimal_year(t) if t else None for t in (claim.point_in_time, claim.start, claim.end))
    if point is not None:
        return point, point, False
    if start is not None:
        return start, end if end is not None else start, end is None
    if end is not None:
        return end, end, False
    return None


def claim_timeline(claims: list[Claim], width: int = 720, lane_height: int = 26) -> ClaimTimeline | None:
    """The entity's dated claims by year, one lane per property, hedges and disagreements marked."""
    placed = [(c, s) for c in claims if (s := _span(c)) is not None]
    if not placed:
        return None
    narrow = width < 500
    frame = Frame(width, 0, left=112 if narrow else 190, right=14, top=8, bottom=34)
    names = sorted({c.predicate_label or "value" for c, _ in placed})
    frame.height = frame.top + frame.bottom + len(names) * lane_height
    years = [y for _, (a, b, _o) in placed for y in (a, b)]
    ticks = nice_ticks(math.floor(min(years)) - 1, math.ceil(max(years)) + 1, 4 if narrow else 8)
    x = _scale((ticks[0], ticks[-1]), (frame.left, frame.plot_right))
    frame.x_ticks = [(x(t), str(int(t))) for t in ticks]
    lanes = {name: frame.top + i * lane_height + lane_height / 2 for i, name in enumerate(names)}
    marks = []
    for claim, (start, end, open_end) in sorted(placed, key=lambda cs: (cs[1][0], cs[0].iri)):
        hedge = claim.hedge if claim.approximation else "exact"
        value = claim.figure or ", ".join(e.text for e in claim.entities) or ", ".join(claim.texts)
        title = f"{claim.label} — {claim.time}" + (f": {value}" if value else "")
        title += "; contested" if claim.contested else ""
        mark = Mark(claim.label, href(claim.iri), title, hedge, claim.contested, open_end, start, end)
        mark.x0, mark.x1 = x(start), (frame.plot_right if open_end else x(end))
        mark.y = lanes[claim.predicate_label or "value"]
        marks.append(mark)
    undated = len(claims) - len(placed)
    return ClaimTimeline(frame, list(lanes.items()), marks, lane_height, undated)

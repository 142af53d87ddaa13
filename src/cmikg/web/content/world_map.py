"""The world map: host countries coloured by the largest figure of Cuban personnel reported.

Outlines come from the shipped Natural Earth file (:mod:`cmikg.web.content.world_shapes`);
the figures from the graph, through the backend (``queries/pages/map-*.rq``). A reader can
narrow the figures to one source and one decade; every host country links to its page,
and a host with no figure for the choice is still drawn, in its own colour, so the map
never hides a country the graph records as a host.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from cmikg.web.content import page_queries
from cmikg.web.content.page_queries import text
from cmikg.web.content.vocabulary import vocabulary
from cmikg.web.content.world_shapes import SHIPPED
from cmikg.web.formatting import date_parts, figure_text, when

#: Colour classes of the largest figure (a sequential blue scale, each step ten times the last).
CLASSES = ((10_000, "#08306b", "10,000 or more"), (1_000, "#2171b5", "1,000–9,999"), (100, "#6baed6", "100–999"))
SMALLEST = (0, "#c6dbef", "fewer than 100")
NO_FIGURE = "#e8dcc0"
LAND = "#dedbd3"


@dataclass
class Figure:
    """One reported figure of personnel in a host country."""

    country: str
    claim: str
    label: str
    value: float
    text: str
    year: int | None
    when: str
    source: str
    source_label: str


@dataclass
class Host:
    iri: str
    label: str
    code: str
    missions: int
    programs: int
    best: Figure | None = None
    figures: int = 0

    @property
    def fill(self) -> str:
        if self.best is None:
            return NO_FIGURE
        return next((colour for floor, colour, _ in CLASSES if self.best.value >= floor), SMALLEST[1])

    @property
    def title(self) -> str:
        counts = ((self.missions, "mission"), (self.programs, "program"))
        hosted = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n)
        figure = (
            f"largest figure {self.best.text} ({self.best.when or 'date not given'}, {self.best.source_label})"
            if self.best
            else "no figure of personnel for this choice"
        )
        return f"{self.label}: {hosted + '; ' if hosted else ''}{figure}"


@dataclass
class Shape:
    code: str
    d: str
    small: bool
    centre: tuple[float, float] | None
    host: Host | None = None
    highlight: bool = False


@dataclass
class WorldMap:
    view_box: str
    shapes: list[Shape]
    hosts: list[Host]
    unmapped: list[Host]
    sources: list[tuple[str, str]]
    periods: list[str]
    source: str = ""
    period: str = ""
    legend: list[tuple[str, str]] = field(default_factory=list)


class BadChoice(ValueError):
    """A source or period the map cannot be narrowed to."""


@lru_cache(maxsize=1)
def outlines() -> dict:
    """The shipped outlines, read once per process."""
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def figures() -> list[Figure]:
    """Every personnel figure placed in a host country (read once per dataset version)."""
    return page_queries.cached("map-figures", _figures)


def _figures() -> list[Figure]:
    vocab = vocabulary()
    found = []
    for r in page_queries.select("map-personnel"):
        value = next((v for v in (_number(r, "quantity"), _number(r, "upperBound")) if v is not None), None)
        if value is None:
            continue
        hedge = text(r, "approximation")
        low, high = _number(r, "lowerBound"), _number(r, "upperBound")
        date = text(r, "pointInTime", text(r, "startTime"))
        parts = date_parts(date)
        found.append(
            Figure(
                r["country"].value,
                r["claim"].value,
                text(r, "claimLabel"),
                value,
                figure_text(vocab.label(hedge) if hedge else "", _number(r, "quantity"), low, high, vocab.hedge(hedge)),
                parts[0] if parts else None,
                when(date, vocab.precision(text(r, "precision") or None)) if date else "",
                r["source"].value,
                text(r, "sourceLabel", r["source"].value),
            )
        )
    return found


def _number(row: page_queries.Row, key: str) -> float | None:
    value = row[key].number() if key in row else None
    return float(value) if value is not None else None


def decade(year: int | None) -> str:
    return f"{year - year % 10}s" if year is not None else ""


def largest(chosen: list[Figure]) -> dict[str, tuple[Figure, int]]:
    """Per country, the largest figure among ``chosen`` and how many figures there are."""
    best: dict[str, tuple[Figure, int]] = {}
    for f in sorted(chosen, key=lambda f: (f.country, -f.value, f.year or 0, f.claim, f.source)):
        top, count = best.get(f.country, (f, 0))
        best[f.country] = (top, count + 1)
    return best


def hosts() -> list[Host]:
    return [
        Host(r["country"].value, text(r, "countryLabel", r["country"].value), text(r, "iso").upper(),
             int(r["missions"].value), int(r["programs"].value))
        for r in page_queries.select("map-hosts")
    ]  # fmt: skip


def world_map(source: str = "", period: str = "", highlight: str = "") -> WorldMap:
    """The map for one choice of source and decade ("" for all); :class:`BadChoice` for others."""
    every = figures()
    sources = sorted({(f.source, f.source_label) for f in every}, key=lambda s: (s[1].lower(), s[0]))
    periods = sorted({decade(f.year) for f in every if f.year is not None})
    if source and source not in {s for s, _ in sources}:
        raise BadChoice(f"source={source!r} gives no figure on the map; sources: {', '.join(s for s, _ in sources)}")
    if period and period not in periods:
        raise BadChoice(f"period={period!r} is not a decade with figures; periods: {', '.join(periods)}")
    chosen = [f for f in every if (not source or f.source == source) and (not period or decade(f.year) == period)]
    best = largest(chosen)
    by_code = {}
    for host in hosts():
        host.best, host.figures = best.get(host.iri, (None, 0))
        by_code[host.code] = host
    shapes = []
    for code, entry in outlines()["countries"].items():
        centre = tuple(entry["centre"]) if "centre" in entry else None
        shape = Shape(code, entry.get("d", ""), bool(entry.get("small")), centre, by_code.get(code))
        shape.highlight = shape.host is not None and shape.host.iri == highlight
        shapes.append(shape)
    drawn = {s.code for s in shapes}
    legend = [(colour, label) for _, colour, label in (*CLASSES, SMALLEST)]
    legend.append((NO_FIGURE, "host with no figure for this choice"))
    return WorldMap(
        " ".join(f"{v:g}" for v in outlines()["viewBox"]),
        sorted(shapes, key=lambda s: (s.host is not None, s.small, s.code)),
        sorted(by_code.values(), key=lambda h: (-(h.best.value if h.best else -1), h.label)),
        [h for code, h in by_code.items() if code not in drawn],
        sources,
        periods,
        source,
        period,
        legend,
    )


@dataclass
class CountrySummary:
    """What a country page opens with: what it hosted, the figures reported there, the disputes."""

    missions: list[tuple[str, str]]
    programs: list[tuple[str, str]]
    figures: list[Figure]
    disputes: int
    map: WorldMap | None

    @property
    def sources(self) -> int:
        return len({f.source for f in self.figures})


def country_summary(iri: str, hosted: list[tuple[str, str]], disputes: int) -> CountrySummary:
    """``hosted``: (IRI, label) of everything naming the country as its host."""
    mine = sorted((f for f in figures() if f.country == iri), key=lambda f: (f.year or 0, f.source_label, -f.value))
    seen: dict[tuple[str, str], Figure] = {}
    for f in mine:  # a claim stated in one source once, even when several references say so
        seen.setdefault((f.claim, f.source), f)
    chosen = world_map(highlight=iri)
    on_map = any(h.iri == iri for h in chosen.hosts)
    return CountrySummary(
        missions=[h for h in hosted if "/mission/" in h[0]],
        programs=[h for h in hosted if "/program/" in h[0]],
        figures=list(seen.values()),
        disputes=disputes,
        map=chosen if on_map else None,
    )

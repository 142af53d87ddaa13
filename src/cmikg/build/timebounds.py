"""Comparable time bounds for claims, from whichever form a curator wrote the time in.

Curators write time as Wikidata does (``cmi:pointInTime`` or ``cmi:startTime`` /
``cmi:endTime`` with a ``cmi:timePrecision``) and as historians do (an EDTF string such
as ``1998/..`` or ``196X``). SPARQL can compare neither a precision nor an EDTF string,
so the build turns both into two ``xsd:dateTime`` bounds: the first and the last instant
the claim can refer to. The year 2007 becomes 2007-01-01T00:00:00Z .. 2007-12-31T23:59:59Z.

A claim with no time of its own takes the time of the event or mission it names
(as qualifier or as subject). An open side (``1998/..``, ``../2007-02``) is bounded by
the graph's horizon: the earliest and the latest instant any dated node of the graph
gives, so that a filter on a period never misses an open interval.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from rdflib import Graph, URIRef

from cmikg.build.validation import short
from cmikg.errors import InputError
from cmikg.namespaces import CMI

#: EDTF date forms, from the finest to the coarsest, with the precision each one has.
_FORMS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), CMI.precisionDay),
    (re.compile(r"^(\d{4})-(\d{2})$"), CMI.precisionMonth),
    (re.compile(r"^(\d{4})$"), CMI.precisionYear),
    (re.compile(r"^(\d{3})X$"), CMI.precisionDecade),
)
_COARSENESS = [CMI.precisionDecade, CMI.precisionYear, CMI.precisionMonth, CMI.precisionDay]
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T")
_LINKS = (CMI.event, CMI.mission, CMI.subject)


class TimeFormatError(InputError):
    """A time that cannot be read; ``node`` lets the caller name the file it was written in."""

    def __init__(self, node: URIRef, message: str):
        super().__init__(f"{short(node)}: cannot read its time: {message}")
        self.node = node


@dataclass(frozen=True)
class Bounds:
    """First and last instant (ISO 8601, UTC) and the precision they were read at."""

    earliest: str
    latest: str
    precision: URIRef


@dataclass(frozen=True)
class Span:
    """One side may be open (None) until the horizon closes it."""

    earliest: str | None
    latest: str | None
    precision: URIRef


def _first(year: int, month: int = 1, day: int = 1) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00Z"


def _last(year: int, month: int = 12, day: int | None = None) -> str:
    day = day or calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-{day:02d}T23:59:59Z"


def edtf_date(text: str) -> Span:
    """One EDTF date (``2007``, ``2008-09``, ``2017-01-12``, ``196X``; a trailing ``~``,
    ``?`` or ``%`` qualifies it without changing its bounds)."""
    core = text.rstrip("~?%")
    for pattern, precision in _FORMS:
        match = pattern.match(core)
        if not match:
            continue
        parts = [int(g) for g in match.groups()]
        if precision == CMI.precisionDecade:
            return Span(_first(parts[0] * 10), _last(parts[0] * 10 + 9), precision)
        if precision == CMI.precisionYear:
            return Span(_first(parts[0]), _last(parts[0]), precision)
        if precision == CMI.precisionMonth:
            return Span(_first(*parts), _last(*parts), precision)
        return Span(_first(*parts), _last(*parts), precision)
    raise ValueError(f"{text!r} is not an EDTF date this graph uses (YYYY, YYYY-MM, YYYY-MM-DD or YYYX)")


def edtf_span(text: str) -> Span:
    """An EDTF date or interval; ``..`` or an empty side is open."""
    if "/" not in text:
        return edtf_date(text)
    start, end = text.split("/", 1)
    first = edtf_date(start) if start not in ("", "..") else None
    last = edtf_date(end) if end not in ("", "..") else None
    if first is None and last is None:
        raise ValueError(f"{text!r} is open on both sides")
    precision = coarsest([s.precision for s in (first, last) if s is not None])
    return Span(first.earliest if first else None, last.latest if last else None, precision)


def coarsest(precisions: list[URIRef]) -> URIRef:
    return min(precisions, key=_COARSENESS.index)


def datetime_span(graph: Graph, node: URIRef) -> Span | None:
    """The Wikidata-style form: a point in time, or a start and/or end, at a precision."""
    written = graph.value(node, CMI.timePrecision)
    precision = written if isinstance(written, URIRef) else CMI.precisionDay
    point, start, end = (graph.value(node, p) for p in (CMI.pointInTime, CMI.startTime, CMI.endTime))
    if point is None and start is None and end is None:
        return None
    first = _widen(str(point or start), precision) if (point or start) else None
    last = _widen(str(point or end), precision) if (point or end) else None
    return Span(first.earliest if first else None, last.latest if last else None, precision)


def _widen(value: str, precision: URIRef) -> Span:
    match = _DATETIME.match(value)
    if not match:
        raise ValueError(f"{value!r} is not an xsd:dateTime")
    year, month, day = (int(g) for g in match.groups())
    text = {
        CMI.precisionDecade: f"{year // 10:03d}X",
        CMI.precisionYear: f"{year:04d}",
        CMI.precisionMonth: f"{year:04d}-{month:02d}",
    }.get(precision, f"{year:04d}-{month:02d}-{day:02d}")
    return edtf_date(text)


def own_span(graph: Graph, node: URIRef) -> Span | None:
    """A node's own time: its EDTF string if it has one, else its dates."""
    edtf = graph.value(node, CMI.edtf)
    try:
        return edtf_span(str(edtf)) if edtf is not None else datetime_span(graph, node)
    except ValueError as exc:
        raise TimeFormatError(node, str(exc)) from exc


def linked_span(graph: Graph, claim: URIRef, datable: set[URIRef]) -> Span | None:
    """The time of the events and missions (``datable``) a claim names, joined into one span."""
    spans = []
    for link in _LINKS:
        for node in graph.objects(claim, link):
            if isinstance(node, URIRef) and node in datable:
                span = own_span(graph, node)
                if span is not None:
                    spans.append(span)
    if not spans:
        return None
    firsts = [s.earliest for s in spans if s.earliest]
    lasts = [s.latest for s in spans if s.latest]
    return Span(min(firsts) if firsts else None, max(lasts) if lasts else None, coarsest([s.precision for s in spans]))


def horizon(graph: Graph) -> tuple[str, str]:
    """The earliest and latest instant any dated node gives: where open intervals stop."""
    firsts, lasts = [], []
    for node in sorted(
        {
            s
            for p in (CMI.edtf, CMI.pointInTime, CMI.startTime, CMI.endTime)
            for s in graph.subjects(p, None)
            if isinstance(s, URIRef)
        }
    ):
        span = own_span(graph, node)
        if span is not None:
            firsts += [t for t in (span.earliest,) if t]
            lasts += [t for t in (span.latest,) if t]
    return (min(firsts), max(lasts)) if firsts and lasts else ("", "")


def claim_bounds(graph: Graph, claim: URIRef, limits: tuple[str, str], datable: set[URIRef]) -> Bounds | None:
    """A claim's bounds from its own time, else from the events and missions it names."""
    span = own_span(graph, claim) or linked_span(graph, claim, datable)
    if span is None:
        return None
    return Bounds(span.earliest or limits[0], span.latest or limits[1], span.precision)

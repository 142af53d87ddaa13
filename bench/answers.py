"""Answers as comparable values, and the one rule for when two answers are the same.

Two engines may print the same answer differently: another row order where the query does
not fix one, another blank-node label, ``"2.50"`` for ``"2.5"``, ``+00:00`` for ``Z``: numbers
and date-times are compared by value, every other literal by its exact text. Everything else is a real
difference, and the benchmark reports it as a failure, except in a DESCRIBE answer, whose
content each service chooses (SPARQL 1.1 Query, section 16.4). Tables are compared as multisets of
rows, except under ORDER BY, where the order must match up to permutations of rows with
equal sort keys (and, with LIMIT, a last group of ties may be cut differently). Graphs are
compared up to blank-node renaming (rdflib's isomorphism).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import groupby

from querymix import BenchQuery
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
GRAPH_FORMATS = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}

Term = tuple


@dataclass
class Answer:
    """A parsed answer: a table, a boolean, a graph, or the error that came instead."""

    kind: str  # "table", "boolean", "graph" or "error"
    variables: tuple[str, ...] = ()
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    error: str = ""

    @property
    def size(self) -> int:
        if self.kind == "graph" and self.graph is not None:
            return len(self.graph)
        return len(self.rows) if self.kind == "table" else 1


def parse(status: int, content_type: str, body: bytes, query: BenchQuery) -> Answer:
    """An HTTP response as an :class:`Answer`; anything unreadable is an error answer."""
    media = content_type.split(";")[0].strip().lower()
    if status != 200:
        return Answer("error", error=f"HTTP {status}: {body[:300].decode(errors='replace').strip()}")
    try:
        if query.returns_graph:
            return _graph_answer(media, body)
        return _results_answer(media, body)
    except Exception as exc:  # any parser's failure means the body is not a valid answer
        return Answer("error", error=f"unreadable {media or 'untyped'} answer: {type(exc).__name__}: {exc}"[:400])


def _graph_answer(media: str, body: bytes) -> Answer:
    if media not in GRAPH_FORMATS:
        raise ValueError(f"{media} is not an RDF graph format")
    graph = Graph()
    graph.parse(data=body, format=GRAPH_FORMATS[media])
    return Answer("graph", graph=graph)


def _results_answer(media: str, body: bytes) -> Answer:
    if "json" not in media:
        raise ValueError(f"{media} is not SPARQL JSON results")
    data = json.loads(body)
    if "boolean" in data:
        return Answer("boolean", boolean=bool(data["boolean"]))
    variables = tuple(data["head"].get("vars", []))
    rows = [tuple(_term(b[v]) if v in b else None for v in variables) for b in data["results"]["bindings"]]
    return Answer("table", variables=variables, rows=rows)


def _term(binding: dict) -> Term:
    """A result term in a form where equal RDF terms compare equal."""
    kind = binding.get("type")
    if kind == "uri":
        return ("uri", binding["value"])
    if kind == "bnode":
        return ("bnode",)
    language = binding.get("xml:lang")
    if language:
        return ("literal", binding["value"], "@" + language.lower())
    datatype = binding.get("datatype", XSD + "string")
    return ("literal", _canonical_value(binding["value"], datatype), datatype)


def _canonical_value(value: str, datatype: str) -> str:
    """One spelling per value for numbers and date-times (rdflib writes ``Z`` as ``+00:00``)."""
    try:
        if datatype == XSD + "dateTime":
            return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        if datatype in INTEGERS:
            return str(int(value))
        if datatype == XSD + "decimal":
            return str(Decimal(value).normalize())
        if datatype in (XSD + "double", XSD + "float"):
            return repr(float(value))
    except (ValueError, InvalidOperation):
        pass
    return value


def difference(expected: Answer, actual: Answer, query: BenchQuery) -> str | None:
    """None when ``actual`` is the same answer as ``expected``; otherwise what differs."""
    if actual.kind == "error":
        return actual.error
    if expected.kind != actual.kind:
        return f"a {actual.kind} where the reference gave a {expected.kind}"
    if expected.kind == "boolean":
        return None if expected.boolean == actual.boolean else f"{actual.boolean} instead of {expected.boolean}"
    if expected.kind == "graph":
        return _graph_difference(expected.graph, actual.graph)
    return _table_difference(expected, actual, query)


def _graph_difference(expected: Graph, actual: Graph) -> str | None:
    if isomorphic(expected, actual):
        return None
    want, got = set(to_isomorphic(expected)), set(to_isomorphic(actual))
    missing, extra = want - got, got - want
    return (
        f"{len(actual)} triples instead of {len(expected)}; {len(missing)} missing, {len(extra)} extra"
        + _examples("missing", missing)
        + _examples("extra", extra)
    )


def _table_difference(expected: Answer, actual: Answer, query: BenchQuery) -> str | None:
    if set(expected.variables) != set(actual.variables):
        return f"variables {sorted(actual.variables)} instead of {sorted(expected.variables)}"
    order = [actual.variables.index(v) for v in expected.variables]
    rows = [tuple(row[i] for i in order) for row in actual.rows]
    if query.ordered:
        return _ordered_difference(expected.variables, expected.rows, rows, query)
    return _multiset_difference(expected.rows, rows)


def _multiset_difference(expected: list, actual: list) -> str | None:
    want, got = Counter(expected), Counter(actual)
    if want == got:
        return None
    missing, extra = want - got, got - want
    return (
        f"{len(actual)} rows instead of {len(expected)}; {sum(missing.values())} missing, "
        f"{sum(extra.values())} extra" + _examples("missing", missing) + _examples("extra", extra)
    )


def _ordered_difference(variables: tuple[str, ...], expected: list, actual: list, query: BenchQuery) -> str | None:
    if query.order_keys is None or not set(query.order_keys) <= set(variables):
        if expected == actual:
            return None
        return _multiset_difference(expected, actual) or "same rows in another order"
    keys = [variables.index(k) for k in query.order_keys]
    want, got = _tie_groups(expected, keys), _tie_groups(actual, keys)
    keys_want, keys_got = [k for k, _ in want], [k for k, _ in got]
    if keys_want != keys_got:
        first = next(i for i, (a, b) in enumerate(zip(keys_want + [None], keys_got + [None], strict=False)) if a != b)
        return (
            _multiset_difference(expected, actual)
            or f"rows in another order: sort-key group {first} is {str(_at(keys_got, first))[:160]} "
            f"where the reference has {str(_at(keys_want, first))[:160]}"
        )
    for index, ((_, rows_want), (_, rows_got)) in enumerate(zip(want, got, strict=False)):
        cut_by_limit = query.limited and index == len(want) - 1
        if rows_want != rows_got and not cut_by_limit:
            return _multiset_difference(list(rows_want.elements()), list(rows_got.elements()))
    return None


def _at(items: list, index: int):
    return items[index] if index < len(items) else "nothing"


def _tie_groups(rows: list, keys: list[int]) -> list[tuple[tuple, Counter]]:
    def key(row):
        return tuple(row[i] for i in keys)

    return [(k, Counter(group)) for k, group in groupby(rows, key=key)]


def _examples(label: str, items) -> str:
    shown = sorted(map(str, items))[:2]
    return f"; {label} e.g. {'; '.join(s[:200] for s in shown)}" if shown else ""

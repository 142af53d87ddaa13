"""Search: full text over labels, descriptions and quotes, from the build's FTS5 index.

``cmikg build`` writes ``dist/search.sqlite`` (:mod:`cmikg.build.outputs.search_index`); a search
is one indexed SQLite query, never a scan of the graph. Accents and case are ignored by the
index's tokenizer ("operacion milagro" finds "Operación Milagro"). Each entity is listed
once, with its best-matching text as a snippet; an entity whose label is exactly the query
comes first, then entities before claims, then by relevance. The total is the number of
entities that match, counted by the index, and the answer is paged.

Labels for links (:func:`index`) are still fetched once per dataset version through the
backend, so pages name things the same way whatever store serves them.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path

from markupsafe import Markup

from cmikg.dist import SEARCH_INDEX
from cmikg.folding import fold
from cmikg.web.content import page_queries

#: Results on one page of /search.
PAGE_SIZE = 20
#: The facets a search can be narrowed to, from the identifiers' type folders, in display order.
FACETS = ("country", "place", "program", "mission", "event", "org", "person", "claim", "source", "dataset")
_WORD = re.compile(r"\w+")
_OPEN, _CLOSE = "\x02", "\x03"

__all__ = ["fold", "search", "index", "Entry", "Hit", "Results", "PAGE_SIZE", "FACETS", "IndexMissing"]


class IndexMissing(RuntimeError):
    """The build wrote no search index."""


@dataclass
class Entry:
    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    is_claim: bool = False

    @property
    def label(self) -> str:
        return self.labels.get("en") or next(iter(self.labels.values()), self.iri)


def _index() -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for row in page_queries.select("labels"):
        entry = entries.setdefault(row["entity"].value, Entry(row["entity"].value))
        label = row["label"]
        entry.labels.setdefault(label.lang or "en", label.value)
        if label.value not in entry.names:
            entry.names.append(label.value)
        if "class" in row:
            entry.classes.add(row["class"].value)
        entry.is_claim = entry.is_claim or ("isClaim" in row and row["isClaim"].value == "true")
    return entries


def index() -> dict[str, Entry]:
    """Every labelled entity by IRI (for link texts)."""
    return page_queries.cached("search-index", _index)


@dataclass
class Hit:
    """One entity found: where the best match is, and a snippet of it with the words marked."""

    iri: str
    facet: str
    label: str
    kind: str
    snippet: Markup
    matches: int
    source: str = ""
    start: int | None = None
    end: int | None = None

    @property
    def anchor(self) -> str:
        return f"q-{self.start}-{self.end}" if self.start is not None and self.end is not None else ""


@dataclass
class Results:
    query: str
    facet: str
    page: int
    total: int
    hits: list[Hit]
    facets: dict[str, int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0


def match_expression(text: str) -> str:
    """The FTS5 query for what a person typed: every word, each also as a prefix."""
    return " ".join(f'"{word}"*' for word in _WORD.findall(text))


@lru_cache(maxsize=4)
def _connect(path: str, mtime: float) -> sqlite3.Connection:
    """A read-only connection, reopened when the build replaces the file."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def connection(dist: Path) -> sqlite3.Connection:
    path = dist / SEARCH_INDEX
    if not path.is_file():
        raise IndexMissing(f"{path}: no search index; run `cmikg build`")
    return _connect(str(path), path.stat().st_mtime)


_BEST = """
WITH hits AS (
  SELECT iri, facet, label, kind, source, quote_start, quote_end, folded,
         snippet(texts, 0, char(2), char(3), '…', 16) AS snip,
         bm25(texts) * weight AS score
  FROM texts WHERE texts MATCH :match
), ranked AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY iri ORDER BY (folded = :folded) DESC, score, kind) AS n,
         COUNT(*) OVER (PARTITION BY iri) AS matches,
         MAX(folded = :folded) OVER (PARTITION BY iri) AS exact
  FROM hits
)
SELECT iri, facet, label, kind, snip, matches, source, quote_start, quote_end FROM ranked
WHERE n = 1 AND (:facet = '' OR facet = :facet)
ORDER BY exact DESC, facet = 'claim', score, label, iri
LIMIT :limit OFFSET :offset
"""
_FACETS = "SELECT facet, COUNT(DISTINCT iri) FROM texts WHERE texts MATCH :match GROUP BY facet"


def search(text: str, facet: str = "", page: int = 1) -> Results:
    """One page of the entities matching ``text`` (in ``facet`` when given), with the true totals."""
    match = match_expression(text)
    if not match:
        return Results(text, facet, page, 0, [], {})
    db = connection(page_queries.settings().dist)
    facets = dict(db.execute(_FACETS, {"match": match}).fetchall())
    total = facets.get(facet, 0) if facet else sum(facets.values())
    params = {
        "match": match,
        "folded": fold(text),
        "facet": facet,
        "limit": PAGE_SIZE,
        "offset": (page - 1) * PAGE_SIZE,
    }
    hits = [Hit(r[0], r[1], r[2], r[3], marked(r[4]), r[5], r[6], r[7], r[8]) for r in db.execute(_BEST, params)]
    ordered = {name: facets[name] for name in FACETS if name in facets}
    return Results(text, facet, page, total, hits, ordered)


def marked(snippet: str) -> Markup:
    """The snippet escaped for HTML, the matched words in ``<mark>``."""
    return Markup(escape(snippet).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))

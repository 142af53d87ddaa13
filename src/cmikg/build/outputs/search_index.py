"""The full-text search index of the site: an SQLite FTS5 table in ``dist/search.sqlite``.

Labels (English, Spanish and alternative), descriptions and every quote the graph carries are
indexed, one row per text, with the entity they belong to: a quote belongs to the claim or
entity whose reference holds it, and keeps its offsets so a hit can link to its place in
the source text. FTS5's ``unicode61 remove_diacritics 2`` tokenizer folds case and accents
("medicos" finds "médicos"), so English and Spanish are matched alike.

The index is a file of the build, like the dumps: the service opens it read-only and never
scans the graph to answer a search.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from cmikg import dist
from cmikg.folding import fold
from cmikg.namespaces import CMI, ID, PROV, RDFS, SKOS

INDEX_FILE = dist.SEARCH_INDEX
#: How much a hit in each kind of text weighs against the others (bm25 scores are multiplied).
WEIGHTS = {"label": 8.0, "description": 3.0, "quote": 1.0}
TOKENIZER = "unicode61 remove_diacritics 2"

SCHEMA = f"""
CREATE VIRTUAL TABLE texts USING fts5(
    body,
    iri UNINDEXED, facet UNINDEXED, label UNINDEXED, kind UNINDEXED, weight UNINDEXED, folded UNINDEXED,
    source UNINDEXED, quote_start UNINDEXED, quote_end UNINDEXED,
    tokenize = '{TOKENIZER}'
);
"""


def facet_of(iri: str) -> str:
    """The kind of entity, from its identifier's type folder (``id/country/cub`` → country;
    ``id/dataset`` → dataset)."""
    return iri[len(str(ID)) :].split("/", 1)[0]


def english_label(graph: Graph, node: URIRef) -> str:
    labels = [o for o in graph.objects(node, RDFS.label) if isinstance(o, Literal)]
    english = [str(o) for o in labels if o.language in (None, "en")]
    return min(english or [str(o) for o in labels] or [str(node)])


def rows(graph: Graph) -> list[tuple]:
    """(body, iri, facet, label, kind, weight, folded label, source, start, end) for every indexed text."""
    found: set[tuple] = set()
    for entity in {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))}:
        facet = facet_of(str(entity))
        if facet == "reference":
            continue
        label = english_label(graph, entity)
        for prop, kind in ((RDFS.label, "label"), (SKOS.altLabel, "label"), (RDFS.comment, "description")):
            for text in graph.objects(entity, prop):
                found.add((str(text), str(entity), facet, label, kind, WEIGHTS[kind], fold(str(text)), "", None, None))
        for ref in graph.objects(entity, PROV.wasDerivedFrom):
            for quote in graph.objects(ref, CMI.quote):
                source = graph.value(ref, CMI.reportedIn) or graph.value(ref, CMI.statedIn)
                start, end = graph.value(ref, CMI.quoteStart), graph.value(ref, CMI.quoteEnd)
                found.add(
                    (
                        str(quote),
                        str(entity),
                        facet,
                        label,
                        "quote",
                        WEIGHTS["quote"],
                        "",
                        str(source or ""),
                        int(str(start)) if start is not None else None,
                        int(str(end)) if end is not None else None,
                    )
                )
    return sorted(found, key=lambda r: (r[1], r[4], r[0], r[8] or 0))


def write_search_index(graph: Graph, path: Path) -> int:
    """Write the index to ``path`` (replacing it); returns the number of indexed texts."""
    path.unlink(missing_ok=True)
    found = rows(graph)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO texts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", found)
        db.execute("INSERT INTO texts(texts) VALUES ('optimize')")
    sqlite3.connect(path).close()
    return len(found)

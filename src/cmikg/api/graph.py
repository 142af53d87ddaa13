"""The knowledge graph as a researcher asks it: claims, entities, sources, disagreements, examples.

Every method is one SPARQL query: the tables are those of ``queries/tables/`` (the same as
the CSV files in ``dist/``), filters are graph patterns over the properties the build
derives (``cmi:involves``, ``cmi:attributedTo``, ``cmi:earliest``, ``cmi:latest``), and
examples are the gallery's ``queries/*.rq``. So a table from :meth:`KnowledgeGraph.claims`
is the same whether the graph is embedded or behind an endpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmikg.api.rows import table
from cmikg.api.sources import Embedded, Layout, Remote, Source, find_layout, shipped_queries
from cmikg.errors import CmikgError

CMI = "https://w3id.org/cmikg/ontology#"
WD = "http://www.wikidata.org/entity/"
PREFIXES = f"PREFIX cmi: <{CMI}>\nPREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
KINDS = ("claim", "criticism", "defence")
_QID = re.compile(r"^Q[1-9][0-9]*$")
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|^`\\]*$", re.IGNORECASE)
_PREFIX_LINE = re.compile(r"^\s*(PREFIX|BASE)\b", re.IGNORECASE)


@dataclass
class Entity:
    """One entity and the claims about it.

    >>> kg.entity("Q298").label_en
    'Chile'
    """

    iri: str
    type: str
    label_en: str | None
    label_es: str | None
    wikidata: str | None
    claims: Any

    def __repr__(self) -> str:
        return f"<Entity {self.label_en or self.iri} ({self.iri}), {len(self.claims)} claims>"


class KnowledgeGraph:
    """The dataset, embedded or remote. Open it with :func:`cmikg.open`.

    >>> kg = cmikg.open()
    >>> kg.claims(kind="criticism").shape
    """

    def __init__(self, source: Source, layout: Layout):
        self.source = source
        self.queries = layout.queries
        self.dist = layout.dist if isinstance(source, Embedded) else None

    def __repr__(self) -> str:
        return f"<cmikg {self.source.description}>"

    # -- tables ------------------------------------------------------------------------------

    def claims(
        self,
        subject: str | None = None,
        involves: str | None = None,
        kind: str | None = None,
        source_kind: str | None = None,
        between: tuple[int, int] | None = None,
    ) -> Any:
        """One row per claim, with the columns of ``claims.csv``; every filter given must hold.

        ``subject`` and ``involves`` take an IRI or a Wikidata QID; ``kind`` is claim,
        criticism or defence; ``source_kind`` a kind of source (``"stateMedia"`` or its
        IRI) some source or claimant of the claim has; ``between=(1998, 2010)`` keeps the
        claims whose time can fall within those years.

        >>> kg.claims(involves="Q717", between=(1998, 2010))
        """
        patterns = []
        if subject is not None:
            patterns.append(f"FILTER (?subject = <{self.resolve(subject)}>)")
        if involves is not None:
            self._need_derived("involves")
            patterns.append(f"?claim cmi:involves <{self.resolve(involves)}> .")
        if kind is not None:
            if kind not in KINDS:
                raise CmikgError(f"kind={kind!r}: use one of {', '.join(KINDS)}")
            patterns.append(f'FILTER (?kind = "{kind}")')
        if source_kind is not None:
            self._need_derived("attributedTo")
            patterns.append(f"FILTER EXISTS {{ ?claim cmi:attributedTo/cmi:sourceKind <{self._kind(source_kind)}> }}")
        if between is not None:
            self._need_derived("earliest")
            patterns.append(_overlaps(between))
        return self._table("claims", patterns)

    def sources(self) -> Any:
        """Every source, with the columns of ``sources.csv``.

        >>> kg.sources()[["source", "kind"]]
        """
        return self._table("sources")

    def references(self) -> Any:
        """Every reference with its quote and the claim or entity it backs (``references.csv``).

        >>> kg.references().query("source_kind.str.endswith('stateMedia')")
        """
        return self._table("references")

    def disagreements(self) -> Any:
        """Pairs of claims that disagree, and how (``disagreements.csv``).

        >>> kg.disagreements().relation.value_counts()
        """
        return self._table("disagreements")

    def entities(self) -> Any:
        """Every entity with its class, labels and Wikidata QID (``entities.csv``).

        >>> kg.entities().dropna(subset=["wikidata"])
        """
        return self._table("entities")

    def entity(self, iri_or_qid: str) -> Entity:
        """One entity by IRI or Wikidata QID, with the claims whose subject it is.

        >>> kg.entity("https://w3id.org/cmikg/id/country/ven").claims
        """
        iri = self.resolve(iri_or_qid)
        found = _records(self._table("entities", [f"FILTER (?iri = <{iri}>)"]))
        if not found:
            raise CmikgError(f"{iri_or_qid}: no such entity in the dataset")
        row = found[0]
        return Entity(iri, row["type"], row["label_en"], row["label_es"], row["wikidata"], self.claims(subject=iri))

    def wikidata_snapshot(self) -> Any:
        """What Wikidata said about each linked item (labels, ISO 3166 codes) when the snapshot was taken.

        Read from the embedded dataset's ``wikidata-snapshot.json``, so it needs no network.

        >>> kg.wikidata_snapshot().set_index("wikidata").loc["Q717", "iso_alpha2"]
        'VE'
        """
        from cmikg.api.snapshot import snapshot_table

        if self.dist is None:
            raise CmikgError("the Wikidata snapshot ships with the dataset: open it embedded, cmikg.open()")
        return snapshot_table(self.dist / "wikidata-snapshot.json")

    # -- free queries --------------------------------------------------------------------------

    def query(self, sparql: str) -> Any:
        """A SELECT query's answer as a typed table (numbers as numbers, dates as datetimes); ASK gives a bool.

        >>> kg.query("SELECT ?c WHERE { ?c a <https://w3id.org/cmikg/ontology#Criticism> }")
        """
        results = self.source.results(sparql)
        if "boolean" in results:
            return bool(results["boolean"])
        return table(results)

    def example(self, name: str) -> Any:
        """The answer to one of the gallery's questions (``queries/NAME.rq``).

        >>> kg.example("personnel-abroad-over-time")
        """
        return self.query(self.example_text(name))

    def example_text(self, name: str) -> str:
        """The SPARQL of a gallery question."""
        path = self.queries / f"{name}.rq"
        if not _NAME.match(name or "") or not path.is_file():
            raise CmikgError(f"no example {name!r}; examples: {', '.join(self.examples())}")
        return path.read_text(encoding="utf-8")

    def examples(self) -> list[str]:
        """The names of the gallery's questions."""
        return sorted(p.stem for p in Path(self.queries).glob("*.rq"))

    # -- helpers ---------------------------------------------------------------------------------

    def resolve(self, iri_or_qid: str) -> str:
        """The project IRI of a Wikidata QID (through ``owl:sameAs``), or the IRI as given."""
        text = (iri_or_qid or "").strip()
        if _QID.match(text):
            rows = _records(self.query(f"{PREFIXES}SELECT ?e WHERE {{ ?e owl:sameAs <{WD}{text}> }} ORDER BY ?e"))
            if not rows:
                raise CmikgError(f"{text}: no entity of the dataset is linked to this Wikidata item")
            return rows[0]["e"]
        if not _IRI.match(text):
            raise CmikgError(f"{iri_or_qid!r}: not an IRI nor a Wikidata QID (Q followed by digits)")
        return text

    def _kind(self, source_kind: str) -> str:
        iri = source_kind if source_kind.startswith(("http://", "https://")) else CMI + source_kind
        kinds = [
            r["k"] for r in _records(self.query(f"{PREFIXES}SELECT ?k WHERE {{ ?k a cmi:SourceKind }} ORDER BY ?k"))
        ]
        if iri not in kinds:
            names = ", ".join(k.removeprefix(CMI) for k in kinds)
            raise CmikgError(f"source_kind={source_kind!r}: not a kind of source; kinds: {names}")
        return iri

    def _need_derived(self, name: str) -> None:
        if not self.query(f"{PREFIXES}ASK {{ ?s cmi:{name} ?o }}"):
            raise CmikgError(
                f"this dataset has no cmi:{name}, which the build derives; open a dataset built by a newer cmikg"
            )

    def _table(self, name: str, patterns: list[str] | None = None) -> Any:
        path = self.queries / "tables" / f"{name}.rq"
        text = path.read_text(encoding="utf-8")
        return self.query(filtered(text, patterns or []))


def filtered(text: str, patterns: list[str]) -> str:
    """A table query with extra graph patterns: the query becomes a sub-query the patterns filter."""
    if not patterns:
        return text
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    prologue = [line for line in lines if _PREFIX_LINE.match(line)]
    body = "\n".join(line for line in lines if not _PREFIX_LINE.match(line))
    body, _, order = body.rpartition("ORDER BY")
    inner = "\n  ".join(patterns)
    return (
        "\n".join(prologue) + f"\nSELECT * WHERE {{\n  {{ {body.strip()} }}\n  {inner}\n}}\nORDER BY {order.strip()}\n"
    )


def _overlaps(between: tuple[int, int]) -> str:
    try:
        first, last = (int(year) for year in between)
    except (TypeError, ValueError) as exc:
        raise CmikgError(f"between={between!r}: give two years, such as between=(1998, 2010)") from exc
    if first > last:
        raise CmikgError(f"between={between!r}: the first year comes after the last")
    start = f'"{first:04d}-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
    end = f'"{last + 1:04d}-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
    return f"FILTER (?time_earliest < {end} && ?time_latest >= {start})"


def _records(rows: Any) -> list[dict]:
    """Rows as dicts, from a DataFrame or from :class:`Rows`, with missing values as None."""
    if hasattr(rows, "to_dict"):
        return [{k: (None if _missing(v) else v) for k, v in r.items()} for r in rows.to_dict("records")]
    return list(rows)


def _missing(v: Any) -> bool:
    try:
        return bool(v != v) or v is None or str(v) in ("<NA>", "NaT")
    except (TypeError, ValueError):
        return False


def open_graph(location: str | Path | None = None) -> KnowledgeGraph:
    """Open the dataset: embedded (no argument, or a ``dist/`` folder) or a SPARQL endpoint URL.

    >>> kg = open_graph("http://127.0.0.1:8000/sparql")
    """
    if isinstance(location, str) and location.startswith(("http://", "https://")):
        return KnowledgeGraph(Remote(location), Layout(Path(), shipped_queries()))
    layout = find_layout(Path(location) if location is not None else None)
    return KnowledgeGraph(Embedded(layout), layout)

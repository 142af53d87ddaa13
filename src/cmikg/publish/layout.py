"""How a published dataset is laid out in an external store, for the publisher that writes
it and the remote backend that reads it.

Every publication goes to its own named graph, ``<pointer>/v<version>-<sha256 prefix>``;
a small pointer graph named ``<pointer>`` holds one record per switch::

    <pointer> dcterms:hasVersion <pointer/v0.1.0-75cfb91a35e5> .
    <pointer/v0.1.0-75cfb91a35e5> dcterms:issued "…"^^xsd:dateTime ;
        owl:versionInfo "0.1.0" ; cmi:sha256 "…" ; void:triples 5818 .

Readers serve the version with the latest ``dcterms:issued``. A switch therefore only
*adds* a few triples, in one request: no moment exists in which the pointer is missing,
even on stores whose Graph Store PUT clears a graph before loading it. Records are matched
only when complete, so a half-written one is never chosen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from string import Template
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, XSD

from cmikg.iris import POINTER_GRAPH
from cmikg.namespaces import CMI, VOID
from cmikg.sparqlclient import StoreClient, check_iri

#: The pointer graph's IRI unless ``--graph`` says otherwise.
DEFAULT_GRAPH = POINTER_GRAPH


def template(name: str, **values: str) -> str:
    """A SPARQL text from ``cmikg/templates/sparql/`` with ``$name`` placeholders filled in."""
    text = resources.files("cmikg").joinpath("templates", "sparql", name).read_text(encoding="utf-8")
    return Template(text).substitute(values)


@dataclass(frozen=True)
class Fingerprint:
    """Triple count and order-independent checksum of a graph (see ``fingerprint.rq``)."""

    triples: int
    checksum: int

    def __str__(self) -> str:
        return f"{self.triples} triples, checksum {self.checksum}"


@dataclass(frozen=True)
class Release:
    """One published version: its graph and what the publisher measured before switching."""

    graph: str
    label: str
    sha256: str
    triples: int
    switched: str = ""

    @property
    def short(self) -> str:
        return self.graph.rsplit("/", 1)[-1]

    @property
    def switched_epoch(self) -> float:
        """When readers were switched to this version, in seconds since 1970 (0 if unknown)."""
        try:
            return datetime.fromisoformat(self.switched.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0


def version_graph(pointer: str, label: str, sha256: str) -> str:
    """The named graph a version is uploaded to: new for every different dump."""
    return check_iri(f"{pointer}/v{quote(label, safe='.-_~')}-{sha256[:12]}", "version graph")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def local_fingerprint(path: Path) -> Fingerprint:
    """The fingerprint of an N-Triples file, computed by the same query the store runs."""
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    solutions = store.query(template("fingerprint.rq"))
    assert isinstance(solutions, ox.QuerySolutions), "fingerprint.rq is a SELECT"
    row = next(iter(solutions))
    return Fingerprint(_int(row["triples"]), _int(row["checksum"]))


def remote_fingerprint(client: StoreClient, graph: str) -> Fingerprint:
    """The fingerprint of ``graph`` in the store, computed there (nothing is downloaded)."""
    rows = client.select(template("fingerprint.rq"), default_graphs=[graph])
    row = rows[0] if rows else {}
    return Fingerprint(int(row.get("triples", {}).get("value", 0)), int(row.get("checksum", {}).get("value", 0)))


def _int(term) -> int:
    return int(term.value) if term is not None else 0


def releases(client: StoreClient, pointer: str, limit: int | None = None) -> list[Release]:
    """The published versions, the served one first; empty when nothing was published."""
    text = template("releases.rq", graph=check_iri(pointer, "--graph"), limit=f"LIMIT {int(limit)}" if limit else "")
    return [
        Release(
            graph=row["version"]["value"],
            label=row["label"]["value"],
            sha256=row["sha"]["value"],
            triples=int(row["triples"]["value"]),
            switched=row["switched"]["value"],
        )
        for row in client.select(text)
    ]


def current(client: StoreClient, pointer: str) -> Release | None:
    """The version readers get now, or ``None`` if nothing was published under ``pointer``."""
    found = releases(client, pointer, limit=1)
    return found[0] if found else None


def switch_record(pointer: str, release: Release, issued: datetime | None = None) -> bytes:
    """The N-Triples that make ``release`` the served version when added to the pointer graph."""
    when = (issued or datetime.now(UTC)).isoformat(timespec="microseconds")
    graph = Graph()
    node = URIRef(release.graph)
    graph.add((URIRef(pointer), DCTERMS.hasVersion, node))
    graph.add((node, DCTERMS.issued, Literal(when, datatype=XSD.dateTime)))
    graph.add((node, OWL.versionInfo, Literal(release.label)))
    graph.add((node, CMI.sha256, Literal(release.sha256, datatype=XSD.string)))
    graph.add((node, VOID.triples, Literal(release.triples)))
    return graph.serialize(format="nt", encoding="utf-8")

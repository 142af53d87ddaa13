"""The documents that describe the endpoint: the SPARQL Service Description and the VoID file.

Both are small RDF graphs (:class:`Description`: triples and the prefixes their source
declares) built once per public URL and kept serialised per format. The
Service Description states the limits clients run into (time, rows, body size) and the
dataset version, from the template ``templates/endpoint/service-description.ttl``; the VoID
document is ``dist/void.ttl`` plus the endpoint's address and example resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

import pyoxigraph as ox

from cmikg import dist, rdfio
from cmikg.config import Settings
from cmikg.engines.backend import QueryBackend, QueryError
from cmikg.iris import DATASET, VOID, Vocabulary
from cmikg.sparql.formats import TURTLE, Format

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "endpoint"
CMIS = Vocabulary("https://w3id.org/cmikg/service#")


@dataclass
class Description:
    """An RDF document's triples, the prefixes its source declares (kept when written) and
    what it is about (written first)."""

    triples: list[ox.Triple]
    prefixes: dict[str, str]
    about: str = ""

    def add(self, subject: str, predicate: str, iri: str) -> None:
        self.triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), ox.NamedNode(iri)))

    def has(self, subject: str, predicate: str) -> bool:
        return any(str(t.subject) == f"<{subject}>" and t.predicate.value == predicate for t in self.triples)


def service_description(settings: Settings, backend: QueryBackend, endpoint: str, void_url: str) -> Description:
    """What the endpoint is, which formats it speaks, its limits and the data it serves."""
    dataset = getattr(backend, "dataset", None)
    text = Template((TEMPLATES / "service-description.ttl").read_text(encoding="utf-8")).substitute(
        endpoint=endpoint,
        dataset=str(DATASET),
        version=backend.version(),
        sha256=getattr(dataset, "sha256", ""),
        timeout=repr(float(settings.query_timeout)),
        max_rows=settings.max_rows,
        max_body=settings.max_body_bytes,
        triples=backend.triple_count(),
        void=void_url,
    )
    graph = Description(*rdfio.parse_with_prefixes(text, TURTLE), about=endpoint)
    for iri in settings.service_allowlist:
        graph.add(endpoint, CMIS.allowedService, iri)
    return graph


def void_description(settings: Settings, backend: QueryBackend, endpoint: str) -> Description | None:
    """``dist/void.ttl`` with the endpoint and example resources; ``None`` when not built."""
    path = settings.dist / dist.VOID
    if not path.is_file():
        return None
    graph = Description(*rdfio.parse_with_prefixes(path.read_bytes(), TURTLE), about=DATASET)
    graph.prefixes.setdefault("void", VOID)
    graph.add(DATASET, VOID.sparqlEndpoint, endpoint)
    if not graph.has(DATASET, VOID.exampleResource):
        for iri in example_resources(backend):
            graph.add(DATASET, VOID.exampleResource, iri)
    return graph


def example_resources(backend: QueryBackend) -> list[str]:
    query = (TEMPLATES / "example-resources.rq").read_text(encoding="utf-8")
    try:
        rows = backend.select(query)
    except QueryError:
        return []
    return [row["example"]["value"] for row in rows if row.get("example", {}).get("type") == "uri"]


def serialize(graph: Description, fmt: Format) -> bytes:
    return rdfio.serialize(graph.triples, fmt, prefixes=graph.prefixes, about=graph.about)

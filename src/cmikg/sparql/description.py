"""The documents that describe the endpoint: the SPARQL Service Description and the VoID file.

Both are small RDF graphs built once per public URL and kept serialised per format. The
Service Description states the limits clients run into (time, rows, body size) and the
dataset version, from the template ``templates/endpoint/service-description.ttl``; the VoID
document is ``dist/void.ttl`` plus the endpoint's address and example resources.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from rdflib import Graph, Namespace, URIRef

from cmikg import dist
from cmikg.config import Settings
from cmikg.engines.backend import QueryBackend, QueryError
from cmikg.namespaces import DATASET, VOID
from cmikg.sparql.formats import TURTLE, Format

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "endpoint"
CMIS = Namespace("https://w3id.org/cmikg/service#")


def service_description(settings: Settings, backend: QueryBackend, endpoint: str, void_url: str) -> Graph:
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
    graph = Graph()
    graph.parse(data=text, format=TURTLE.rdflib)
    for iri in settings.service_allowlist:
        graph.add((URIRef(endpoint), CMIS.allowedService, URIRef(iri)))
    return graph


def void_description(settings: Settings, backend: QueryBackend, endpoint: str) -> Graph | None:
    """``dist/void.ttl`` with the endpoint and example resources; ``None`` when not built."""
    path = settings.dist / dist.VOID
    if not path.is_file():
        return None
    graph = Graph()
    graph.parse(path, format=TURTLE.rdflib)
    graph.bind("void", VOID)
    graph.add((DATASET, VOID.sparqlEndpoint, URIRef(endpoint)))
    if (DATASET, VOID.exampleResource, None) not in graph:
        for iri in example_resources(backend):
            graph.add((DATASET, VOID.exampleResource, URIRef(iri)))
    return graph


def example_resources(backend: QueryBackend) -> list[str]:
    query = (TEMPLATES / "example-resources.rq").read_text(encoding="utf-8")
    try:
        rows = backend.select(query)
    except QueryError:
        return []
    return [row["example"]["value"] for row in rows if row.get("example", {}).get("type") == "uri"]


def serialize(graph: Graph, fmt: Format) -> bytes:
    return graph.serialize(format=fmt.rdflib, encoding="utf-8")

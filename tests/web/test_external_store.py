"""The pages read the graph only through the backend: pointed at an external SPARQL store
(an Oxigraph server holding the same dump), ``cmikg serve --backend URL`` serves the same pages."""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph
from rdflib.namespace import RDF

from cmikg.namespaces import CMI
from tests.conftest import (
    free_port,
    serve_command,
    start_oxigraph_read_only,
    start_process,
    stop_process,
)
from tests.web import oracle


@pytest.fixture(scope="module")
def external_site(site_data, tmp_path_factory: pytest.TempPathFactory):
    """An Oxigraph server with the dump, and ``cmikg serve`` in front of it."""
    store, store_url = start_oxigraph_read_only(site_data.dataset_file, tmp_path_factory.mktemp("external-store"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [
        *serve_command(site_data, port),
        "--workers",
        "1",
        "--backend",
        store_url,
    ]
    try:
        server = start_process(args, f"{base}/health", timeout=120)
    except Exception:
        stop_process(store)
        raise
    yield base
    stop_process(server)
    stop_process(store)


def page(base: str, path: str) -> str:
    """The page with the served dataset's version blanked: each backend reports its own."""
    version = requests.get(f"{base}/health", timeout=30).json()["version"]
    response = requests.get(base + path, timeout=60)
    assert response.status_code == 200, (base, path, response.status_code)
    text = response.text.replace(base, "BASE").replace(f"Dataset version {version}.", "Dataset version VERSION.")
    if not path.endswith("/dataset"):
        return text
    return text.replace(version, "VERSION").replace(version.replace(".", "-"), "VERSION")


def sample_paths(graph: Graph) -> list[str]:
    """Every page kind, and one entity of every class the project mints."""
    paths = [
        "/",
        "/search?q=cuba",
        "/ontology",
        "/charts",
        "/charts?by=personnel",
        "/text",
        "/query?example=programs",
        "/charts/personnel.svg",
    ]
    classes = {c for s, c in graph.subject_objects(RDF.type) if str(s).startswith(oracle.ENTITY_SPACE)}
    for cls in sorted(classes):
        paths.append(f"/doc/{oracle.path_of(oracle.entities_of(graph, cls)[0])}")
    subjects = {graph.value(c, CMI.subject) for c in oracle.claims(graph)}
    busiest = max(subjects - {None}, key=lambda s: len(oracle.claims_about(graph, s)))
    paths.append(f"/doc/{oracle.path_of(busiest)}")
    return paths


def test_every_kind_of_page_is_the_same_on_an_external_store(site, external_site, graph):
    for path in sample_paths(graph):
        assert page(external_site, path) == page(site.base, path), path


def test_entity_documents_are_the_same_graph_on_an_external_store(site, external_site, graph):
    from rdflib.compare import isomorphic

    program = oracle.program_with_spanish_name(graph)
    for suffix, parser in (("ttl", "turtle"), ("jsonld", "json-ld")):
        docs = [
            Graph().parse(
                data=requests.get(f"{b}/doc/{oracle.path_of(program)}.{suffix}", timeout=60).content, format=parser
            )
            for b in (site.base, external_site)
        ]
        assert isomorphic(*docs), suffix

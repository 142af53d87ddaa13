"""The endpoint through the clients people use: SPARQLWrapper in every format it offers, and
rdflib's SPARQLStore; each compared with the answer plain HTTP gives."""

from __future__ import annotations

import csv
import io
from urllib.error import HTTPError

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o)) } ORDER BY ?s ?p ?o LIMIT 25"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isIRI(?s) && !isBlank(?o)) } ORDER BY ?s ?p ?o LIMIT 25"


@pytest.fixture(scope="module")
def reference(endpoint) -> list[tuple[str, str, str]]:
    rows = endpoint.select(SELECT)
    assert len(rows) == 25, "the dataset needs 25 IRI-to-IRI triples for these tests"
    return [(r["s"]["value"], r["p"]["value"], r["o"]["value"]) for r in rows]


def wrapper(endpoint, fmt: str, method: str = "GET", request_method: str = URLENCODED) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint.url)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setTimeout(60)
    return client


@pytest.mark.parametrize("method,request_method", [("GET", URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)])
def test_sparqlwrapper_select_as_json(endpoint, reference, method, request_method):
    client = wrapper(endpoint, JSON, method, request_method)
    client.setQuery(SELECT)
    bindings = client.query().convert()["results"]["bindings"]
    assert [(b["s"]["value"], b["p"]["value"], b["o"]["value"]) for b in bindings] == reference


def test_sparqlwrapper_select_as_xml(endpoint, reference):
    client = wrapper(endpoint, XML)
    client.setQuery(SELECT)
    document = client.query().convert()
    rows = []
    for result in document.getElementsByTagName("result"):
        cells = {
            b.getAttribute("name"): b.getElementsByTagName("uri")[0].firstChild.data
            for b in result.getElementsByTagName("binding")
        }
        rows.append((cells["s"], cells["p"], cells["o"]))
    assert rows == reference


@pytest.mark.parametrize("fmt,delimiter", [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_select_as_csv_and_tsv(endpoint, reference, fmt, delimiter):
    client = wrapper(endpoint, fmt)
    client.setQuery(SELECT)
    text = client.query().convert().decode("utf-8")
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    strip = (lambda v: v[1:-1]) if fmt == TSV else (lambda v: v)
    assert [tuple(strip(v) for v in r) for r in records[1:]] == reference


def test_sparqlwrapper_ask(endpoint, reference):
    client = wrapper(endpoint, JSON)
    client.setQuery(f"ASK {{ <{reference[0][0]}> <{reference[0][1]}> <{reference[0][2]}> }}")
    assert client.query().convert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_sparqlwrapper_construct(endpoint, fmt):
    expected = Graph().parse(data=endpoint.query(CONSTRUCT, accept="application/n-triples").content, format="nt")
    assert len(expected) == 25
    client = wrapper(endpoint, fmt)
    client.setQuery(CONSTRUCT)
    answer = client.query().convert()
    graph = (
        answer
        if isinstance(answer, Graph)
        else Graph().parse(data=answer, format={TURTLE: "turtle", N3: "turtle", JSONLD: "json-ld"}[fmt])
    )
    assert isomorphic(graph, expected)


def test_rdflib_sparqlstore(endpoint, reference, nt_lines):
    store = SPARQLStore(endpoint.url, returnFormat="json", timeout=60)
    graph = Graph(store)
    rows = [(str(s), str(p), str(o)) for s, p, o in graph.query(SELECT)]
    assert rows == reference
    s, p, o = (URIRef(v) for v in reference[0])
    assert (s, p, o) in graph
    assert bool(graph.query(f"ASK {{ <{s}> ?p ?o }}").askAnswer) is True
    count = next(iter(graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0]
    assert int(count) == len(set(nt_lines))
    store.close()


def test_rdflib_update_store_is_refused(endpoint, nt_lines):
    store = SPARQLUpdateStore(endpoint.url, endpoint.url, timeout=60)
    with pytest.raises(HTTPError) as refused:
        store.update("INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }")
    assert refused.value.code == 403
    assert endpoint.count() == len(set(nt_lines))

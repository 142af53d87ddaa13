"""The SPARQL 1.1 Protocol over plain HTTP: methods, content types, formats, negotiation,
the Service Description, VoID, and the headers every answer carries."""

from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from tests.endpoint.conftest import JSON, MAX_BODY, MAX_ROWS, TIMEOUT

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
CMIS = Namespace("https://w3id.org/cmikg/service#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SPARQL_XML = "{http://www.w3.org/2005/sparql-results#}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SOME = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isIRI(?s) && !isBlank(?o)) } ORDER BY ?s ?p ?o LIMIT 40"


@pytest.fixture(scope="module")
def dump(dataset) -> Graph:
    return Graph().parse(dataset.dataset_file, format="nt")


def version_of(endpoint) -> str:
    report = endpoint.settings.dist / "build-report.json"
    return json.loads(report.read_text(encoding="utf-8"))["version"]


def test_count_matches_the_dump_by_every_method(endpoint, nt_lines):
    expected = len(set(nt_lines))
    answers = [
        requests.get(endpoint.url, params={"query": COUNT}, headers={"Accept": JSON}, timeout=30),
        requests.post(endpoint.url, data={"query": COUNT}, headers={"Accept": JSON}, timeout=30),
        requests.post(
            endpoint.url,
            data=COUNT.encode(),
            timeout=30,
            headers={"Accept": JSON, "Content-Type": "application/sparql-query"},
        ),
        requests.post(
            endpoint.url,
            data=COUNT.encode(),
            timeout=30,
            headers={"Accept": JSON, "Content-Type": "application/sparql-query; charset=utf-8"},
        ),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith(JSON)
        assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == expected


def rows_from(media_type: str, body: bytes) -> list[tuple[str, str, str]]:
    """(s, p, o) lexical values from any of the four result formats."""
    text = body.decode("utf-8")
    if media_type == JSON:
        return [
            tuple(("_:" if b[v]["type"] == "bnode" else "") + b[v]["value"] for v in ("s", "p", "o"))
            for b in json.loads(text)["results"]["bindings"]
        ]
    if media_type == "application/sparql-results+xml":
        rows = []
        for result in ET.fromstring(body).iter(f"{SPARQL_XML}result"):
            cells = {
                b.get("name"): ("_:" if b.find(f"{SPARQL_XML}bnode") is not None else "") + "".join(b.itertext())
                for b in result.iter(f"{SPARQL_XML}binding")
            }
            rows.append((cells["s"], cells["p"], cells["o"]))
        return rows
    if media_type == "text/csv":
        records = list(csv.reader(io.StringIO(text)))
        assert records[0] == ["s", "p", "o"]
        return [tuple(r) for r in records[1:]]
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "?s\t?p\t?o"
    return [tuple(_tsv_value(cell) for cell in line.split("\t")) for line in lines[1:]]


def _tsv_value(cell: str) -> str:
    """TSV writes terms in Turtle syntax: <iri>, "literal"^^<type> or "literal"@lang."""
    if cell.startswith("<"):
        return cell[1:-1]
    if cell.startswith('"'):
        return json.loads(cell[: cell.rindex('"') + 1])
    return cell


RESULT_TYPES = [JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"]
FORMAT_NAMES = {
    JSON: "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}


@pytest.mark.parametrize("media_type", RESULT_TYPES)
def test_select_in_each_results_format_by_accept_and_by_parameter(endpoint, media_type):
    reference = rows_from(JSON, endpoint.query(SOME).content)
    assert len(reference) == 40
    by_accept = endpoint.query(SOME, accept=media_type)
    by_name = requests.get(endpoint.url, params={"query": SOME, "format": FORMAT_NAMES[media_type]}, timeout=30)
    for response in (by_accept, by_name):
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].split(";")[0] == media_type
        assert rows_from(media_type, response.content) == reference


@pytest.mark.parametrize(
    "media_type,parser",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_in_each_rdf_format(endpoint, dump, media_type, parser):
    response = endpoint.query(CONSTRUCT, accept=media_type)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=parser)
    assert len(graph) == 40
    assert all(triple in dump for triple in graph)
    reference = Graph().parse(data=endpoint.query(CONSTRUCT, accept="application/n-triples").content, format="nt")
    assert isomorphic(graph, reference)


def test_ask_answers_true_and_false(endpoint, nt_lines):
    subject = nt_lines[0].split(" ", 1)[0]
    for text, expected in ((f"ASK {{ {subject} ?p ?o }}", True), ("ASK { <urn:x:absent> ?p ?o }", False)):
        assert endpoint.query(text).json()["boolean"] is expected
        xml = endpoint.query(text, accept="application/sparql-results+xml").content
        assert ET.fromstring(xml).find(f"{SPARQL_XML}boolean").text == str(expected).lower()


def test_accept_q_values_pick_the_preferred_format(endpoint):
    response = endpoint.query(SOME, accept="text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1")
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    response = endpoint.query(SOME, accept="text/*;q=0.8, application/sparql-results+json;q=0.2")
    assert response.headers["Content-Type"].startswith("text/csv")
    response = endpoint.query(CONSTRUCT, accept="application/n-triples;q=0.3, text/turtle")
    assert response.headers["Content-Type"].startswith("text/turtle")
    response = endpoint.query(SOME, accept="*/*")
    assert response.headers["Content-Type"].startswith(JSON)


def test_nothing_acceptable_is_406(endpoint):
    response = endpoint.query(SOME, accept="image/png")
    assert response.status_code == 406 and "available" in response.text
    response = endpoint.query(SOME, accept="text/csv;q=0, application/json;q=0")
    assert response.status_code == 406
    response = requests.get(endpoint.url, params={"query": CONSTRUCT, "format": "csv"}, timeout=30)
    assert response.status_code == 406 and "format=csv" in response.text
    response = requests.get(endpoint.url, params={"query": SOME, "format": "png"}, timeout=30)
    assert response.status_code == 400 and "'format'" in response.text


def test_default_graph_uri_selects_the_dataset(endpoint, nt_lines):
    empty = requests.get(
        endpoint.url,
        params={"query": COUNT, "default-graph-uri": "urn:x:no-such-graph"},
        headers={"Accept": JSON},
        timeout=30,
    )
    assert int(empty.json()["results"]["bindings"][0]["n"]["value"]) == 0
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = requests.post(
        endpoint.url + "?" + urlencode({"named-graph-uri": "urn:x:no-such-graph"}),
        data=named.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": JSON},
        timeout=30,
    )
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == 0
    assert endpoint.count() == len(set(nt_lines))
    bad = requests.get(endpoint.url, params={"query": COUNT, "default-graph-uri": "not an iri"}, timeout=30)
    assert bad.status_code == 400 and "default-graph-uri" in bad.text


def test_malformed_query_is_400_with_the_parsers_position(endpoint):
    response = endpoint.query("SELECT ?s WHERE { ?s ?p ")
    assert response.status_code == 400
    assert "syntax error" in response.text and "1:" in response.text
    response = endpoint.query("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(\n}")
    assert response.status_code == 400 and ("4:" in response.text or "line 4" in response.text)


def test_empty_and_missing_queries_are_400_saying_so(endpoint):
    for response in (
        endpoint.query(""),
        endpoint.query("   \n"),
        requests.get(endpoint.url, params={"query": ""}, timeout=30),
        requests.post(endpoint.url, data=b"", timeout=30, headers={"Content-Type": "application/sparql-query"}),
    ):
        assert response.status_code == 400 and "empty query" in response.text
    response = requests.post(endpoint.url, data={"format": "json"}, timeout=30)
    assert response.status_code == 400 and "missing query" in response.text
    response = requests.post(endpoint.url, data="query", headers={"Content-Type": "text/plain"}, timeout=30)
    assert response.status_code == 415 and "application/sparql-query" in response.text
    response = requests.get(endpoint.url, params=[("query", COUNT), ("query", COUNT)], timeout=30)
    assert response.status_code == 400 and "once" in response.text


def test_head_options_and_cors(endpoint):
    head = requests.head(endpoint.url, params={"query": SOME}, headers={"Accept": JSON}, timeout=30)
    get = requests.get(endpoint.url, params={"query": SOME}, headers={"Accept": JSON}, timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    options = requests.options(
        endpoint.url, timeout=30, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert options.status_code == 200
    assert "POST" in options.headers["Allow"] and "POST" in options.headers["Access-Control-Allow-Methods"]
    assert get.headers["Access-Control-Allow-Origin"] == "*"


def test_gzip_when_asked(endpoint):
    big = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 500"
    plain = requests.post(
        endpoint.url, data={"query": big}, timeout=30, headers={"Accept": JSON, "Accept-Encoding": "identity"}
    )
    assert "Content-Encoding" not in plain.headers
    raw = requests.post(
        endpoint.url, data={"query": big}, timeout=30, stream=True, headers={"Accept": JSON, "Accept-Encoding": "gzip"}
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    compressed = raw.raw.read(decode_content=False)
    assert len(compressed) < len(plain.content)
    assert gzip.decompress(compressed) == plain.content


def test_every_answer_carries_the_version_and_a_working_permalink(endpoint):
    version = version_of(endpoint)
    response = requests.post(endpoint.url, data={"query": SOME}, headers={"Accept": JSON}, timeout=30)
    assert response.headers["X-Dataset-Version"] == version
    link = response.links["canonical"]["url"]
    again = requests.get(link, headers={"Accept": JSON}, timeout=30)
    assert again.status_code == 200 and again.content == response.content
    for other in (
        requests.get(endpoint.base + "/health", timeout=30),
        endpoint.query("SELECT nonsense"),
        requests.get(endpoint.url, timeout=30),
    ):
        assert other.headers["X-Dataset-Version"] == version


def test_etag_revalidation_gives_304(endpoint):
    first = requests.get(endpoint.url, params={"query": SOME}, headers={"Accept": JSON}, timeout=30)
    tag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    second = requests.get(
        endpoint.url, params={"query": SOME}, timeout=30, headers={"Accept": JSON, "If-None-Match": tag}
    )
    assert second.status_code == 304 and second.content == b""
    other = requests.get(
        endpoint.url, params={"query": SOME}, timeout=30, headers={"Accept": "text/csv", "If-None-Match": tag}
    )
    assert other.status_code == 200 and other.headers["ETag"] != tag


def test_service_description_states_limits_and_version(endpoint, nt_lines):
    response = requests.get(endpoint.url, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    service = URIRef(endpoint.url)
    assert (service, SD.endpoint, service) in graph
    assert float(graph.value(service, CMIS.queryTimeoutSeconds)) == TIMEOUT
    assert int(graph.value(service, CMIS.maxResultRows)) == MAX_ROWS
    assert int(graph.value(service, CMIS.maxRequestBytes)) == MAX_BODY
    assert graph.value(service, DCTERMS.hasVersion) == Literal(version_of(endpoint))
    default_graph = graph.value(graph.value(service, SD.defaultDataset), SD.defaultGraph)
    assert int(graph.value(default_graph, VOID.triples)) == len(set(nt_lines))
    as_jsonld = requests.get(endpoint.url, headers={"Accept": "application/ld+json"}, timeout=30)
    assert as_jsonld.headers["Content-Type"].startswith("application/ld+json")
    assert isomorphic(Graph().parse(data=as_jsonld.text, format="json-ld"), graph)


def test_void_is_served_with_negotiation(endpoint, nt_lines):
    turtle = requests.get(endpoint.base + "/.well-known/void", timeout=30)
    assert turtle.status_code == 200 and turtle.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    dataset = next(graph.subjects(VOID.triples, None))
    assert int(graph.value(dataset, VOID.triples)) == len(set(nt_lines))
    assert (dataset, VOID.sparqlEndpoint, URIRef(endpoint.url)) in graph
    built = Graph().parse(endpoint.settings.dist / "void.ttl", format="turtle")
    served = {_simple(triple) for triple in graph}
    assert [t for t in map(_simple, built) if t not in served] == []
    xml = requests.get(endpoint.base + "/.well-known/void", headers={"Accept": "application/rdf+xml"}, timeout=30)
    assert xml.headers["Content-Type"].startswith("application/rdf+xml")
    assert isomorphic(Graph().parse(data=xml.content, format="xml"), graph)


def test_health_and_metrics(endpoint):
    health = requests.get(endpoint.base + "/health", timeout=30).json()
    assert health["status"] == "ok" and health["version"] == version_of(endpoint)
    before = _metric(endpoint, "cmikg_queries_total")
    for _ in range(3):
        endpoint.query(COUNT)
    assert _metric(endpoint, "cmikg_queries_total") >= before + 3
    text = requests.get(endpoint.base + "/metrics", timeout=30).text
    for name in (
        "cmikg_query_errors_total",
        "cmikg_query_timeouts_total",
        "cmikg_query_duration_seconds_bucket",
        "cmikg_dataset_triples",
    ):
        assert f"\n{name}" in text


XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def _simple(triple: tuple) -> tuple:
    """RDF 1.1: a literal typed xsd:string is the simple literal (rdflib keeps the two apart)."""
    return tuple(Literal(str(t)) if isinstance(t, Literal) and t.datatype == XSD_STRING else t for t in triple)


def _metric(endpoint, name: str) -> float:
    for line in requests.get(endpoint.base + "/metrics", timeout=30).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} missing from /metrics")

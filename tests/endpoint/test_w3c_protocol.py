"""The W3C SPARQL 1.1 Protocol test suite, run against a real ``cmikg serve``.

The manifest (``../shared/reference/w3c-sparql11-protocol/manifest.ttl``, unchanged from the
W3C's rdf-tests) describes each test as HTTP requests and the responses expected. The server
is loaded with the suite's data files as the named graphs the manifest names; every request
is sent as written (method, path under ``/sparql/``, headers, body in its declared encoding)
through ``http.client``, so nothing is added or normalised on the way.

The query tests must pass as the manifest says. The endpoint is read-only, so for the update
tests the one requirement is that the update itself is refused with a 4xx.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection

from tests.conftest import ROOT, cmikg_command, free_port, start_process, stop_process

pytestmark = pytest.mark.server

SUITE = ROOT.parent / "shared" / "reference" / "w3c-sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
FORMATS = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": ("application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-"),
    "RDF": ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"),
}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    format: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    requests: list[Request]

    @property
    def is_update(self) -> bool:
        return self.name.split("#")[-1].startswith(("update_", "bad_update"))


def _request(manifest: Graph, node) -> Request:
    headers = {}
    for header in Collection(manifest, manifest.value(node, HT.headers) or URIRef("urn:none")):
        headers[str(manifest.value(header, HT.fieldName))] = str(manifest.value(header, HT.fieldValue))
    body_node = manifest.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(manifest.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(manifest.value(body_node, CNT.chars)).encode(encoding.lower())
    response = manifest.value(node, HT.resp)
    boolean = manifest.value(response, MF.expectedBoolean)
    fmt = manifest.value(response, MF.expectedFormat)
    return Request(
        str(manifest.value(node, HT.methodName)),
        str(manifest.value(node, HT.absolutePath)),
        headers,
        body,
        {str(s).rsplit("#", 1)[-1] for s in manifest.objects(response, MF.expectedStatus)},
        str(fmt) if fmt is not None else None,
        boolean.toPython() if boolean is not None else None,
    )


def read_manifest() -> tuple[list[ProtocolTest], dict[str, Path]]:
    """The tests in manifest order, and every named graph they need (IRI → data file)."""
    manifest = Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=(SUITE / "manifest.ttl").as_uri())
    root = next(manifest.subjects(MF.entries, None))
    tests, graphs = [], {}
    for test in Collection(manifest, manifest.value(root, MF.entries)):
        for data in manifest.objects(test, UT.graphData):
            file = Path(str(manifest.value(data, UT.graph)).removeprefix("file://"))
            graphs[str(manifest.value(data, RDFS.label))] = file
        action = manifest.value(test, MF.action)
        requests = [_request(manifest, r) for r in Collection(manifest, manifest.value(action, HT.requests))]
        tests.append(ProtocolTest(str(test), requests))
    return tests, graphs


TESTS, GRAPHS = read_manifest() if SUITE.is_dir() else ([], {})


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory):
    """``cmikg serve`` over a dataset holding the suite's data files as named graphs."""
    assert SUITE.is_dir(), f"the W3C protocol suite is missing: {SUITE}"
    dist = tmp_path_factory.mktemp("w3c") / "dist"
    dist.mkdir()
    lines = []
    for iri, file in sorted(GRAPHS.items()):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(line.rstrip().removesuffix(".").rstrip() + f" <{iri}> .\n")
    (dist / "cmikg.nt").write_text("".join(lines), encoding="utf-8")
    port = free_port()
    args = [*cmikg_command(), "--project", str(ROOT), "--dist", str(dist), "serve"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "2"]
    process = start_process(args, f"http://127.0.0.1:{port}/health", timeout=120)
    yield port
    stop_process(process)


def send(port: int, request: Request) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def check(port: int, request: Request) -> list[str]:
    """What is wrong with the server's answer to ``request``; empty when it is as expected."""
    status, media, body = send(port, request)
    problems = []
    if f"StatusCode{status // 100}xx" not in request.statuses:
        problems.append(f"status {status}, expected {sorted(request.statuses)}: {body[:200]!r}")
    if request.format and not media.startswith(FORMATS[request.format]):
        problems.append(f"Content-Type {media!r} is not a {request.format} format")
    if request.boolean is not None and media.startswith("application/sparql-results+json"):
        if json.loads(body).get("boolean") is not request.boolean:
            problems.append(f"expected boolean {request.boolean}, got {body[:200]!r}")
    return problems


def test_every_query_test_of_the_w3c_protocol_suite_passes(endpoint):
    queries = [t for t in TESTS if not t.is_update]
    assert len(queries) >= 20, f"only {len(queries)} query tests read from the manifest"
    failures = {t.name: p for t in queries for r in t.requests if (p := check(endpoint, r))}
    print(f"\nW3C SPARQL 1.1 Protocol: {len(queries) - len(failures)} of {len(queries)} query tests pass")
    assert not failures, failures


def test_every_update_of_the_w3c_protocol_suite_is_refused(endpoint):
    updates = [t for t in TESTS if t.is_update]
    assert updates, "no update test read from the manifest"
    answers = {t.name: send(endpoint, t.requests[0])[0] for t in updates}
    print(
        f"\nW3C SPARQL 1.1 Protocol: {sum(400 <= s < 500 for s in answers.values())} of {len(updates)} updates refused"
    )
    assert all(400 <= status < 500 for status in answers.values()), answers

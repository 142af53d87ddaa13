"""``cmikg wikidata refresh`` against a real local server standing in for Wikidata's service:
the snapshot it writes, batching, retries on 429/5xx, and the offline error."""

from __future__ import annotations

import http.server
import json
import threading
from contextlib import contextmanager

import pytest
from rdflib import OWL, URIRef

from cmikg import __version__
from cmikg.wikidata import snapshot as snap
from cmikg.wikidata.client import EndpointError, Politeness, SparqlClient, user_agent
from tests.conftest import free_port, missing_prerequisite
from tests.wikidata.conftest import WD, run_cmikg

COUNTRIES = """
country:cub a cmi:Country ; rdfs:label "Cuba"@en ; cmi:isoCode "CUB" ; owl:sameAs wd:Q241 .
country:ven a cmi:Country ; rdfs:label "Venezuela"@en ; cmi:isoCode "VEN" ; owl:sameAs wd:Q717 .
country:hti a cmi:Country ; rdfs:label "Haiti"@en ; cmi:isoCode "HTI" ; owl:sameAs wd:Q790 .
place:havana a cmi:Settlement ; rdfs:label "Havana"@en ; owl:sameAs wd:Q1563 .
person:barack-obama a cmi:Person ; rdfs:label "Barack Obama"@en ; owl:sameAs wd:Q76 .
person:nobody a cmi:Person ; rdfs:label "Nobody"@en ; owl:sameAs wd:Q99999999 .
"""
QIDS = ["Q76", "Q241", "Q717", "Q790", "Q1563", "Q99999999"]


def test_refresh_writes_what_the_endpoint_says(small_project, standin):
    settings = small_project(COUNTRIES)
    done = run_cmikg(
        settings, "wikidata", "refresh", "--endpoint", standin.url, "--batch-size", "4", "--min-interval", "0"
    )
    assert done.returncode == 0, done.stderr
    assert "(2 request(s))" in done.stdout, done.stdout  # 6 QIDs in batches of 4
    entries = snap.load(settings).entries
    assert sorted(entries) == sorted(QIDS)
    for qid in QIDS:
        entry = entries[qid]
        assert entry.found == standin.has(qid), qid
        assert entry.origin["kind"] == "endpoint" and entry.origin["endpoint"] == standin.url
        if not entry.found:
            continue
        assert entry.labels == {"en": standin.label(qid, "en"), "es": standin.label(qid, "es")}
        for prop in snap.PROPERTIES:
            assert entry.claims[prop] == standin.value(qid, prop), (qid, prop)
    assert "unknown to the endpoint: Q99999999" in done.stdout


def test_refresh_records_redirects(small_project, standin):
    settings = small_project('country:cub a cmi:Country ; rdfs:label "Cuba"@en ; owl:sameAs wd:Q4115189 .\n')
    done = run_cmikg(settings, "wikidata", "refresh", "--endpoint", standin.url, "--min-interval", "0")
    assert done.returncode == 0, done.stderr
    target = standin.fixture.value(URIRef(WD + "Q4115189"), OWL.sameAs)
    assert snap.load(settings).entries["Q4115189"].redirect == str(target).rsplit("/", 1)[-1]


def test_reference_table_fills_only_what_it_knows(small_project, standin, project_root):
    table = project_root.parent / "shared" / "reference" / "countries-wikidata.csv"
    if not table.is_file():
        missing_prerequisite(
            f"the shared reference table is not beside the project ({table}): "
            "put the shared folder beside the checkout, as CI does"
        )
    settings = small_project(COUNTRIES)
    done = run_cmikg(settings, "wikidata", "refresh", "--reference", str(table))
    assert done.returncode == 0, done.stderr
    rows = {r.split(",")[3]: r.split(",") for r in table.read_text(encoding="utf-8").splitlines()[1:]}
    entries = snap.load(settings).entries
    assert set(entries) == {"Q241", "Q717", "Q790"}  # the person and the city are not in the table
    for qid, entry in entries.items():
        assert entry.origin["kind"] == "reference-table"
        assert entry.labels == {"en": rows[qid][4], "es": None}
        assert entry.claims == {"P31": None, "P298": [rows[qid][0]], "P297": [rows[qid][1]]}
    # an entry from a live endpoint is never replaced by the table
    run_cmikg(settings, "wikidata", "refresh", "--endpoint", standin.url, "--min-interval", "0")
    run_cmikg(settings, "wikidata", "refresh", "--reference", str(table))
    assert snap.load(settings).entries["Q241"].origin["kind"] == "endpoint"


def test_offline_is_one_clear_error(small_project):
    settings = small_project(COUNTRIES)
    closed = f"http://127.0.0.1:{free_port()}/sparql"
    done = run_cmikg(settings, "wikidata", "refresh", "--endpoint", closed)
    assert done.returncode == 1
    assert f"cannot reach {closed}" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not snap.snapshot_path(settings).exists()


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers with the next status of its script; records what each request carried."""

    script: list[tuple[int, dict]] = []
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).seen.append({"user-agent": self.headers.get("User-Agent"), "accept": self.headers.get("Accept")})
        status, headers = type(self).script.pop(0) if type(self).script else (500, {})
        body = json.dumps({"head": {"vars": []}, "results": {"bindings": []}}).encode() if status == 200 else b"busy"
        self.send_response(status)
        for key, value in {"Content-Type": "application/sparql-results+json", **headers}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def scripted_server(script: list[tuple[int, dict]]):
    Scripted.script, Scripted.seen = list(script), []
    server = http.server.HTTPServer(("127.0.0.1", free_port()), Scripted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sparql", Scripted.seen
    finally:
        server.shutdown()
        server.server_close()


def test_retries_429_honouring_retry_after():
    waits: list[float] = []
    with scripted_server([(429, {"Retry-After": "1"}), (200, {})]) as (url, seen):
        client = SparqlClient(url, Politeness(min_interval=0), sleep=waits.append)
        assert client.select("SELECT * WHERE { ?s ?p ?o }") == []
    assert len(seen) == 2
    assert waits == [1.0]  # the server's Retry-After, not the client's back-off


def test_retries_5xx_with_exponential_backoff():
    waits: list[float] = []
    script = [(503, {}), (502, {}), (500, {}), (200, {})]
    with scripted_server(script) as (url, seen):
        client = SparqlClient(url, Politeness(min_interval=0, backoff=0.5), sleep=waits.append)
        client.select("SELECT * WHERE { ?s ?p ?o }")
    assert len(seen) == len(script)
    assert waits == [0.5, 1.0, 2.0]


def test_gives_up_after_max_retries():
    waits: list[float] = []
    with scripted_server([(429, {"Retry-After": "0"})] * 10) as (url, seen):
        client = SparqlClient(url, Politeness(min_interval=0, max_retries=2), sleep=waits.append)
        with pytest.raises(EndpointError, match="after 2 retries"):
            client.select("SELECT * WHERE { ?s ?p ?o }")
    assert len(seen) == 3


def test_requests_are_paced_and_identified():
    waits: list[float] = []
    with scripted_server([(200, {})] * 3) as (url, seen):
        client = SparqlClient(url, Politeness(min_interval=30), sleep=waits.append)
        for _ in range(3):
            client.select("SELECT * WHERE { ?s ?p ?o }")
    assert len(waits) == 2 and all(0 < w <= 30 for w in waits)  # two pauses between three requests
    agent = user_agent()
    assert agent.startswith(f"cmikg/{__version__} (")
    assert {s["user-agent"] for s in seen} == {agent}
    assert {s["accept"] for s in seen} == {"application/sparql-results+json"}

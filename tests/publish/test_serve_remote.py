"""``cmikg serve --backend URL`` (real gunicorn processes) answers like the embedded mode,
and two replicas against one store answer alike, before and after a publish."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import requests

from cmikg.config import Settings
from tests.conftest import ROOT, cmikg_command, free_port, start_process, starts, stop_process

from .conftest import Oxigraph, Version, run_publish, start_oxigraph
from .stand_ins import CuttingProxy

QUERIES = sorted((ROOT / "queries").glob("*.rq"))  # the top level: not federated/ nor pages/


class Endpoint:
    """A ``cmikg serve`` process and its base URL."""

    def __init__(self, process: subprocess.Popen, base: str):
        self.process = process
        self.base = base

    def sparql(self, query: str, **headers: str) -> requests.Response:
        return requests.post(
            f"{self.base}/sparql",
            data={"query": query},
            headers={"Accept": "application/sparql-results+json", **headers},
            timeout=60,
        )

    def health(self) -> dict:
        return requests.get(f"{self.base}/health", timeout=30).json()


def serve(dist: Path, *options: str) -> Endpoint:
    port = free_port()
    args = [
        *cmikg_command(),
        "--project",
        str(ROOT),
        "--dist",
        str(dist),
        "serve",
        "--port",
        str(port),
        "--workers",
        "1",
        "--threads",
        "2",
        *options,
    ]
    base = f"http://127.0.0.1:{port}"
    return Endpoint(start_process(args, f"{base}/health", timeout=120), base)


@pytest.fixture(scope="module")
@starts("server")
def store(tmp_path_factory: pytest.TempPathFactory, versions: list[Version]):
    """One Oxigraph server holding the built graph, published once; its own time limit set,
    so that a query the replicas gave up on does not keep the store busy."""
    server = start_oxigraph(tmp_path_factory.mktemp("store") / "oxigraph", "--timeout-s", "4")
    result = run_publish(versions[0], "--store", server.store, "--update-endpoint", server.update)
    assert result.returncode == 0, result.stderr
    yield server
    stop_process(server.process)


@pytest.fixture(scope="module")
def embedded(built: Settings):
    endpoint = serve(built.dist)
    yield endpoint
    stop_process(endpoint.process)


@pytest.fixture(scope="module")
def replicas(store: Oxigraph, tmp_path_factory: pytest.TempPathFactory):
    """Two remote replicas, each with an empty dist/: every answer must come from the store."""
    started = []
    try:
        for name in ("a", "b"):
            empty = tmp_path_factory.mktemp(f"replica-{name}") / "dist"
            empty.mkdir()
            started.append(serve(empty, "--backend", store.query))
        yield started
    finally:
        for endpoint in started:
            stop_process(endpoint.process)


def normalised(response: requests.Response) -> tuple:
    """An answer as a comparable value: blank-node labels (each engine picks its own) are
    replaced by one placeholder."""
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    if "boolean" in body:
        return ("boolean", body["boolean"], [])
    rows = [
        {
            var: (
                term["type"],
                "_" if term["type"] == "bnode" else term["value"],
                term.get("datatype", ""),
                term.get("xml:lang", ""),
            )
            for var, term in row.items()
        }
        for row in body["results"]["bindings"]
    ]
    return ("rows", tuple(body["head"]["vars"]), rows)


def order_keys(query: str) -> list[str]:
    """The variables of the query's last ORDER BY clause (none when it does not order)."""
    clauses = re.findall(
        r"\bORDER\s+BY\b(.*?)(?=\bLIMIT\b|\bOFFSET\b|\bORDER\s+BY\b|$)", query, re.IGNORECASE | re.DOTALL
    )
    return re.findall(r"[?$](\w+)", clauses[-1]) if clauses else []


def same_answer(found: tuple, expected: tuple, keys: list[str]) -> bool:
    """Same form, variables and rows; for an ordered query, the same sequence of sort keys
    (rows that tie on every key may come in any order, in both engines alike)."""
    if found[:2] != expected[:2]:
        return False
    as_set = [Counter(tuple(sorted(row.items())) for row in answer[2]) for answer in (found, expected)]
    in_order = [[tuple(row.get(k) for k in keys) for row in answer[2]] for answer in (found, expected)]
    return as_set[0] == as_set[1] and in_order[0] == in_order[1]


def test_there_are_queries_to_compare() -> None:
    assert QUERIES, f"no .rq files in {ROOT / 'queries'}"


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_remote_answers_like_embedded(path: Path, embedded: Endpoint, replicas: list[Endpoint]) -> None:
    query = path.read_text(encoding="utf-8")
    expected = normalised(embedded.sparql(query))
    for replica in replicas:
        assert same_answer(normalised(replica.sparql(query)), expected, order_keys(query)), (
            f"{path.name}: {replica.base} answers differently from the embedded mode"
        )


def test_same_size_version_and_cache_validators(embedded: Endpoint, replicas: list[Endpoint]) -> None:
    """A cache in front may mix replicas and modes: the validators must agree."""
    expected = embedded.health()
    query = QUERIES[0].read_text(encoding="utf-8")
    etag = embedded.sparql(query).headers["ETag"]
    modified = set()
    for replica in replicas:
        found = replica.health()
        assert (found["triples"], found["version"]) == (expected["triples"], expected["version"])
        answer = replica.sparql(query)
        assert answer.headers["X-Dataset-Version"] == expected["version"]
        assert answer.headers["ETag"] == etag
        modified.add(answer.headers["Last-Modified"])
        assert replica.sparql(query, **{"If-None-Match": etag}).status_code == 304
    assert len(modified) == 1, "both replicas date the served version alike"


def test_safety_rules_hold_in_remote_mode(store: Oxigraph, replicas: list[Endpoint]) -> None:
    replica = replicas[0]
    before = store.served()
    update = replica.sparql("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
    assert update.status_code in (400, 403), update.text
    assert store.served() == before
    assert not ask(store, "ASK { { <urn:x:a> ?p ?o } UNION { GRAPH ?g { <urn:x:a> ?p ?o } } }")
    service = replica.sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert service.status_code == 403, service.text
    too_many = replica.sparql("SELECT * WHERE { ?s ?p ?o VALUES ?copy { 1 2 } }")  # twice the triples
    assert too_many.status_code == 413, too_many.text[:300]
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    for accept in ("application/sparql-results+json", "application/sparql-results+xml"):
        slow = replica.sparql(endless, Accept=accept)
        assert slow.status_code == 503, (accept, slow.text[:300])
        assert "time limit" in slow.text, "the store stopped it at its own limit, mid-answer; the replica says so"


def test_time_limit_when_the_store_hangs(store: Oxigraph, tmp_path: Path) -> None:
    """A store that stops answering mid-request: the replica gives up at its own limit."""
    proxy = CuttingProxy(store.port, cut_after=20_000, mode="stall")
    replica = serve(tmp_path, "--backend", proxy.url("/query"), "--timeout", "2")
    try:
        # A long literal, not a comment: the replica sends the store its own reading of the
        # query, without comments, so only text that means something makes the request long.
        padded = 'ASK { ?s ?p ?o FILTER(STR(?o) != "' + "x" * 30_000 + '") }'
        hung = replica.sparql(padded)
    finally:
        stop_process(replica.process)
        proxy.close()
    assert proxy.cut.is_set()
    assert hung.status_code == 503, hung.text[:300]
    assert "time limit of 2 s" in hung.text


def test_replicas_switch_together_on_publish(
    store: Oxigraph, replicas: list[Endpoint], versions: list[Version]
) -> None:
    """After a publish, the very next request to either replica gets the new version."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = [r.sparql(query).json() for r in replicas]
    assert before[0] == before[1]
    result = run_publish(versions[1], "--store", store.store, "--update-endpoint", store.update)
    assert result.returncode == 0, result.stderr
    after = [r.sparql(query).json() for r in replicas]
    assert after[0] == after[1]
    counted = int(after[0]["results"]["bindings"][0]["n"]["value"])
    assert counted == versions[1].fingerprint().triples != versions[0].fingerprint().triples
    assert [r.health()["triples"] for r in replicas] == [counted, counted]
    restored = run_publish(versions[0], "--store", store.store, "--update-endpoint", store.update)
    assert restored.returncode == 0, restored.stderr


def test_start_up_fails_in_one_line_when_the_store_is_away(tmp_path: Path) -> None:
    port = free_port()
    args = [
        *cmikg_command(),
        "--project",
        str(ROOT),
        "--dist",
        str(tmp_path),
        "serve",
        "--port",
        str(free_port()),
        "--backend",
        f"http://127.0.0.1:{port}/query",
    ]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot reach the store" in result.stderr and str(port) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def ask(store: Oxigraph, query: str) -> bool:
    return json.loads(store.client().query(query).body)["boolean"]

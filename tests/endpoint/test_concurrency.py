"""Eight clients, fifty mixed queries each, at once: every answer complete and equal to the
answer the same query gets alone."""

from __future__ import annotations

import json
import threading
import time

import requests

from tests.conftest import ROOT

CLIENTS = 8
QUERIES_PER_CLIENT = 50
FIXED_MIX = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p LIMIT 20",
    "SELECT DISTINCT ?type WHERE { ?s a ?type } ORDER BY ?type",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s ?p ?o LIMIT 30",
]
ACCEPTS = ["application/sparql-results+json", "text/csv", "application/sparql-results+xml"]


def mix() -> list[str]:
    """The example queries in queries/ when there are any, and a fixed mix in any case."""
    examples = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    return examples + FIXED_MIX


#: A polite client waits as a 429's Retry-After says, a bounded number of times.
MAX_RETRIES = 30


def ask(endpoint, session: requests.Session, query: str, k: int) -> tuple[int, str]:
    """One query, retried after a 429 (the endpoint's admission control) as Retry-After says."""
    for _ in range(MAX_RETRIES):
        response = _send(endpoint, session, query, k)
        if response.status_code != 429:
            return response.status_code, normalised(response)
        assert response.headers.get("Retry-After"), "a 429 must say when to come back"
        time.sleep(min(float(response.headers["Retry-After"]), 2.0))
    return response.status_code, normalised(response)


def _send(endpoint, session: requests.Session, query: str, k: int) -> requests.Response:
    graph = query.lstrip().upper().startswith("CONSTRUCT") or "\nCONSTRUCT" in query.upper()
    accept = "application/n-triples" if graph else ACCEPTS[k % len(ACCEPTS)]
    if k % 2:
        response = session.post(endpoint.url, data={"query": query}, headers={"Accept": accept}, timeout=60)
    else:
        response = session.post(
            endpoint.url,
            data=query.encode("utf-8"),
            timeout=60,
            headers={"Accept": accept, "Content-Type": "application/sparql-query"},
        )
    return response


def normalised(response: requests.Response) -> str:
    """The answer with rows in a fixed order, so unordered answers compare equal."""
    media = response.headers.get("Content-Type", "").split(";")[0]
    if media == "application/sparql-results+json":
        data = response.json()
        if "results" in data:
            data["results"]["bindings"] = sorted(json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])
        return json.dumps(data, sort_keys=True)
    return "\n".join(sorted(response.text.splitlines()))


def test_eight_clients_fifty_queries_each(endpoint):
    queries = mix()
    alone = {}
    with requests.Session() as session:
        for i, query in enumerate(queries):
            for k in range(len(ACCEPTS) * 2):
                status, body = ask(endpoint, session, query, k)
                assert status == 200, (query[:200], body[:300])
                alone[(i, k % (len(ACCEPTS) * 2))] = body
    failures: list[str] = []
    done = []

    def client(c: int) -> None:
        with requests.Session() as session:
            for n in range(QUERIES_PER_CLIENT):
                i, k = (c * 7 + n) % len(queries), (c + n) % (len(ACCEPTS) * 2)
                try:
                    status, body = ask(endpoint, session, queries[i], k)
                except requests.RequestException as exc:
                    failures.append(f"client {c} query {i}: {exc}")
                    continue
                if status != 200 or body != alone[(i, k)]:
                    failures.append(f"client {c} query {i} format {k}: status {status}")
        done.append(c)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert len(done) == CLIENTS, "some clients did not finish"
    assert failures == []

"""Allowed SERVICE calls really run: the Wikidata IRI is sent (by the service map) to a local
oxigraph server, and the answer joins the local data as the SPARQL 1.1 Federated Query spec says."""

from __future__ import annotations

import pyoxigraph as ox

from tests.endpoint.conftest import DEAD_SERVICE, JSON, SYNTHETIC, WIKIDATA

STANDIN_GRAPH = "urn:x:standin"
FEDERATED = (
    f"PREFIX t: <{SYNTHETIC}> SELECT ?s ?mark ?p WHERE {{ SERVICE <{WIKIDATA}> {{ ?s t:mark ?mark }} ?s ?p ?o }}"
)


def expected(dataset, standin, query: str) -> list[tuple]:
    """The same query in one store, the stand-in's triples in a named graph the SERVICE becomes."""
    store = ox.Store()
    store.load(path=str(dataset.dataset_file), format=ox.RdfFormat.N_TRIPLES)
    store.load(standin.ntriples.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(STANDIN_GRAPH))
    result = store.query(query.replace(f"SERVICE <{WIKIDATA}>", f"GRAPH <{STANDIN_GRAPH}>"))
    names = [v.value for v in result.variables]
    return sorted(tuple(row[n].value if row[n] is not None else None for n in names) for row in result)


def rows(response, names: list[str]) -> list[tuple]:
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    return sorted(tuple(b[n]["value"] if n in b else None for n in names) for b in bindings)


def test_allowed_service_is_evaluated_and_joined(endpoint, dataset, wikidata_standin):
    want = expected(dataset, wikidata_standin, FEDERATED)
    assert len(want) > 25, "the join must have rows for the test to prove anything"
    assert rows(endpoint.query(FEDERATED), ["s", "mark", "p"]) == want


def test_service_inside_optional_and_subquery(endpoint, dataset, wikidata_standin):
    query = (
        f"PREFIX t: <{SYNTHETIC}> SELECT ?s ?mark WHERE {{ "
        f"{{ SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT 40 }} "
        f"OPTIONAL {{ SERVICE <{WIKIDATA}> {{ ?s t:mark ?mark }} }} }}"
    )
    want = expected(dataset, wikidata_standin, query)
    assert any(mark is None for _, mark in want) and any(mark is not None for _, mark in want)
    assert rows(endpoint.query(query), ["s", "mark"]) == want


def test_service_silent_to_an_unreachable_allowed_service_is_empty(endpoint, nt_lines):
    silent = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{DEAD_SERVICE}> {{ ?s ?q ?r }} }} }}"
    )
    assert int(endpoint.select(silent)[0]["n"]["value"]) == len(set(nt_lines))
    loud = endpoint.query(f"SELECT * WHERE {{ SERVICE <{DEAD_SERVICE}> {{ ?s ?p ?o }} }}")
    assert loud.status_code == 502 and DEAD_SERVICE in loud.text
    assert endpoint.trap.connections == []


def test_federated_construct_and_ask(endpoint, wikidata_standin):
    marked = len(wikidata_standin.ntriples.splitlines())
    construct = (
        f"PREFIX t: <{SYNTHETIC}> CONSTRUCT {{ ?s t:mark ?m }} WHERE {{ SERVICE <{WIKIDATA}> {{ ?s t:mark ?m }} }}"
    )
    response = endpoint.query(construct, accept="application/n-triples")
    assert response.status_code == 200, response.text
    assert sorted(response.text.splitlines()) == sorted(wikidata_standin.ntriples.splitlines())
    assert len(response.text.splitlines()) == marked
    ask = f"PREFIX t: <{SYNTHETIC}> ASK {{ SERVICE <{WIKIDATA}> {{ ?s t:mark ?m }} }}"
    assert endpoint.query(ask, accept=JSON).json()["boolean"] is True

"""Federation both ways, with real servers on 127.0.0.1:

* ``cmikg serve`` answers queries/federated/*.rq, its SERVICE calls to Wikidata sent (by the
  service map) to the local stand-in; the expected answer is the same query evaluated over
  the built graph and the stand-in's fixture together.
* an oxigraph server joins its own data with the cmikg endpoint through SERVICE.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import URIRef

from tests.conftest import (
    ROOT,
    cmikg_command,
    free_port,
    start_oxigraph_read_only,
    start_process,
    stop_process,
)
from tests.wikidata.conftest import FIXTURE

WIKIDATA = "https://query.wikidata.org/sparql"
FEDERATED = sorted((ROOT / "queries" / "federated").glob("*.rq"))
JSON = "application/sparql-results+json"
WDT_POPULATION = URIRef("http://www.wikidata.org/prop/direct/P1082")


@pytest.fixture(scope="module")
def endpoint(built, standin):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_process(
        [
            *cmikg_command(),
            "--project",
            str(ROOT),
            "--dist",
            str(built.dist),
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--service-map",
            f"{WIKIDATA}={standin.url}",
        ],
        f"{base}/sparql",
        timeout=120,
    )
    yield f"{base}/sparql"
    stop_process(process)


def as_json_term(term) -> dict | None:
    """A pyoxigraph term in the SPARQL JSON results form."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    found = {"type": "literal", "value": term.value}
    if term.language:
        found["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        found["datatype"] = term.datatype.value
    return found


def expected_rows(built, query: str, service: str) -> list[dict]:
    """The query evaluated locally over the built graph plus the fixture, SERVICE dissolved."""
    store = ox.Store()
    store.load(path=str(built.dataset_file), format=ox.RdfFormat.N_TRIPLES)
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    local = query.replace(f"SERVICE <{service}>", "")
    result = store.query(local)
    names = [v.value for v in result.variables]
    return [{n: as_json_term(row[n]) for n in names if row[n] is not None} for row in result]


def normalised(rows: list[dict]) -> list[str]:
    return sorted(repr(sorted((k, sorted(v.items())) for k, v in row.items())) for row in rows)


@pytest.mark.parametrize("path", FEDERATED, ids=[p.stem for p in FEDERATED])
def test_federated_query_joins_the_stand_in(endpoint, built, path: Path):
    query = path.read_text(encoding="utf-8")
    assert query.startswith("# ") and query.splitlines()[0].rstrip().endswith("?"), "first line: the research question"
    assert f"SERVICE <{WIKIDATA}>" in query
    expected = expected_rows(built, query, WIKIDATA)
    assert expected, f"{path.name}: the built graph and the fixture give no rows; the test would prove nothing"
    response = requests.post(endpoint, data={"query": query}, headers={"Accept": JSON}, timeout=120)
    assert response.status_code == 200, response.text[:500]
    answer = response.json()["results"]["bindings"]
    assert normalised(answer) == normalised(expected)


def test_per_hundred_thousand_is_computed_from_wikidata_population(endpoint, built, standin):
    path = ROOT / "queries" / "federated" / "host-country-personnel-per-population.rq"
    response = requests.post(
        endpoint, data={"query": path.read_text(encoding="utf-8")}, headers={"Accept": JSON}, timeout=120
    )
    rows = response.json()["results"]["bindings"]
    assert rows
    populations = {str(s): float(o) for s, o in standin.fixture.subject_objects(WDT_POPULATION)}
    countries = {
        r["country"]["value"]: r
        for r in expected_rows(
            built, "SELECT ?country ?item WHERE { ?country <http://www.w3.org/2002/07/owl#sameAs> ?item }", ""
        )
    }
    for row in rows:
        population = populations[countries[row["country"]["value"]]["item"]["value"]]
        assert float(row["population"]["value"]) == population
        personnel = float(row["personnel"]["value"])
        assert abs(float(row["perHundredThousand"]["value"]) - personnel * 100000 / population) <= 0.005


def test_oxigraph_queries_the_cmikg_endpoint(endpoint, built, tmp_path):
    """The other direction: another store joins its own notes with cmikg's labels."""
    rows = expected_rows(
        built, "SELECT ?c WHERE { ?c a <https://w3id.org/cmikg/ontology#Country> } ORDER BY ?c LIMIT 3", ""
    )
    countries = [r["c"]["value"] for r in rows]
    notes = tmp_path / "notes.nt"
    notes.write_text(
        "".join(f'<{c}> <http://example.org/note> "note {i}" .\n' for i, c in enumerate(countries)), encoding="utf-8"
    )
    process, store_url = start_oxigraph_read_only(notes, tmp_path / "store")
    try:
        query = (
            f"SELECT ?c ?note ?label WHERE {{ ?c <http://example.org/note> ?note . "
            f"SERVICE <{endpoint}> {{ ?c <http://www.w3.org/2000/01/rdf-schema#label> ?label . "
            f'FILTER(LANG(?label) = "en") }} }}'
        )
        response = requests.post(store_url, data={"query": query}, headers={"Accept": JSON}, timeout=120)
    finally:
        stop_process(process)
    assert response.status_code == 200, response.text[:500]
    answer = {(r["c"]["value"], r["label"]["value"]) for r in response.json()["results"]["bindings"]}
    labels = expected_rows(
        built,
        'SELECT ?c ?label WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANG(?label) = "en") }',
        "",
    )
    expected = {(r["c"]["value"], r["label"]["value"]) for r in labels if r["c"]["value"] in countries}
    assert answer == expected and len(expected) == len(countries)

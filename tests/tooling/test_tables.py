"""The tidy tables of dist/: a valid Frictionless Data Package whose row counts are the graph's."""

from __future__ import annotations

import csv
import json
import sqlite3

import pyoxigraph as ox
import pytest
from frictionless import validate

from cmikg.config import Settings

PREFIXES = """PREFIX cmi: <https://w3id.org/cmikg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: What each table counts, asked of the graph itself.
GRAPH_COUNTS = {
    "claims": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c cmi:subject ?s ; cmi:predicate ?p }",
    "references": "SELECT (COUNT(*) AS ?n) WHERE { ?about prov:wasDerivedFrom ?r . ?r a cmi:Reference }",
    "entities": """SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ?t . FILTER NOT EXISTS { ?e a cmi:Reference }
                   FILTER STRSTARTS(STR(?e), "https://w3id.org/cmikg/id/") }""",
    "sources": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a/rdfs:subClassOf* cmi:Source }",
}


@pytest.fixture(scope="module")
def graph(built: Settings) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(built.dataset_file), format=ox.RdfFormat.N_TRIPLES)
    return store


def count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(PREFIXES + query)))["n"].value)


def rows(built: Settings, name: str) -> list[dict[str, str]]:
    with open(built.dist / f"{name}.csv", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_package_is_valid(built: Settings) -> None:
    report = validate(str(built.dist / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_package_states_licence_source_version_and_checksum(built: Settings) -> None:
    package = json.loads((built.dist / "datapackage.json").read_text(encoding="utf-8"))
    report = json.loads((built.dist / "build-report.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-SA-4.0"
    assert "Cuban medical internationalism" in package["sources"][0]["title"]
    assert package["version"] == report["version"]
    assert package["sha256_ntriples"] == report["sha256_ntriples"]
    sums = (built.dist / "SHA256SUMS").read_text(encoding="utf-8")
    for resource in package["resources"]:
        assert resource["hash"].removeprefix("sha256:") + "  " + resource["path"] in sums


@pytest.mark.parametrize("table", sorted(GRAPH_COUNTS))
def test_row_counts_are_the_graphs(built: Settings, graph: ox.Store, table: str) -> None:
    assert len(rows(built, table)) == count(graph, GRAPH_COUNTS[table]) > 0


def test_a_claim_reads_as_the_article_says(built: Settings) -> None:
    """Granma's 50,000 medical staff abroad in 2015 (CONTRIBUTING's example, from the article)."""
    claims = {r["claim"]: r for r in rows(built, "claims")}
    granma = [
        r
        for r in claims.values()
        if r["predicate"].endswith("#personnelCount")
        and r["value_number"] == "50000"
        and r["point_in_time"][:4] == "2015"
    ]
    assert granma, "no claim of 50,000 personnel in 2015"
    refs = [r for r in rows(built, "references") if r["about"] == granma[0]["claim"]]
    assert any("50,000 in 2015" in r["quote"] for r in refs)
    assert all(r["source_kind"] for r in refs if r["source"].endswith("/granma"))


def test_time_bounds_are_in_the_table_when_the_graph_derives_them(built: Settings, graph: ox.Store) -> None:
    derived = count(graph, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c cmi:earliest ?t }")
    undated = count(graph, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c cmi:undated true }")
    claims = rows(built, "claims")
    assert sum(1 for r in claims if r["time_earliest"]) == derived
    assert sum(1 for r in claims if r["undated"] == "true") == undated


def test_sqlite_holds_the_same_tables_with_their_keys(built: Settings) -> None:
    connection = sqlite3.connect(built.dist / "cmikg.sqlite")
    try:
        for name in ("claims", "references", "entities", "sources", "disagreements", "claim_entities"):
            assert connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] == len(rows(built, name))
        keys = connection.execute('PRAGMA foreign_key_list("references")').fetchall()
        assert {(k[2], k[3]) for k in keys} >= {("entities", "about"), ("sources", "source")}
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        (figure,) = connection.execute(
            "SELECT typeof(value_number) FROM claims WHERE value_number IS NOT NULL LIMIT 1"
        ).fetchone()
        assert figure == "real"
    finally:
        connection.close()

"""The ontology's mappings to Wikidata, and the snapshot kept in the repository."""

from __future__ import annotations

import json

from rdflib import Graph

from cmikg.wikidata.snapshot import snapshot_path
from tests.conftest import ROOT, missing_prerequisite
from tests.wikidata.conftest import run_cmikg

MAPPED = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?term WHERE {
  VALUES ?rel { skos:exactMatch skos:closeMatch }
  ?term ?rel ?target .
  FILTER(STRSTARTS(STR(?term), "https://w3id.org/cmikg/ontology#") && CONTAINS(STR(?target), "wikidata.org"))
}"""


def test_mappings_are_listed_and_counted(copy_project):
    settings = copy_project(with_graph=False)
    ontology = Graph()
    ontology.parse(settings.ontology_file, format="turtle")
    terms = {str(row[0]).split("#")[1] for row in ontology.query(MAPPED)}
    done = run_cmikg(settings, "wikidata", "mappings")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith(f"{len(terms)} terms mapped to Wikidata")
    listed = {line.split()[0].removeprefix("cmi:") for line in done.stdout.splitlines()[:-1]}
    assert listed == terms


def test_malformed_mapping_fails_the_check(copy_project):
    settings = copy_project(with_graph=False)
    with settings.ontology_file.open("a", encoding="utf-8") as stream:
        stream.write("\ncmi:population skos:exactMatch <http://www.wikidata.org/entity/P1082> .\n")
    done = run_cmikg(settings, "wikidata", "check")
    assert done.returncode == 1
    assert (
        "error: ontology/cmi.ttl: cmi:population skos:exactMatch <http://www.wikidata.org/entity/P1082>: "
        "a property maps to <http://www.wikidata.org/prop/direct/P…>"
    ) in done.stdout


def test_every_snapshot_entry_says_where_it_came_from():
    data = json.loads((ROOT / "graph" / "wikidata" / "snapshot.json").read_text(encoding="utf-8"))
    assert data["entities"]
    for qid, entry in data["entities"].items():
        assert entry["origin"]["kind"] in ("endpoint", "reference-table"), qid
        if entry["origin"]["kind"] == "reference-table":
            assert entry["label"]["es"] is None and entry["P31"] is None, f"{qid}: unknown values must stay null"


def test_snapshot_is_what_refresh_writes(copy_project, project_root):
    """The committed snapshot is reproduced by the refresh code from the reference table."""
    table = project_root.parent / "shared" / "reference" / "countries-wikidata.csv"
    if not table.is_file():
        missing_prerequisite(
            f"the shared reference table is not beside the project ({table}): "
            "put the shared folder beside the checkout, as CI does"
        )
    settings = copy_project(with_graph=True)
    committed = json.loads(snapshot_path(settings).read_text(encoding="utf-8"))["entities"]
    from_table = {q: e for q, e in committed.items() if e["origin"]["kind"] == "reference-table"}
    snapshot_path(settings).unlink()
    done = run_cmikg(settings, "wikidata", "refresh", "--reference", str(table))
    assert done.returncode == 0, done.stderr
    rewritten = json.loads(snapshot_path(settings).read_text(encoding="utf-8"))["entities"]
    assert from_table and {q: rewritten.get(q) for q in from_table} == from_table

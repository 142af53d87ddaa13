"""The shortcuts the build derives beside the statement model, checked on the built graph."""

from __future__ import annotations

import csv
import json

import pytest

from cmikg.config import Settings
from cmikg.engines.store import EmbeddedStore

PREFIXES = (
    "PREFIX cmi: <https://w3id.org/cmikg/ontology#> PREFIX claim: <https://w3id.org/cmikg/id/claim/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
ID = "https://w3id.org/cmikg/id/"


@pytest.fixture(scope="module")
def store(built: Settings) -> EmbeddedStore:
    return EmbeddedStore.load(built.dataset_file)


def values(store: EmbeddedStore, query: str) -> set[str]:
    return {solution[0].value for solution in store.query(PREFIXES + query)}


def test_every_shortcut_property_is_marked_derived(store: EmbeddedStore) -> None:
    marked = values(store, "SELECT ?p WHERE { ?p cmi:derivedShortcut true }")
    cmi = "https://w3id.org/cmikg/ontology#"
    assert {cmi + n for n in ("involves", "attributedTo", "earliest", "latest", "boundsPrecision")} == marked


def test_involves_rolls_places_up_to_their_country(store: EmbeddedStore) -> None:
    # "152 medical and educational personnel ... in Port-au-Prince": the city, and Haiti it lies in
    found = values(store, "SELECT ?x WHERE { claim:humanitarianism-port-au-prince-personnel-2010 cmi:involves ?x }")
    assert {ID + "place/port-au-prince", ID + "country/hti", ID + "country/cub"} <= found


def test_attributed_to_names_the_report_and_the_newspaper(store: EmbeddedStore) -> None:
    # "According to Granma, the Cuban state newspaper, the number of Cuban medical staff abroad fell ..."
    found = values(store, "SELECT ?x WHERE { claim:intro-granma-staff-2015 cmi:attributedTo ?x }")
    assert {ID + "source/granma", ID + "source/granma-medical-staff-report"} <= found


def test_a_year_becomes_its_first_and_last_instant(store: EmbeddedStore) -> None:
    # "In 2007, Cuba had 42,000 workers in international collaborations"
    solution = next(
        iter(
            store.query(
                PREFIXES + "SELECT ?e ?l ?p WHERE { claim:intro-workers-2007 cmi:earliest ?e ; cmi:latest ?l ; "
                "cmi:boundsPrecision ?p }"
            )
        )
    )
    assert (solution["e"].value, solution["l"].value) == ("2007-01-01T00:00:00Z", "2007-12-31T23:59:59Z")
    assert solution["p"].value.endswith("#precisionYear")


def test_an_open_interval_ends_at_the_graphs_latest_date(store: EmbeddedStore) -> None:
    # "Since the early 1960s, ... 7,986 in 24 Asian countries" (196X/..)
    latest = values(store, "SELECT (MAX(?l) AS ?m) WHERE { ?c cmi:latest ?l }")
    found = values(store, "SELECT ?l WHERE { claim:missions-abroad-health-workers-asia cmi:latest ?l }")
    assert found == latest
    assert values(store, "SELECT ?e WHERE { claim:missions-abroad-health-workers-asia cmi:earliest ?e }") == {
        "1960-01-01T00:00:00Z"
    }


def test_every_claim_has_bounds_or_is_marked_undated(store: EmbeddedStore) -> None:
    neither = values(
        store,
        "SELECT ?c WHERE { ?c cmi:predicate ?p . FILTER NOT EXISTS { ?c cmi:earliest ?e } "
        "FILTER NOT EXISTS { ?c cmi:undated true } }",
    )
    both = values(store, "SELECT ?c WHERE { ?c cmi:undated true ; cmi:earliest ?e }")
    assert neither == set() and both == set()


def test_the_build_report_counts_the_judged_tensions(built: Settings) -> None:
    report = json.loads((built.dist / "build-report.json").read_text(encoding="utf-8"))
    tensions = report["tensions"]
    assert tensions["found"] == tensions["linked"] + tensions["dismissed"]
    # the Venezuelan 31,000 against six worldwide counts, and 25,000 (2005) against 19,000 (2007)
    assert tensions["linked"] >= 7


def test_the_venezuela_figure_is_in_tension_with_the_2007_worldwide_count(store: EmbeddedStore) -> None:
    # "Cuba provided Venezuela with 31,000 Cuban doctors and dentists" against "at least 19,000 physicians"
    found = values(store, "SELECT ?o WHERE { claim:venezuela-doctors-and-dentists cmi:inTensionWith ?o }")
    assert ID + "claim/intro-physicians-2007" in found


def test_every_wikidata_link_has_its_evidence(store: EmbeddedStore, built: Settings) -> None:
    with (built.root / "graph" / "wikidata-evidence.csv").open(encoding="utf-8") as handle:
        rows = {r["entity"]: r for r in csv.DictReader(handle)}
    linked = {
        (s["e"].value, s["q"].value)
        for s in store.query("SELECT ?e ?q WHERE { ?e <http://www.w3.org/2002/07/owl#sameAs> ?q }")
    }
    for entity, item in linked:
        short = entity.removeprefix(ID).replace("/", ":", 1)
        row = rows[short]
        assert row["status"] == "linked" and item.endswith("/" + row["qid"]) and row["evidence"].strip()
    removed = {e for e, r in rows.items() if r["status"] != "linked"}
    assert not removed & {e.removeprefix(ID).replace("/", ":", 1) for e, _ in linked}

"""The build: what it writes, that it writes it identically, and what it refuses."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from cmikg.build.pipeline import build, check
from cmikg.config import Settings
from cmikg.errors import InputError, ValidationFailed
from cmikg.namespaces import CMI, DATASET, ID, VOID

from ..conftest import cmikg_command


def run_cli(settings: Settings, *args: str, seed: str = "0") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [*cmikg_command(), "--project", str(settings.root), "--dist", str(settings.dist), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def digest_tree(folder: Path) -> dict[str, str]:
    """Every file of the folder, subfolders included, by its path inside it."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.reasoner
def test_build_writes_every_dump_and_a_report(mini_project: Settings) -> None:
    report = build(mini_project)
    names = {p.name for p in mini_project.dist.iterdir()}
    assert {
        "cmikg.nt",
        "cmikg.ttl",
        "cmikg.jsonld",
        "cmikg.rdf",
        "context.jsonld",
        "ontology.ttl",
        "ontology.owl",
        "void.ttl",
        "build-report.json",
        "SHA256SUMS",
    } <= names
    nt = (mini_project.dist / "cmikg.nt").read_bytes()
    assert report["sha256_ntriples"] == hashlib.sha256(nt).hexdigest()
    lines = nt.decode().splitlines()
    assert lines == sorted(lines), "canonical N-Triples are sorted"
    # every serialisation carries the same graph
    reference = Graph().parse(mini_project.dist / "cmikg.nt", format="nt")
    for name, fmt in (("cmikg.ttl", "turtle"), ("cmikg.rdf", "xml"), ("cmikg.jsonld", "json-ld")):
        assert len(Graph().parse(mini_project.dist / name, format=fmt)) == len(reference), name
    void = Graph().parse(mini_project.dist / "void.ttl")
    assert str(void.value(DATASET, CMI.sha256)) == report["sha256_ntriples"]
    assert int(void.value(DATASET, VOID.triples)) == len(reference)
    saved = json.loads((mini_project.dist / "build-report.json").read_text())
    assert saved["checks"]["owl_consistency"].startswith("HermiT")
    assert saved["classes"]["cmi:Claim"] == 2


def test_blank_node_references_get_stable_iris(mini_project: Settings) -> None:
    build(mini_project, reason=False)
    graph = Graph().parse(mini_project.dist / "cmikg.nt", format="nt")
    refs = set(graph.objects(ID["claim/granma-staff-2015"], URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
    assert len(refs) == 1
    assert str(next(iter(refs))).startswith(str(ID) + "reference/")


def test_uncontested_relation_claims_become_direct_triples(mini_project: Settings) -> None:
    extra = mini_project.graph_dir / "relation.ttl"
    extra.write_text(
        (Path(__file__).parent / "fixtures" / "mini.ttl").read_text().split("source:wikipedia a")[0]
        + """
claim:cuba-chile-mission a cmi:Claim ;
    rdfs:label "Cuba sent medical personnel to Chile"@en ;
    cmi:subject country:cub ; cmi:predicate cmi:sentMissionTo ; cmi:valueEntity country:chl ; cmi:edtf "1960" ;
    prov:wasDerivedFrom [ a cmi:Reference ; cmi:statedIn source:article ; cmi:reportedIn source:article ;
        cmi:quote "In 1960, Cuba sent an emergency brigade to Chile" ; cmi:quoteStart 2497 ; cmi:quoteEnd 2545 ] .
"""
    )
    graph = check(mini_project, reason=False).graph
    assert (ID["country/cub"], CMI.sentMissionTo, ID["country/chl"]) in graph


@pytest.mark.reasoner
def test_output_is_byte_identical_across_runs(mini_project: Settings, tmp_path: Path) -> None:
    first = run_cli(mini_project, "build", seed="1")
    assert first.returncode == 0, first.stderr
    before = digest_tree(mini_project.dist)
    other = mini_project.with_(dist=tmp_path / "again")
    second = run_cli(other, "build", seed="2")
    assert second.returncode == 0, second.stderr
    assert digest_tree(other.dist) == before


def test_syntax_error_names_file_and_line(mini_project: Settings) -> None:
    bad = mini_project.graph_dir / "claims" / "broken.ttl"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text(
        "@prefix cmi: <https://w3id.org/cmikg/ontology#> .\n\n"
        "<https://w3id.org/cmikg/id/claim/x> a cmi:Claim ;\n"
        "    cmi:quantity 12 12 .\n"
    )
    result = run_cli(mini_project, "validate")
    assert result.returncode == 1
    assert "graph/claims/broken.ttl:4:" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(InputError, match=r"graph/claims/broken\.ttl:4: bad Turtle syntax"):
        check(mini_project)


def test_shacl_violation_names_node_property_message_and_file(mini_project: Settings) -> None:
    (mini_project.graph_dir / "unsourced.ttl").write_text("""
@prefix cmi: <https://w3id.org/cmikg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cmikg/id/claim/unsourced> a cmi:Claim ;
    rdfs:label "A claim with no reference"@en ;
    cmi:subject <https://w3id.org/cmikg/id/country/cub> ;
    cmi:predicate cmi:personnelCount ;
    cmi:quantity -5 ;
    cmi:unit cmi:unitPerson .
""")
    result = run_cli(mini_project, "validate", "--no-reasoner")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    missing_ref = [line for line in lines if "claim:unsourced prov:wasDerivedFrom" in line]
    assert missing_ref and missing_ref[0].strip().startswith("graph/unsourced.ttl:")
    assert "needs at least one reference" in missing_ref[0]
    assert any("claim:unsourced cmi:quantity" in line and "non-negative" in line for line in lines)


def test_claim_predicates_must_be_declared_claim_predicates(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    text = path.read_text()
    path.write_text(
        text.replace(
            """    cmi:predicate cmi:personnelCount ;
    cmi:quantity 28000 ;""",
            """    cmi:predicate cmi:sentBy ;
    cmi:quantity 28000 ;""",
        )
    )
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any(
        "claim:granma-staff-2020" in p and "the predicate" in p and "sentBy" in p for p in failure.value.problems
    ), failure.value.problems


def test_quantity_claims_need_a_unit(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    path.write_text(
        path.read_text().replace(
            """    cmi:quantity 28000 ;
    cmi:unit cmi:unitPerson ;""",
            "    cmi:quantity 28000 ;",
        )
    )
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any("claim:granma-staff-2020" in p and "needs a figure" in p for p in failure.value.problems)


def test_future_dates_are_refused(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    path.write_text(path.read_text().replace('"2020-01-01T00:00:00Z"', '"2999-01-01T00:00:00Z"'))
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any("claim:granma-staff-2020" in p and "lies in the future" in p for p in failure.value.problems)


def test_quote_offsets_are_checked(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    path.write_text(path.read_text().replace("cmi:quoteStart 2497", "cmi:quoteStart 2498"))
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any("quote offsets 2498..2598" in p and "(the quote is at 2497..2598)" in p for p in failure.value.problems)


@pytest.mark.reasoner
def test_hermit_rejects_a_country_that_is_also_a_person(mini_project: Settings) -> None:
    assert run_cli(mini_project, "build").returncode == 0
    before = digest_tree(mini_project.dist)
    (mini_project.graph_dir / "contradiction.ttl").write_text(
        "<https://w3id.org/cmikg/id/country/chl> a <https://w3id.org/cmikg/ontology#Person> .\n"
    )
    result = run_cli(mini_project, "build")
    assert result.returncode == 1
    assert "inconsistent" in result.stderr
    assert (
        "country:chl is both cmi:Person and cmi:Place" in result.stderr
        or "country:chl is both cmi:Country and cmi:Person" in result.stderr
    )
    assert digest_tree(mini_project.dist) == before, "a failed build leaves dist/ as it was"


def test_links_to_undefined_entities_are_reported(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    path.write_text(path.read_text().replace("cmi:hostCountry country:chl", "cmi:hostCountry country:chle"))
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any("country:chle is not defined anywhere" in p for p in failure.value.problems)


def test_mission_dates_before_the_revolution_are_refused(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    text = path.read_text().replace('cmi:startTime "1960-01-01T00:00:00Z"', 'cmi:startTime "1958-01-01T00:00:00Z"')
    path.write_text(text)
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any("mission:chile-1960-earthquake cmi:startTime" in p and "1959" in p for p in failure.value.problems)


def test_wikidata_links_must_be_entity_iris(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    path.write_text(path.read_text().replace("entity/Q298", "wiki/Q298"))
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any("country:chl owl:sameAs" in p for p in failure.value.problems)


def test_literal_helpers_round_trip() -> None:
    # guards the assumption the ontology makes about Wikidata-style dates
    value = Literal("2007-01-01T00:00:00Z", datatype=URIRef("http://www.w3.org/2001/XMLSchema#dateTime"))
    assert value.toPython().year == 2007


def test_owlready2_loads_the_generated_rdfxml_ontology(mini_project: Settings) -> None:
    import owlready2

    build(mini_project, reason=False)
    world = owlready2.World()
    ontology = world.get_ontology((mini_project.dist / "ontology.owl").as_uri()).load()
    names = {c.name for c in ontology.classes()}
    assert {"Claim", "MedicalMission", "Country", "Reference"} <= names
    country = world["https://w3id.org/cmikg/ontology#Country"]
    assert world["https://w3id.org/cmikg/ontology#Place"] in country.is_a
    world.close()


def test_a_quote_in_a_text_not_shipped_is_reported_by_its_check(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    text = path.read_text()
    carried = "cmi:statedIn source:granma ; cmi:reportedIn source:article ;"
    assert text.count(carried) == 2
    path.write_text(text.replace(carried, "cmi:statedIn source:granma ;"))
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    found = [p for p in failure.value.problems if "[queries/checks/quote-text-not-shipped.rq]" in p]
    assert sorted(p.split(": ")[1] for p in found) == ["claim:granma-staff-2015", "claim:granma-staff-2020"], found
    assert all(p.startswith("graph/mini.ttl: ") for p in found)
    assert all("quotes source:granma, of which no copy is shipped" in p for p in found)

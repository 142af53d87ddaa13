"""A reference of an entity description names the fact it supports; a Wikidata link to
anything but a country carries the public record that confirms it."""

from __future__ import annotations

import pytest

from cmikg.build.pipeline import check
from cmikg.config import Settings
from cmikg.errors import ValidationFailed

HEADER = """
@prefix cmi:     <https://w3id.org/cmikg/ontology#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix owl:     <http://www.w3.org/2002/07/owl#> .
@prefix country: <https://w3id.org/cmikg/id/country/> .
@prefix event:   <https://w3id.org/cmikg/id/event/> .
@prefix source:  <https://w3id.org/cmikg/id/source/> .
"""

# A link written only for these tests: Q190391 is not a confirmed item for the earthquake.
EARTHQUAKE_LINK = (
    HEADER
    + """
event:valdivia-earthquake-1960 owl:sameAs <http://www.wikidata.org/entity/Q190391> .
"""
)

EVIDENCE = """
[] a cmi:WikidataLinkEvidence ;
    cmi:evidenceFor event:valdivia-earthquake-1960 ;
    cmi:wikidataItem <http://www.wikidata.org/entity/Q190391> ;
    cmi:recordAddress "https://www.wikidata.org/wiki/Q190391"^^xsd:anyURI ;
    cmi:recordLabel "1960 Valdivia earthquake"@en ;
    cmi:recordDescription "earthquake in Chile"@en ;
    cmi:checkedOn "2026-12-02T00:00:00Z"^^xsd:dateTime .
"""


def problems_of(settings: Settings) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        check(settings, reason=False)
    return failure.value.problems


def test_the_mini_graph_names_every_supported_fact(mini_project: Settings) -> None:
    check(mini_project, reason=False)


def test_a_reference_that_names_no_fact_fails_naming_the_entity(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    text = path.read_text()
    assert "cmi:supports cmi:country ;" in text
    path.write_text(text.replace("cmi:supports cmi:country ;", "", 1))
    found = problems_of(mini_project)
    assert any("org:government-of-cuba" in p and "names no fact" in p and "According to Granma" in p for p in found), (
        found
    )


def test_a_reference_that_names_a_fact_the_entity_lacks_fails(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    path.write_text(path.read_text().replace("cmi:supports cmi:country ;", "cmi:supports cmi:hostCountry ;", 1))
    found = problems_of(mini_project)
    assert any("org:government-of-cuba" in p and "hostCountry" in p and "no value for" in p for p in found), found


def test_a_wikidata_link_without_provenance_fails_naming_the_entity(mini_project: Settings) -> None:
    (mini_project.graph_dir / "link.ttl").write_text(EARTHQUAKE_LINK)
    found = problems_of(mini_project)
    assert any("event:valdivia-earthquake-1960" in p and "Q190391" in p and "has no provenance" in p for p in found), (
        found
    )
    # the countries' links are confirmed by the reference table, not by this rule
    assert not any("country:" in p and "has no provenance" in p for p in found), found


def test_a_wikidata_link_with_its_record_passes(mini_project: Settings) -> None:
    (mini_project.graph_dir / "link.ttl").write_text(EARTHQUAKE_LINK + EVIDENCE)
    check(mini_project, reason=False)


def test_evidence_for_another_item_does_not_count(mini_project: Settings) -> None:
    (mini_project.graph_dir / "link.ttl").write_text(EARTHQUAKE_LINK + EVIDENCE.replace("entity/Q190391", "entity/Q1"))
    found = problems_of(mini_project)
    assert any("event:valdivia-earthquake-1960" in p and "has no provenance" in p for p in found), found


def test_evidence_without_a_description_fails(mini_project: Settings) -> None:
    evidence = EVIDENCE.replace('    cmi:recordDescription "earthquake in Chile"@en ;\n', "")
    (mini_project.graph_dir / "link.ttl").write_text(EARTHQUAKE_LINK + evidence)
    found = problems_of(mini_project)
    assert any("cmi:recordDescription" in p for p in found), found
    assert any("event:valdivia-earthquake-1960" in p and "has no provenance" in p for p in found), found

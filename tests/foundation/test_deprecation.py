"""A term is deprecated, never removed: it names its replacement and graph/ no longer uses it."""

from __future__ import annotations

import pytest

from cmikg.build.pipeline import check
from cmikg.config import Settings
from cmikg.errors import ValidationFailed

DEPRECATED = """
cmi:staffCount a owl:DatatypeProperty ;
    rdfs:subPropertyOf cmi:quantityPredicate ;
    rdfs:label "number of staff"@en , "número de personal"@es ;
    skos:definition "How many staff worked: the earlier name of cmi:personnelCount."@en ;
    owl:deprecated true ;
    dcterms:isReplacedBy cmi:personnelCount .
"""
CHECKS = "[queries/checks/{}.rq]"


def deprecate(settings: Settings, turtle: str) -> None:
    with settings.ontology_file.open("a", encoding="utf-8") as handle:
        handle.write(turtle)


def problems_of(settings: Settings) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        check(settings, reason=False)
    return failure.value.problems


def test_an_unused_deprecated_term_with_a_replacement_passes(mini_project: Settings) -> None:
    deprecate(mini_project, DEPRECATED)
    check(mini_project, reason=False)


def test_a_deprecated_term_without_a_replacement_fails_the_build(mini_project: Settings) -> None:
    deprecate(mini_project, DEPRECATED.replace(" ;\n    dcterms:isReplacedBy cmi:personnelCount .", " ."))
    found = [p for p in problems_of(mini_project) if CHECKS.format("deprecated-term-without-replacement") in p]
    assert len(found) == 1, found
    assert found[0].startswith("ontology/cmi.ttl: cmi:staffCount: cmi:staffCount is deprecated but names no")


def test_a_deprecated_predicate_still_used_fails_the_build(mini_project: Settings) -> None:
    deprecate(mini_project, DEPRECATED)
    path = mini_project.graph_dir / "mini.ttl"
    text = path.read_text(encoding="utf-8")
    assert text.count("cmi:predicate cmi:personnelCount") >= 1
    path.write_text(text.replace("cmi:predicate cmi:personnelCount", "cmi:predicate cmi:staffCount"), encoding="utf-8")
    found = [p for p in problems_of(mini_project) if CHECKS.format("deprecated-term-in-use") in p]
    assert found and all(p.startswith("graph/mini.ttl: claim:") for p in found), found
    assert all("uses cmi:staffCount, which is deprecated; use cmi:personnelCount instead" in p for p in found)


def test_a_deprecated_term_used_as_a_property_or_a_value_fails_the_build(mini_project: Settings) -> None:
    deprecate(mini_project, "cmi:unitPerson owl:deprecated true ; dcterms:isReplacedBy cmi:unitCount .\n")
    deprecate(mini_project, "cmi:hostCountry owl:deprecated true ; dcterms:isReplacedBy cmi:location .\n")
    found = [p for p in problems_of(mini_project) if CHECKS.format("deprecated-term-in-use") in p]
    assert any("uses cmi:unitPerson, which is deprecated; use cmi:unitCount instead" in p for p in found), found
    assert any("uses cmi:hostCountry, which is deprecated; use cmi:location instead" in p for p in found), found

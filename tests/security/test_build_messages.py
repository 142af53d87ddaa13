"""Build messages that name what to fix: the triple and its file for an inconsistency HermiT
infers through a domain, and one message per constraint of a shape."""

from __future__ import annotations

import pytest

from cmikg.build.pipeline import check
from cmikg.errors import ValidationFailed

PREFIXES = (
    "@prefix cmi: <https://w3id.org/cmikg/ontology#> .\n@prefix country: <https://w3id.org/cmikg/id/country/> .\n"
)


@pytest.mark.reasoner
def test_a_clash_through_a_domain_names_the_triple_and_its_file(copy_project):
    settings = copy_project()
    (settings.graph_dir / "zz-mistake.ttl").write_text(PREFIXES + 'country:ven cmi:position "surgeon" .\n')
    with pytest.raises(ValidationFailed) as failure:
        check(settings, reason=True)
    problems = "\n".join(failure.value.problems)
    assert "graph/zz-mistake.ttl" in problems
    assert 'country:ven cmi:position "surgeon"' in problems
    assert "domain of cmi:position" in problems


def test_a_second_iso_code_is_reported_as_a_second_value_not_a_bad_pattern(copy_project):
    settings = copy_project()
    (settings.graph_dir / "zz-mistake.ttl").write_text(PREFIXES + 'country:ven cmi:isoCode "VNZ" .\n')
    with pytest.raises(ValidationFailed) as failure:
        check(settings, reason=False)
    problems = [p for p in failure.value.problems if "isoCode" in p or "ISO" in p]
    assert any("has a second" in p for p in problems), problems
    assert not any("three capital letters" in p for p in problems), problems

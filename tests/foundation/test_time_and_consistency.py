"""Derived time bounds, and the build's refusals: untyped sources, undated figures, unjudged tensions."""

from __future__ import annotations

import re

import pytest

from cmikg.build.pipeline import check
from cmikg.build.timebounds import edtf_span
from cmikg.config import Settings
from cmikg.errors import ValidationFailed
from cmikg.namespaces import CMI

SECOND_2015_FIGURE = """
claim:other-staff-2015 a cmi:Claim ;
    rdfs:label "Cuban medical staff abroad in 2015, a second figure"@en ;
    cmi:subject country:cub ;
    cmi:predicate cmi:personnelCount ;
    cmi:quantity 60000 ;
    cmi:unit cmi:unitPerson ;
    cmi:role cmi:medicalStaff ;
    cmi:pointInTime "2015-01-01T00:00:00Z"^^xsd:dateTime ;
    cmi:timePrecision cmi:precisionYear ;
    prov:wasDerivedFrom [ a cmi:Reference ; cmi:statedIn source:granma ; cmi:reportedIn source:article ;
        cmi:quote "the number of Cuban medical staff abroad fell from 50,000 in 2015 to 28,000 in 2020" ;
        cmi:quoteStart 730 ; cmi:quoteEnd 813 ] .
"""


@pytest.mark.parametrize(
    "edtf,earliest,latest,precision",
    [
        ("2007", "2007-01-01T00:00:00Z", "2007-12-31T23:59:59Z", CMI.precisionYear),
        ("2008-09", "2008-09-01T00:00:00Z", "2008-09-30T23:59:59Z", CMI.precisionMonth),
        ("2008-02", "2008-02-01T00:00:00Z", "2008-02-29T23:59:59Z", CMI.precisionMonth),
        ("2017-01-12", "2017-01-12T00:00:00Z", "2017-01-12T23:59:59Z", CMI.precisionDay),
        ("196X", "1960-01-01T00:00:00Z", "1969-12-31T23:59:59Z", CMI.precisionDecade),
        ("2020~", "2020-01-01T00:00:00Z", "2020-12-31T23:59:59Z", CMI.precisionYear),
        ("1966/1974", "1966-01-01T00:00:00Z", "1974-12-31T23:59:59Z", CMI.precisionYear),
        ("196X/..", "1960-01-01T00:00:00Z", None, CMI.precisionDecade),
        ("../2007-02", None, "2007-02-28T23:59:59Z", CMI.precisionMonth),
        ("2005/", "2005-01-01T00:00:00Z", None, CMI.precisionYear),
    ],
)
def test_edtf_becomes_comparable_bounds(edtf: str, earliest: str | None, latest: str | None, precision) -> None:
    span = edtf_span(edtf)
    assert (span.earliest, span.latest, span.precision) == (earliest, latest, precision)


@pytest.mark.parametrize("bad", ["2007-13-40x", "sometime", "../.."])
def test_unreadable_edtf_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        edtf_span(bad)


def test_the_mini_graph_passes(mini_project: Settings) -> None:
    checked = check(mini_project, reason=False)
    assert checked.tensions.as_report() == {"found": 1, "linked": 0, "dismissed": 1}


def test_a_source_without_a_kind_fails_the_build(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    path.write_text(
        path.read_text().replace(
            'cmi:title "Wikipedia" ;\n    cmi:sourceKind cmi:encyclopedia .', 'cmi:title "Wikipedia" .'
        )
    )
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any(
        p.startswith("graph/mini.ttl: source:wikipedia cmi:sourceKind: a source needs exactly one kind")
        for p in failure.value.problems
    ), failure.value.problems


def test_a_figure_with_neither_time_nor_undated_marker_fails_the_build(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    text = path.read_text()
    start = text.index("claim:granma-staff-2020 a cmi:Claim")
    block = text[start:]
    undated = re.sub(r"    cmi:(pointInTime|timePrecision) [^\n]*\n", "", block, count=2)
    path.write_text(text[:start] + undated)
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any("claim:granma-staff-2020" in p and "a claim needs a time" in p for p in failure.value.problems)
    # ... and the curator's explicit marker is what makes it acceptable (an undated figure cannot
    # be found falling any more, so its dismissal goes too)
    (mini_project.graph_dir / "tensions-dismissed.csv").write_text("check,claim,other,reason\n")
    path.write_text(text[:start] + undated.replace("    cmi:subject", "    cmi:undated true ;\n    cmi:subject", 1))
    check(mini_project, reason=False)


def test_an_unjudged_tension_fails_the_build_and_a_dismissal_settles_it(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    path.write_text(path.read_text() + SECOND_2015_FIGURE)
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    unjudged = [p for p in failure.value.problems if "link the two claims" in p]
    assert unjudged and all(p.startswith("graph/mini.ttl: claim:") for p in unjudged)
    assert any("[queries/checks/different-figures-same-time.rq]" in p for p in unjudged)
    dismissals = mini_project.graph_dir / "tensions-dismissed.csv"
    lines = [
        "different-figures-same-time,claim:other-staff-2015,claim:granma-staff-2015,a test: two readings",
        "later-figure-lower,claim:other-staff-2015,claim:granma-staff-2020,a test: two readings",
    ]
    dismissals.write_text(dismissals.read_text() + "\n".join(lines) + "\n")
    assert check(mini_project, reason=False).tensions.as_report() == {"found": 3, "linked": 0, "dismissed": 3}


def test_a_stale_dismissal_fails_the_build(mini_project: Settings) -> None:
    dismissals = mini_project.graph_dir / "tensions-dismissed.csv"
    dismissals.write_text(dismissals.read_text() + "parts-exceed-total,claim:a,claim:b,no longer found\n")
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any(
        p.startswith("graph/tensions-dismissed.csv:3: the check parts-exceed-total no longer finds")
        for p in failure.value.problems
    )


def test_a_link_the_ontology_marks_as_settling_a_tension_judges_the_pair(mini_project: Settings) -> None:
    path = mini_project.graph_dir / "mini.ttl"
    dismissals = mini_project.graph_dir / "tensions-dismissed.csv"
    dismissals.write_text(
        dismissals.read_text()
        + "later-figure-lower,claim:other-staff-2015,claim:granma-staff-2020,a test: two readings\n"
    )
    unsettling = SECOND_2015_FIGURE.replace(
        "    cmi:subject country:cub ;", "    cmi:opposes claim:granma-staff-2015 ;\n    cmi:subject country:cub ;"
    )
    path.write_text(path.read_text() + unsettling)
    with pytest.raises(ValidationFailed) as failure:
        check(mini_project, reason=False)
    assert any("different-figures-same-time" in p and "link the two claims" in p for p in failure.value.problems)
    path.write_text(
        path.read_text().replace("cmi:opposes claim:granma-staff-2015", "cmi:contradicts claim:granma-staff-2015")
    )
    assert check(mini_project, reason=False).tensions.as_report() == {"found": 3, "linked": 1, "dismissed": 2}

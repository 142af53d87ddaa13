"""``cmikg wikidata check`` on small projects whose snapshot comes from the stand-in."""

from __future__ import annotations

import json

from cmikg.wikidata.checks import LABEL_THRESHOLD
from cmikg.wikidata.labels import similarity
from tests.wikidata.conftest import run_cmikg

GOOD = """
country:cub a cmi:Country ; rdfs:label "Cuba"@en , "Cuba"@es ; cmi:isoCode "CUB" ; owl:sameAs wd:Q241 .
country:ven a cmi:Country ; rdfs:label "Venezuela"@en ; cmi:isoCode "VEN" ; owl:sameAs wd:Q717 .
place:havana a cmi:Settlement ; rdfs:label "Havana"@en ; owl:sameAs wd:Q1563 .
person:barack-obama a cmi:Person ; rdfs:label "Barack Obama"@en ; owl:sameAs wd:Q76 .
country:hti a cmi:Country ; rdfs:label "Haiti"@en ; cmi:isoCode "HTI" .
"""


def checked(small_project, standin, turtle: str) -> tuple[int, dict]:
    settings = small_project(turtle)
    refreshed = run_cmikg(settings, "wikidata", "refresh", "--endpoint", standin.url, "--min-interval", "0")
    assert refreshed.returncode == 0, refreshed.stderr
    done = run_cmikg(settings, "wikidata", "check", "--json")
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def test_consistent_links_pass(small_project, standin):
    code, report = checked(small_project, standin, GOOD)
    assert code == 0 and report["errors"] == []
    assert report["linked"] == ["country:cub", "country:ven", "person:barack-obama", "place:havana"]
    assert report["unlinked"] == ["country:hti"]
    assert report["linkable"] == 5
    assert any("cmi:Settlement has no confirmed P31 list" in note for note in report["notes"])


def test_malformed_link_is_named(small_project, standin):
    code, report = checked(small_project, standin, GOOD.replace("wd:Q717", "<https://www.wikidata.org/wiki/Q717>"))
    assert code == 1
    assert report["errors"] == [
        "graph/entities/linked.ttl: country:ven owl:sameAs "
        "<https://www.wikidata.org/wiki/Q717>: not a Wikidata item IRI; "
        "write <http://www.wikidata.org/entity/Q…>"
    ]


def test_one_qid_from_two_nodes(small_project, standin):
    twin = 'country:cuba-again a cmi:Country ; rdfs:label "Cuba"@en ; owl:sameAs wd:Q241 .\n'
    code, report = checked(small_project, standin, GOOD + twin)
    assert code == 1
    assert len(report["errors"]) == 1
    assert report["errors"][0].startswith("Q241 is linked from 2 nodes:")
    assert "country:cub" in report["errors"][0] and "country:cuba-again" in report["errors"][0]


def test_country_linked_to_a_city(small_project, standin):
    code, report = checked(
        small_project, standin, GOOD.replace("place:havana a cmi:Settlement", "place:havana a cmi:Country")
    )
    assert code == 1
    assert [e for e in report["errors"] if "is an instance of" in e] == [
        f"graph/entities/linked.ttl: place:havana is a cmi:Country but Q1563 is an instance of "
        f"{', '.join(standin.value('Q1563', 'P31'))}; expected one of Q3624078 (sovereign state), Q6256 (country)"
    ]


def test_wrong_country_is_caught_by_iso_code_and_label(small_project, standin):
    code, report = checked(small_project, standin, GOOD.replace("wd:Q717", "wd:Q790"))
    assert code == 1
    iso = standin.value("Q790", "P298")
    label = standin.label("Q790", "en")
    assert (
        f"graph/entities/linked.ttl: country:ven has ISO code VEN but Q790 has P298 {', '.join(iso)}"
        in report["errors"]
    )
    assert any(
        e.startswith(f"graph/entities/linked.ttl: country:ven is labelled 'Venezuela'@en but Q790 is {label!r}@en")
        for e in report["errors"]
    )


def test_label_far_from_wikidata(small_project, standin):
    code, report = checked(small_project, standin, GOOD.replace('"Barack Obama"@en', '"Laurie Garrett"@en'))
    assert code == 1
    assert [e for e in report["errors"] if "labelled" in e] == [
        f"graph/entities/linked.ttl: person:barack-obama is labelled 'Laurie Garrett'@en but Q76 is "
        f"{standin.label('Q76', 'en')!r}@en (similarity {similarity('Laurie Garrett', standin.label('Q76', 'en')):.2f} "
        f"< {LABEL_THRESHOLD})"
    ]


def test_accents_and_articles_do_not_count(small_project, standin):
    code, report = checked(
        small_project, standin, GOOD.replace('"Venezuela"@en', '"VENEZUELA"@en').replace('"Cuba"@es', '"Cúba"@es')
    )
    assert code == 0, report["errors"]


def test_unknown_qid_and_redirect(small_project, standin):
    extra = (
        'person:nobody a cmi:Person ; rdfs:label "Nobody"@en ; owl:sameAs wd:Q99999999 .\n'
        'country:old a cmi:Country ; rdfs:label "Cuba"@en ; owl:sameAs wd:Q4115189 .\n'
    )
    code, report = checked(small_project, standin, GOOD + extra)
    assert code == 1
    assert any("Q99999999 is unknown to" in e for e in report["errors"])
    assert any("Q4115189 now redirects to Q241" in w for w in report["warnings"])


def test_missing_snapshot_is_a_warning_not_an_error(small_project):
    settings = small_project(GOOD)
    done = run_cmikg(settings, "wikidata", "check")
    assert done.returncode == 0, done.stdout
    assert "4 link(s) have no snapshot entry" in done.stdout
    assert "linkable but unlinked (1, information):" in done.stdout


def test_the_build_runs_the_check(copy_project):
    settings = copy_project(with_graph=True)
    twin = settings.graph_dir / "entities" / "twin.ttl"
    twin.write_text(
        "@prefix cmi: <https://w3id.org/cmikg/ontology#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://w3id.org/cmikg/id/place/twin-of-cuba> owl:sameAs <http://www.wikidata.org/entity/Q241> .\n"
        '<https://w3id.org/cmikg/id/place/bad-link> owl:sameAs "Q241" .\n',
        encoding="utf-8",
    )
    done = run_cmikg(settings, "validate", "--no-reasoner")
    assert done.returncode == 1
    assert (
        "Q241 is linked from 2 nodes: graph/entities/places.ttl: country:cub, "
        "graph/entities/twin.ttl: place:twin-of-cuba" in done.stderr
    )
    assert "graph/entities/twin.ttl: place:bad-link owl:sameAs 'Q241': not a Wikidata item IRI" in done.stderr

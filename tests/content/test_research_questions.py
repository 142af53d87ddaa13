"""The research questions that the derived shortcuts answer in one pattern, against the article.

Each expected set below was written by reading the article text (the sentence is cited
above it) and naming the claims the graph holds for those sentences; none was copied
from a query's output. Every gallery query must also return one row per thing it counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cmikg.config import Settings
from cmikg.engines.store import EmbeddedStore
from tests.content.test_queries import QUERIES, rows

ID = "https://w3id.org/cmikg/id/"


@pytest.fixture(scope="module")
def store(built: Settings) -> EmbeddedStore:
    return EmbeddedStore.load(built.dataset_file)


def claims(found: list[dict[str, str]], column: str = "claim") -> set[str]:
    return {r[column].removeprefix(ID + "claim/") for r in found}


def test_no_gallery_query_uses_union() -> None:
    with_union = [p.name for p in QUERIES if "UNION" in p.read_text(encoding="utf-8").upper()]
    assert with_union == []


@pytest.mark.parametrize(
    "name,key",
    [
        ("personnel-abroad-over-time", "claim"),
        ("criticisms-and-who-made-them", "criticism"),
        ("missions-timeline", "mission"),
        ("missions-answering-disasters", "mission"),
        ("personnel-by-region", "claim"),
        ("punishment-for-abandoning-a-mission", "claim"),
        ("epidemic-response", "claim"),
        ("claims-resting-only-on-state-media", "claim"),
        ("claims-by-governments", "claim"),
        ("independent-media-on-venezuela", "claim"),
    ],
)
def test_one_row_per_thing_counted(store: EmbeddedStore, name: str, key: str) -> None:
    found = rows(store, name)
    keys = [r[key] for r in found]
    assert len(keys) == len(set(keys)), f"{name} repeats a {key}"


def test_where_sources_disagree_lists_each_pair_once(store: EmbeddedStore) -> None:
    pairs = [(r["how"], frozenset((r["claim"], r["other"]))) for r in rows(store, "where-sources-disagree")]
    assert len(pairs) == len(set(pairs))


def test_claims_resting_only_on_state_media(store: EmbeddedStore) -> None:
    # Granma: "the number of Cuban medical staff abroad fell from 50,000 in 2015 to 28,000 in 2020";
    # "In June 2009, Prensa Latina reported that Cuban doctors had 'inaugurated a series of new health
    # services in Tuvalu'. One Cuban doctor had been serving in Tuvalu since October 2008, and two more
    # since February 2009. They had reportedly 'attended 3,496 patients, and saved 53 lives', having
    # 'opened ultrasound and abortion services ...'. They had visited all the country's islands, and were
    # training local staff"; "Bloomberg reported in March 2014 that Cuban state-controlled media
    # forecasted revenue of $8.2 billion" (the figure is the state media's own).
    assert claims(rows(store, "claims-resting-only-on-state-media")) == {
        "intro-granma-staff-2015",
        "intro-granma-staff-2020",
        "oceania-tuvalu-new-services",
        "oceania-tuvalu-first-doctor-2008",
        "oceania-tuvalu-more-doctors-2009",
        "oceania-tuvalu-patients-2009",
        "oceania-tuvalu-lives-saved-2009",
        "oceania-tuvalu-services-opened",
        "oceania-tuvalu-all-islands",
        "oceania-tuvalu-training-local-staff",
        "effects-revenue-forecast-2014",
    }


def test_personnel_abroad_over_time_counts_each_figure_once(store: EmbeddedStore) -> None:
    # "In 2007, Cuba had 42,000 workers ... more than 30,000 were health personnel, including at least
    # 19,000 physicians"; "fell from 50,000 in 2015 to 28,000 in 2020"; "In November 2019, the United
    # Nations estimated that there were around 30,000 Cuban doctors"; "jumped from about 5,000 in 2003
    # to more than 25,000 in 2005" (said twice in the article: one claim, two references)
    assert claims(rows(store, "personnel-abroad-over-time")) == {
        "intro-workers-2007",
        "intro-health-personnel-2007",
        "intro-physicians-2007",
        "intro-granma-staff-2015",
        "intro-granma-staff-2020",
        "missions-abroad-un-doctors-2019",
        "humanitarianism-doctors-abroad-2003",
        "humanitarianism-doctors-abroad-2005",
    }


def test_claims_about_south_africa(store: EmbeddedStore) -> None:
    # Section "Other countries": notable missions to South Africa after the post-apartheid brain drain;
    # hundreds of Cuban doctors practising there since 1995; South Africa sends medical students to Cuba;
    # the 2012 deal, up to 1,000 students, for the National Health Insurance Scheme. Section "Salaries":
    # the concern in South Africa about the salaries to be paid during the COVID-19 pandemic.
    assert claims(rows(store, "claims-about-south-africa")) == {
        "other-countries-south-africa-missions",
        "other-countries-south-africa-doctors",
        "other-countries-south-africa-students",
        "other-countries-south-africa-deal-2012",
        "other-countries-south-africa-nhi",
        "other-countries-south-africa-students-2012",
        "salaries-south-africa-concern",
    }


def test_claims_by_intergovernmental_bodies(store: EmbeddedStore) -> None:
    # "In November 2019, the United Nations estimated that there were around 30,000 Cuban doctors active
    # in 67 countries"; UN officials on Zimbabwe in 2000; the communication of the UN special rapporteurs
    # (forced labour, "abandonment of the mission", the Penal Code's three to eight years).
    assert claims(rows(store, "claims-by-intergovernmental-bodies")) == {
        "missions-abroad-un-doctors-2019",
        "missions-abroad-un-countries-2019",
        "defection-zimbabwe-un-laws",
        "coercion-un-forced-labour",
        "coercion-un-abandonment-offence",
        "coercion-penal-code-prison-term",
    }


def test_claims_about_the_1990s_alone(store: EmbeddedStore) -> None:
    # "in 1960, 1972 and 1990 Cuba dispatched emergency assistance teams to Chile, Nicaragua, and Iran";
    # ELAM set up in 1998 after Hurricane Mitch; Honduras 1998 infant and maternal mortality; East Timor
    # after the 1999 violence (35 physicians left, a million people, 75% displaced); the December 1999
    # Vargas mudslides (20,000 killed, the Cuban emergency assistance the Venezuelan program grew out of)
    assert claims(rows(store, "claims-about-the-1990s")) == {
        "humanitarianism-iran-1990-team",
        "elam-founded-1998",
        "humanitarianism-honduras-infant-mortality-1998",
        "humanitarianism-honduras-maternal-mortality-1998",
        "other-countries-east-timor-physicians-1999",
        "other-countries-east-timor-population",
        "other-countries-east-timor-displaced",
        "humanitarianism-vargas-assistance",
        "humanitarianism-vargas-death-toll",
        "venezuela-program-grew-out-of-vargas",
    }


def test_undated_figures(store: EmbeddedStore) -> None:
    # Figures the article gives with no time of their own and no dated event or mission: ADN Cuba's
    # 70-90% and 8 years; the Penal Code's three to eight years; the first year of the COVID-19 pandemic
    # (57 brigades, 1.26 million patients, 40 countries); Katrina's 1500 doctors; the oil for doctors
    # figures (31,000, 40,000, 100,000 barrels); patients per doctor 139 and 179; ELAM's 1500 a year;
    # "currently educating ... about 70,000", "typically ... 64,000 to 68,000"; "$200 a month"; the
    # applicant who waited a year for his visa.
    assert claims(rows(store, "undated-figures")) == {
        "coercion-adn-pay-retained",
        "coercion-adn-punishment-8-years",
        "coercion-penal-code-prison-term",
        "humanitarianism-covid-brigades",
        "humanitarianism-covid-patients",
        "humanitarianism-covid-countries",
        "humanitarianism-katrina-offer-doctors",
        "venezuela-doctors-and-dentists",
        "venezuela-medical-personnel-trained",
        "venezuela-oil-barrels-per-day",
        "effects-patients-per-doctor-before",
        "effects-patients-per-doctor-after",
        "elam-annual-intake",
        "elam-cuba-doctors-in-training",
        "elam-us-medical-students",
        "salaries-host-cost-cap",
        "parole-visa-wait",
    }


def test_claims_attributed_to_people(store: EmbeddedStore) -> None:
    # Laurie Garrett's 2010 Foreign Affairs article; Julio César Alfonso on the parole program;
    # Barack Obama ending the parole program.
    found = {r["person"].removeprefix(ID + "person/") for r in rows(store, "claims-attributed-to-people")}
    assert found == {"laurie-garrett", "julio-cesar-alfonso", "barack-obama"}


def test_independent_media_on_venezuela(store: EmbeddedStore) -> None:
    # "a 2019 The New York Times article" on the 2018 election (sixteen doctors, four doctors, denied
    # treatment, homeland card, door to door, counterfeit ID cards, command centres) and "In 2017, The
    # Miami Herald reported" the quotas (threats, fake paperwork).
    assert claims(rows(store, "independent-media-on-venezuela")) == {
        "coercion-nyt-sixteen-doctors",
        "coercion-nyt-four-doctors",
        "coercion-nyt-treatment-denied",
        "coercion-nyt-homeland-card",
        "coercion-nyt-door-to-door",
        "coercion-nyt-counterfeit-id",
        "coercion-nyt-command-centres",
        "venezuela-quota-threats",
        "venezuela-quotas-fake-paperwork",
    }


def test_claims_by_governments(store: EmbeddedStore) -> None:
    # the Cuban Penal Code's article 135.1; "Cuban authorities" offering up to 400 scholarships; the
    # Honduran government's jobs argument for expelling the mission; South Africa's expectation for its
    # National Health Insurance Scheme; "From an estimated 40,000 eligible medical personnel, over 1000
    # had entered the United States under the program by October 2007, according to the chief of staff
    # for U.S. Rep. Lincoln Díaz-Balart" (his office speaks, not the article).
    assert claims(rows(store, "claims-by-governments")) == {
        "parole-eligible",
        "parole-entrants-2007",
        "coercion-penal-code-prison-term",
        "oceania-scholarships-offered-2008",
        "humanitarianism-honduras-jobs-accusation",
        "other-countries-south-africa-nhi",
    }


def test_countries_by_number_of_claims(store: EmbeddedStore) -> None:
    found = [r["country"].removeprefix(ID + "country/") for r in rows(store, "countries-by-number-of-claims")]
    # Cuba is in nearly every claim; Venezuela, "Cuba's largest and most extensive medical aid effort", next.
    assert found[:2] == ["cub", "ven"]


def test_criticisms_by_kind_of_source(store: EmbeddedStore) -> None:
    found = {r["kind"]: int(r["criticisms"]) for r in rows(store, "criticisms-by-kind-of-source")}
    # the New York Times and the Miami Herald; the UN special rapporteurs; Human Rights Watch
    assert {"independent media", "intergovernmental body", "non-governmental organisation"} <= set(found)
    total = rows_of(store, "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/cmikg/ontology#Criticism> }")
    assert max(found.values()) <= int(total[0])


def rows_of(store: EmbeddedStore, query: str) -> list[str]:
    """The first column of a query's answer, as text."""
    return [solution[0].value for solution in store.query(query)]


def test_figures_per_decade_add_up_to_the_dated_figures(store: EmbeddedStore) -> None:
    per_decade = {int(float(r["decade"])): int(r["figures"]) for r in rows(store, "figures-per-decade")}
    dated = rows_of(
        store,
        "PREFIX cmi: <https://w3id.org/cmikg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c cmi:earliest ?e ; "
        "cmi:predicate/rdfs:subPropertyOf+ cmi:quantityPredicate }",
    )
    assert sum(per_decade.values()) == int(dated[0])
    # "In 2007, Cuba had 42,000 workers": the 2000s hold the most figures
    assert max(per_decade, key=per_decade.get) == 2000


def test_claims_by_kind_of_source_and_decade(store: EmbeddedStore) -> None:
    found = {(r["kind"], int(float(r["decade"]))) for r in rows(store, "claims-by-kind-of-source-and-decade")}
    # Granma (2015, 2020) and Prensa Latina (2008, 2009) are state media; the NYT (2018 election) is
    # independent media
    assert {("state media", 2010), ("state media", 2020), ("state media", 2000), ("independent media", 2010)} <= found


def test_new_questions_are_short(project_root: Path) -> None:
    names = [
        "claims-about-south-africa",
        "claims-by-intergovernmental-bodies",
        "claims-about-the-1990s",
        "criticisms-by-kind-of-source",
        "undated-figures",
        "claims-attributed-to-people",
        "countries-by-number-of-claims",
        "independent-media-on-venezuela",
        "claims-by-governments",
        "figures-per-decade",
        "claims-by-kind-of-source-and-decade",
    ]
    for name in names:
        text = (project_root / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        body = [line for line in text.splitlines() if line.strip() and not line.startswith(("#", "PREFIX"))]
        assert len(body) <= 10, f"{name} has {len(body)} lines of SPARQL"

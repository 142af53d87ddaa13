"""Every example query in queries/ runs on the built graph and gives the article's answer.

Expected figures are the article's own (each test names the sentence it comes from);
where a row carries its quote, the test also checks that the figure is in the quote.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from cmikg.config import Settings
from cmikg.engines.store import EmbeddedStore, term_text

QUERIES = sorted((Path(__file__).resolve().parents[2] / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def store(built: Settings) -> EmbeddedStore:
    return EmbeddedStore.load(built.dataset_file)


def rows(store: EmbeddedStore, name: str) -> list[dict[str, str]]:
    text = (QUERIES[0].parent / f"{name}.rq").read_text(encoding="utf-8")
    result = store.query(text)
    names = [v.value for v in result.variables]
    return [{n: term_text(s[n]) for n in names} for s in result]


def figures(found: list[dict[str, str]], column: str = "figure") -> set[Decimal]:
    return {Decimal(r[column]) for r in found if r.get(column)}


_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split()
)
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def in_words(n: int) -> str:
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    return _TENS[tens - 2] + ("" if unit == 0 else "-" + _UNITS[unit])


def written_forms(value: Decimal) -> set[str]:
    """How the article may print a figure: 42,000 / 42000 / 1.26 million / $3 billion / sixteen."""
    forms = {f"{value.normalize():f}"}
    if value == value.to_integral_value():
        n = int(value)
        forms |= {f"{n:,}", str(n)}
        if n < 100:
            forms |= {in_words(n), in_words(n).capitalize()}
    for scale, word in ((Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million")):
        if value >= scale:
            forms.add(f"{(value / scale).normalize():f} {word}")
    if value >= 10**6 and value % 10**6 == 0:
        forms.add(f"{int(value / 10**6):,}M")
    return forms


def test_every_query_has_a_question_and_runs(store: EmbeddedStore) -> None:
    assert len(QUERIES) >= 25
    for path in QUERIES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert re.match(r"# \S.*\?$", first), f"{path.name}: first line must be the research question"
        result = store.query(path.read_text(encoding="utf-8"))
        assert isinstance(result, ox.QuerySolutions)
        assert list(result), f"{path.name} returns no rows"


def test_quoted_figures_appear_in_their_quotes(store: EmbeddedStore) -> None:
    checked = 0
    for path in QUERIES:
        for row in rows(store, path.stem):
            if row.get("figure") and row.get("quote"):
                value = Decimal(row["figure"])
                assert any(form in row["quote"] for form in written_forms(value)), (path.name, row)
                checked += 1
    assert checked > 40


def test_host_countries_by_decade(store: EmbeddedStore) -> None:
    # "In 1960, Cuba sent an emergency brigade to Chile"; "It began when Cuba sent a small medical brigade to Algeria"
    found = {(int(float(r["decade"])), r["countryLabel"]) for r in rows(store, "host-countries-by-decade")}
    assert {(1960, "Chile"), (1960, "Algeria"), (1990, "Honduras"), (1990, "Guatemala"), (2000, "Pakistan")} <= found


def test_personnel_abroad_over_time_side_by_side(store: EmbeddedStore) -> None:
    found = rows(store, "personnel-abroad-over-time")
    by_year = {(int(r["year"]), Decimal(r["figure"])) for r in found}
    # intro: 42,000 workers (2007); Granma: 50,000 (2015) and 28,000 (2020); UN: around 30,000 (2019);
    # Humanitarianism: about 5,000 (2003) to more than 25,000 (2005)
    assert {(2007, 42000), (2015, 50000), (2020, 28000), (2019, 30000), (2003, 5000), (2005, 25000)} <= by_year
    sources = {r["source"].rsplit("/", 1)[-1] for r in found}
    assert len(sources) >= 3, "figures from several sources appear side by side"


def test_missions_answering_natural_disasters(store: EmbeddedStore) -> None:
    found = rows(store, "missions-answering-disasters")
    types = {r["eventType"] for r in found}
    assert {"earthquake", "hurricane", "tsunami", "mudslide"} <= types
    hosts = {(r["countryLabel"], r["year"]) for r in found}
    assert ("Chile", "1960") in hosts and ("Pakistan", "2005") in hosts and ("Haiti", "2010") in hosts


def test_where_sources_disagree(store: EmbeddedStore) -> None:
    found = rows(store, "where-sources-disagree")
    hows = {r["how"] for r in found}
    assert {"in tension with", "opposes", "disputes"} <= hows
    inverse = {
        "contradicts": "contradicts",
        "in tension with": "inTensionWith",
        "opposes": "opposes",
        "disputes": "disputedBy",
    }
    for row in found:
        ask = f"ASK {{ <{row['other']}> <https://w3id.org/cmikg/ontology#{inverse[row['how']]}> <{row['claim']}> }}"
        assert bool(store.query(ask)), f"{row['how']} is recorded both ways"
    # the Granma series against the UN's count, and the Penal Code against ADN Cuba
    pairs = {frozenset((r["claim"].rsplit("/", 1)[-1], r["other"].rsplit("/", 1)[-1])) for r in found}
    assert frozenset(("missions-abroad-un-doctors-2019", "intro-granma-staff-2020")) in pairs
    assert frozenset(("coercion-penal-code-prison-term", "coercion-adn-punishment-8-years")) in pairs
    # the program's praise against the coercion reports; pay kept against pay retained
    assert frozenset(("intro-positive-impact", "coercion-un-forced-labour")) in pairs
    assert frozenset(("salaries-salary-and-stipend", "coercion-adn-pay-retained")) in pairs


def test_criticisms_and_who_made_them(store: EmbeddedStore) -> None:
    found = rows(store, "criticisms-and-who-made-them")
    claimants = {r["claimantLabel"] for r in found if r["claimantLabel"]}
    assert any("Human Rights Watch" in c for c in claimants)
    assert any("Special Rapporteur" in c or "United Nations" in c or "High Commissioner" in c for c in claimants)


def test_oil_for_doctors(store: EmbeddedStore) -> None:
    # "31,000 Cuban doctors and dentists", "40,000 Venezuelan medical personnel", "100,000 barrels of oil per day",
    # "$7.5 million per day, or nearly $3 billion per year"
    assert {31000, 40000, 100000, 7500000, 3000000000} <= figures(rows(store, "oil-for-doctors"))


def test_operacion_milagro_reach(store: EmbeddedStore) -> None:
    # "over 750,000 eye surgeries ... including 113,000", "69 Operación Milagro clinics in 15 countries",
    # "over 4 million people in 34 countries"
    assert {750000, 113000, 69, 15, 4000000, 34} <= figures(rows(store, "operacion-milagro-reach"))


def test_elam_intake(store: EmbeddedStore) -> None:
    assert 1500 in figures(rows(store, "elam-intake"))  # "It accepts around 1500 students per year."


def test_parole_program_figures(store: EmbeddedStore) -> None:
    # "From an estimated 40,000 eligible medical personnel, over 1000 had entered"; "By 2017, more than 7000"
    assert {40000, 1000, 7000} <= figures(rows(store, "parole-program-figures"))


def test_pacific_programs(store: EmbeddedStore) -> None:
    # "sixteen Cuban doctors ... in Kiribati"; "fifteen Cuban doctors were serving in Kiribati";
    # "sixty-four Pacific students"; "up to 400 scholarships"
    assert {16, 15, 64, 400} <= figures(rows(store, "pacific-programs"))


def test_entities_with_wikidata_ids(store: EmbeddedStore, project_root: Path) -> None:
    found = rows(store, "entities-with-wikidata-ids")
    qids = {r["label"]: r["qid"] for r in found}
    assert qids.get("Cuba") == "Q241"
    assert all(re.fullmatch(r"Q[1-9][0-9]*", q) for q in qids.values())
    reference = project_root.parent / "shared" / "reference" / "countries-wikidata.csv"
    if reference.is_file():
        import csv

        with reference.open(encoding="utf-8") as handle:
            by_iso = {row["iso3"]: row["wikidata"] for row in csv.DictReader(handle)}
        result = store.query(
            "PREFIX cmi: <https://w3id.org/cmikg/ontology#> PREFIX owl: <http://www.w3.org/2002/07/owl#> "
            "SELECT ?iso ?wd WHERE { ?c cmi:isoCode ?iso ; owl:sameAs ?wd }"
        )
        for solution in result:
            assert term_text(solution["wd"]).endswith("/" + by_iso[term_text(solution["iso"])])


def test_entities_without_wikidata_ids_really_have_none(store: EmbeddedStore) -> None:
    for row in rows(store, "entities-without-wikidata-ids"):
        assert not bool(store.query(f"ASK {{ <{row['entity']}> <http://www.w3.org/2002/07/owl#sameAs> ?x }}"))


def test_claims_per_source_kind_adds_up(store: EmbeddedStore) -> None:
    found = rows(store, "claims-per-source-kind")
    kinds = {r["kind"] for r in found}
    assert {"state media", "academic", "encyclopedia"} <= kinds


def test_claims_per_source(store: EmbeddedStore) -> None:
    found = {r["sourceLabel"]: int(r["claims"]) for r in rows(store, "claims-per-source")}
    assert any("Granma" in label and count >= 2 for label, count in found.items())
    assert any("Human Rights Watch" in label for label in found)


def test_programs(store: EmbeddedStore) -> None:
    found = {r["label"]: r for r in rows(store, "programs")}
    spanish = {r["spanish"] for r in found.values()}
    assert "Operación Milagro" in spanish and "Escuela Latinoamericana de Medicina" in spanish


def test_missions_timeline_starts_in_1960(store: EmbeddedStore) -> None:
    dated = [r for r in rows(store, "missions-timeline") if r["start"]]
    assert dated[0]["start"].startswith("1960") and dated[0]["hostLabel"] == "Chile"


def test_epidemic_response(store: EmbeddedStore) -> None:
    # "Cuba sent 103 nurses and 62 doctors to help fight the Ebola virus epidemic"
    assert {103, 62} <= figures(rows(store, "epidemic-response"))


def test_health_outcomes(store: EmbeddedStore) -> None:
    # Honduras: infant 30.8 -> 10.1, maternal 48.1 -> 22.4; Kiribati: child mortality reduced by 80%
    assert {Decimal("30.8"), Decimal("10.1"), Decimal("48.1"), Decimal("22.4"), 80} <= figures(
        rows(store, "health-outcomes")
    )


def test_countries_served(store: EmbeddedStore) -> None:
    # 103 countries (2007), 67 countries (UN 2019), more than 160 countries (since 1963), over 60 countries (2020)
    assert {103, 67, 160, 60} <= figures(rows(store, "countries-served"))


def test_personnel_by_region(store: EmbeddedStore) -> None:
    found = {(r["regionLabel"], Decimal(r["figure"])) for r in rows(store, "personnel-by-region")}
    # "28,422 Cuban health workers have worked in 37 Latin American countries, 31,181 in 33 African countries,
    # and 7,986 in 24 Asian countries"
    assert {
        ("Latin America", 28422),
        ("Latin America", 37),
        ("Africa", 31181),
        ("Africa", 33),
        ("Asia", 7986),
        ("Asia", 24),
    } <= found


def test_defections(store: EmbeddedStore) -> None:
    found = rows(store, "defections")
    assert any(r["lower"] == "7000" and r["upper"] == "8000" for r in found)  # "nearly 7,000–8,000 doctors"
    assert 38 in figures(found)  # "at least 38 doctors were requesting asylum"


def test_pay_and_retention(store: EmbeddedStore) -> None:
    found = rows(store, "pay-and-retention")
    assert {183, 23, 200} <= figures(found)  # "$183 per month", "$23 per month", "not exceeding $200 a month"
    assert any(r["lower"] == "70" and r["upper"] == "90" for r in found)  # ADN Cuba: "between 70 and 90%"


def test_earnings(store: EmbeddedStore) -> None:
    # "US$2,312M – 28% of total export receipts"; "revenue of $8.2 billion"
    assert {2312000000, 28, 8200000000} <= figures(rows(store, "earnings-from-medical-services"))


def test_punishment_for_abandoning_a_mission(store: EmbeddedStore) -> None:
    found = rows(store, "punishment-for-abandoning-a-mission")
    assert any(r["lower"] == "3" and r["upper"] == "8" for r in found)  # Penal Code: "three to eight years"
    assert 8 in figures(found)  # ADN Cuba: "punished for 8 years"


def test_accusations_and_defences(store: EmbeddedStore) -> None:
    assert rows(store, "accusations-and-defences")


def test_hedged_and_ranged_figures(store: EmbeddedStore) -> None:
    kinds = {r["approximation"] for r in rows(store, "hedged-and-ranged-figures")}
    assert {"more than", "at least", "about", "range"} <= kinds


def test_events_timeline(store: EmbeddedStore) -> None:
    found = {r["eventLabel"]: r for r in rows(store, "events-timeline")}
    assert any("Valdivia" in label and r["when"].startswith("1960") for label, r in found.items())
    assert any("Katrina" in label for label in found)


def test_diplomatic_relations(store: EmbeddedStore) -> None:
    found = {(r["countryLabel"], r["otherLabel"], r["when"][:4]) for r in rows(store, "diplomatic-relations")}
    years = {y for *_, y in found}
    assert {"2002", "1998"} <= years  # Honduras 2002; Guatemala 1998


def test_quotes_for_an_entity_point_into_the_text(store: EmbeddedStore, built: Settings) -> None:
    text = (built.root / "graph" / "sources" / "cuban-medical-internationalism.txt").read_text(encoding="utf-8")
    found = rows(store, "quotes-for-an-entity")
    assert any("oil for doctors" in r["quote"] for r in found)
    for row in found:
        assert text[int(row["start"]) : int(row["end"])] == row["quote"]


def test_people_and_their_roles(store: EmbeddedStore) -> None:
    names = {r["name"] for r in rows(store, "people-and-their-roles")}
    assert {"George W. Bush", "Laurie Garrett", "Nicolás Maduro"} <= names


def test_bibliography(store: EmbeddedStore) -> None:
    found = rows(store, "bibliography")
    dois = {r["doi"].lower() for r in found if r["doi"]}
    assert {"10.1177/0094582x07308119", "10.2190/c4ew-x8rp-gum4-p5ad", "10.2190/hs.37.4.k"} <= dois
    assert "978-0-230-62222-7" in {r["isbn"] for r in found}

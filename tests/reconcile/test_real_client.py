"""A researcher's spreadsheet reconciled through ``cmikg serve`` with the ``reconciler`` client.

The names are the article's own, as a spreadsheet would hold them: English and Spanish
names, abbreviations, misspellings. The expected entity of each was found by reading the
article and the graph (the sentence naming it, and the entity that sentence is quoted on).
Every response the client receives is validated against the specification's schema, and the
precision and recall of the top match are printed.
"""

from __future__ import annotations

import numpy
import pandas as pd
import pytest
import requests

pytestmark = pytest.mark.server

#: name as written → expected entity id (None: the article names it, the graph has no such entity).
COUNTRIES = {
    "Venezuela": "country/ven",
    "Venezula": "country/ven",  # misspelt
    "Haití": "country/hti",
    "Estados Unidos": "country/usa",
    "United States": "country/usa",
    "Sudáfrica": "country/zaf",
    "South Afrika": "country/zaf",  # misspelt
    "Pakistán": "country/pak",
    "Timor Oriental": "country/tls",
    "East Timor": "country/tls",
    "Guatemala": "country/gtm",
    "Hondruas": "country/hnd",  # misspelt
    "Nicaragua": "country/nic",
    "Bolivia": "country/bol",
    "Argelia": "country/dza",
    "Angola": "country/ago",
    "Guinea Bisau": "country/gnb",  # misspelt
    "Papua New Guinea": "country/png",
    "Islas Salomón": "country/slb",
    "Kiribati": "country/kir",
    "Tuvalu": "country/tuv",
    "Italia": "country/ita",
    "Andorra": "country/and",
    "Zimbabue": "country/zwe",
}
ANYTHING = {
    "ELAM": "program/elam",
    "Escuela Latinoamericana de Medicina": "program/elam",
    "Latin American School of Medecine": "program/elam",  # misspelt
    "Barrio Adentro": "program/barrio-adentro",
    "Misión Barrio Adentro": "program/barrio-adentro",
    "Operacion Milagro": "program/operacion-milagro",
    "Mission Milagro": "program/operacion-milagro",
    "Programa Integral de Salud": "program/programa-integral-de-salud",
    "Cuban Medical Professional Parole": "program/cuban-medical-professional-parole",
    "PSUV": "org/psuv",
    "Partido Socialista Unido de Venezuela": "org/psuv",
    "Human Rights Watch": "org/human-rights-watch",
    "International Labor Organization": "org/ilo",
    "Organización Internacional del Trabajo": "org/ilo",
    "United Nations": "org/united-nations",
    "Prensa Latina": "org/prensa-latina",
    "Granma": "source/granma",
    "The Lancet": "source/the-lancet",
    "Miami Herald": "source/miami-herald",
    "New York Times": "source/new-york-times",
    "Hurricane Mitch": "event/hurricane-mitch",
    "Huracán Georges": "event/hurricane-georges",
    "Hurricane Katrina": "event/hurricane-katrina",
    "2010 Haiti earthquake": "event/haiti-earthquake-2010",
    "Terremoto de Haití de 2010": "event/haiti-earthquake-2010",
    "Chernobyl disaster": "event/chernobyl-disaster",
    "Guerra Fría": "event/cold-war",
    "COVID-19 pandemic": "event/covid-19-pandemic",
    "Tragedia de Vargas": "event/vargas-tragedy-1999",
    "Order of the Quetzal": "event/order-of-the-quetzal-2004",
    "Evo Morales": "person/evo-morales",
    "Nicolas Maduro": "person/nicolas-maduro",
    "Barack Obama": "person/barack-obama",
    "Laurie Garret": "person/laurie-garrett",  # misspelt
    "Lincoln Diaz Balart": "person/lincoln-diaz-balart",
    "Wayback Machine": None,  # in the article's references, not an entity of the graph
}
#: Mission names with their host country in a second column, reconciled with a property constraint.
MISSIONS = {
    ("Cuban medical mission after Hurricanes Mitch and Georges", "Honduras"): "mission/honduras-1998-hurricanes",
    ("Cuban medical mission after Hurricanes Mitch and Georges", "Haiti"): "mission/haiti-1998-hurricanes",
    ("Cuban medical brigade to Algeria", "Algeria"): "mission/algeria-1963",
}


@pytest.fixture
def validated(schemas):
    """The client's own HTTP session, every response checked against the result-batch schema."""
    import reconciler.webutils

    seen: list[int] = []

    def check(response: requests.Response, *args, **kwargs):
        assert response.status_code == 200, response.text
        schemas.check("reconciliation-result-batch.json", response.json())
        seen.append(len(response.json()))

    reconciler.webutils.perform_query.cache_clear()
    reconciler.webutils.http.hooks["response"].append(check)
    yield seen
    reconciler.webutils.http.hooks["response"].remove(check)


def tops(frame: pd.DataFrame) -> dict[str, tuple[str | None, bool]]:
    """Input value → (top candidate's id or None, its match flag)."""
    first = frame.groupby("input_value", sort=False).head(1)
    return {
        row.input_value: (None if pd.isna(row.id) else row.id, bool(row.match)) for row in first.itertuples(index=False)
    }


def test_a_spreadsheet_of_article_names_through_reconciler(served, validated):
    from reconciler import reconcile

    if not hasattr(numpy, "NaN"):  # reconciler 0.2.2 writes np.NaN, an alias NumPy 2 removed
        numpy.NaN = numpy.nan
    endpoint = f"{served}/reconcile"
    got = tops(
        reconcile(pd.Series(list(COUNTRIES)), type_id="Country", top_res="all", reconciliation_endpoint=endpoint)
    )
    got |= tops(reconcile(pd.Series(list(ANYTHING)), top_res="all", reconciliation_endpoint=endpoint))
    missions = pd.DataFrame([{"name": n, "host": h} for n, h in MISSIONS])
    for host, rows in missions.groupby("host"):
        frame = reconcile(
            rows["name"],
            type_id="MedicalMission",
            top_res="all",
            property_mapping={"hostCountry": rows["host"]},
            reconciliation_endpoint=endpoint,
        )
        got |= {(name, host): value for name, value in tops(frame).items()}
    expected = {**COUNTRIES, **ANYTHING, **MISSIONS}
    assert len(expected) >= 50 and set(got) == set(expected)
    assert sum(validated) == len(got) and len(validated) >= 7  # batches of 10, each one validated

    wanted = [k for k, v in expected.items() if v]
    proposed = [k for k, (top, _) in got.items() if top]
    right = [k for k in proposed if got[k][0] == expected[k]]
    matched = [k for k, (_, match) in got.items() if match]
    matched_right = [k for k in matched if got[k][0] == expected[k]]
    top_precision, top_recall = len(right) / len(proposed), len(right) / len(wanted)
    match_precision, match_recall = len(matched_right) / len(matched), len(matched_right) / len(wanted)
    print(
        f"\nreconciler, {len(expected)} names: top candidate precision {top_precision:.3f} recall {top_recall:.3f}; "
        f"automatic match precision {match_precision:.3f} recall {match_recall:.3f}"
    )
    for key in sorted(set(proposed) - set(right), key=str):
        print(f"  top candidate for {key!r}: {got[key][0]} (expected {expected[key]})")
    for key in sorted(set(wanted) - set(proposed), key=str):
        print(f"  no candidate for {key!r} (expected {expected[key]})")
    assert top_precision >= 0.9 and top_recall >= 0.9
    assert match_precision >= 0.95

"""The Python API: cmikg.open() on the built dataset, typed tables, filters, and the same answers remotely."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import cmikg
from cmikg.api import KnowledgeGraph, Rows
from cmikg.api import rows as rows_module
from cmikg.config import Settings
from cmikg.errors import CmikgError
from tests.conftest import cmikg_command, free_port, start_process, stop_process

VEN = "https://w3id.org/cmikg/id/country/ven"


@pytest.fixture(scope="module")
def kg(built: Settings) -> KnowledgeGraph:
    return cmikg.open(built.dist)


def test_open_imports_no_web_framework_reasoner_or_shacl(built: Settings) -> None:
    code = (
        "import sys, cmikg; kg = cmikg.open(sys.argv[1]); kg.claims(); "
        "print(sorted(m for m in ('flask', 'owlready2', 'pyshacl', 'rdflib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(built.dist)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_claims_are_one_row_per_claim_with_typed_columns(kg: KnowledgeGraph, built: Settings) -> None:
    claims = kg.claims()
    table = pd.read_csv(built.dist / "claims.csv")
    assert len(claims) == len(table) and list(claims.columns) == list(table.columns)
    assert pd.api.types.is_float_dtype(claims["value_number"])
    assert isinstance(claims["point_in_time"].dtype, pd.DatetimeTZDtype)
    assert claims["undated"].dtype == bool


def test_the_granma_figure_reads_as_the_article_says(kg: KnowledgeGraph) -> None:
    """The article: Granma reports 50,000 Cuban medical staff abroad in 2015."""
    claims = kg.claims(subject="https://w3id.org/cmikg/id/country/cub")
    staff = claims[claims.predicate.str.endswith("#personnelCount") & (claims.value_number == 50000)]
    assert 2015 in set(staff.point_in_time.dt.year)


def test_kind_filter_and_its_refusal(kg: KnowledgeGraph) -> None:
    criticisms = kg.claims(kind="criticism")
    assert len(criticisms) > 0 and set(criticisms.kind) == {"criticism"}
    with pytest.raises(CmikgError, match="claim, criticism, defence"):
        kg.claims(kind="complaint")


def test_entity_by_qid_and_by_iri(kg: KnowledgeGraph) -> None:
    venezuela = kg.entity(VEN)
    assert venezuela.label_en == "Venezuela" and venezuela.wikidata
    assert kg.entity(venezuela.wikidata).iri == VEN
    assert set(venezuela.claims.subject) == {VEN}
    with pytest.raises(CmikgError, match="not an IRI nor a Wikidata QID"):
        kg.entity("Venezuela")


def test_query_types_numbers_and_dates(kg: KnowledgeGraph) -> None:
    frame = kg.query(
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
        "SELECT ?n ?d WHERE { VALUES (?n ?d) { (7 '2015-01-01T00:00:00Z'^^xsd:dateTime) } }"
    )
    assert frame.n.dtype == "Int64" and frame.d.dt.year.tolist() == [2015]
    assert kg.query("ASK { ?s ?p ?o }") is True
    with pytest.raises(CmikgError, match="not valid SPARQL"):
        kg.query("SELEC nothing")


def test_example_runs_a_gallery_query(kg: KnowledgeGraph) -> None:
    personnel = kg.example("personnel-abroad-over-time")
    assert {"year", "figure", "source"} <= set(personnel.columns) and len(personnel) > 0
    with pytest.raises(CmikgError, match="no example"):
        kg.example("../secret")


def test_derived_filters(kg: KnowledgeGraph) -> None:
    """involves, source_kind and between read the properties the build derives."""
    about_venezuela = kg.claims(involves=VEN)
    assert "https://w3id.org/cmikg/id/claim/venezuela-oil-barrels-per-day" in set(about_venezuela.claim)
    state_media = kg.claims(source_kind="stateMedia")
    assert "https://w3id.org/cmikg/id/claim/intro-granma-staff-2015" in set(state_media.claim)
    with pytest.raises(CmikgError, match="not a kind of source"):
        kg.claims(source_kind="tabloid")
    window = kg.claims(between=(1998, 2010))
    assert (
        len(window) > 0 and (window.time_earliest.dt.year <= 2010).all() and (window.time_latest.dt.year >= 1998).all()
    )


def test_without_pandas_rows_are_dicts_and_say_how_to_get_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    rows = rows_module.table(
        {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "a"}}]}}
    )
    assert isinstance(rows, Rows) and rows == [{"x": "a"}]
    assert "pip install 'cmikg[pandas]'" in repr(rows)


@pytest.mark.server
def test_embedded_and_remote_answer_the_same(kg: KnowledgeGraph, built: Settings) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    process = start_process(
        [*cmikg_command(), "--dist", str(built.dist), "serve", "--port", str(port), "--workers", "1"],
        f"http://127.0.0.1:{port}/health",
    )
    try:
        remote = cmikg.open(url)
        for call in (
            lambda g: g.claims(),
            lambda g: g.claims(kind="defence"),
            lambda g: g.claims(involves=VEN, between=(1998, 2010)),
            lambda g: g.claims(source_kind="stateMedia"),
            lambda g: g.sources(),
            lambda g: g.disagreements(),
            lambda g: g.example("personnel-abroad-over-time"),
            lambda g: g.entity(VEN).claims,
        ):
            pd.testing.assert_frame_equal(call(kg), call(remote))
    finally:
        stop_process(process)

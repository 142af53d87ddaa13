"""A local stand-in for Wikidata's query service (the oxigraph server loaded with a small
Wikidata-shaped fixture), and small throw-away projects whose links the tests control."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from cmikg.config import Settings
from tests.conftest import cmikg_command, start_oxigraph_read_only, starts, stop_process

FIXTURE = Path(__file__).parent / "fixtures" / "wikidata.ttl"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"

PREFIXES = """@prefix cmi: <https://w3id.org/cmikg/ontology#> .
@prefix country: <https://w3id.org/cmikg/id/country/> .
@prefix place: <https://w3id.org/cmikg/id/place/> .
@prefix person: <https://w3id.org/cmikg/id/person/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix wd: <http://www.wikidata.org/entity/> .
"""


@dataclass
class StandIn:
    """The running stand-in: its query URL and the fixture it serves."""

    url: str
    fixture: Graph

    def value(self, qid: str, prop: str) -> list[str]:
        """What the fixture says for ``qid`` and ``P…``: QIDs for items, lexical forms otherwise."""
        values = self.fixture.objects(URIRef(WD + qid), URIRef(WDT + prop))
        return sorted(str(v).rsplit("/", 1)[-1] if isinstance(v, URIRef) else str(v) for v in values)

    def label(self, qid: str, language: str) -> str | None:
        found = [
            str(o)
            for o in self.fixture.objects(URIRef(WD + qid), URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
            if isinstance(o, Literal) and o.language == language
        ]
        return min(found) if found else None

    def has(self, qid: str) -> bool:
        return (URIRef(WD + qid), None, None) in self.fixture


@pytest.fixture(scope="session")
@starts("server")
def standin(tmp_path_factory: pytest.TempPathFactory):
    process, url = start_oxigraph_read_only(FIXTURE, tmp_path_factory.mktemp("wikidata-standin"))
    fixture = Graph()
    fixture.parse(FIXTURE, format="turtle")
    yield StandIn(url, fixture)
    stop_process(process)


@pytest.fixture
def small_project(copy_project):
    """A project with the real ontology and only the entity file a test writes."""

    def make(turtle: str) -> Settings:
        settings = copy_project(with_graph=False)
        (settings.graph_dir / "entities").mkdir(parents=True, exist_ok=True)
        (settings.graph_dir / "entities" / "linked.ttl").write_text(PREFIXES + turtle, encoding="utf-8")
        wikidata = settings.graph_dir / "wikidata"
        wikidata.mkdir(exist_ok=True)
        shutil.copyfile(
            Path(__file__).resolve().parents[2] / "graph" / "wikidata" / "class-types.csv", wikidata / "class-types.csv"
        )
        return settings

    return make


def run_cmikg(settings: Settings, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``cmikg --project ROOT ARGS`` as a real process."""
    return subprocess.run(
        [*cmikg_command(), "--project", str(settings.root), "--dist", str(settings.dist), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )

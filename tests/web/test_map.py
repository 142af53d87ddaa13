"""The world map: one linked shape per host country, narrowed by source and period, offline
outlines that are exactly what the converter makes of world-atlas."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote

import pytest
from rdflib import Graph, URIRef

from cmikg.namespaces import CMI, PROV, RDF
from cmikg.web.content import world_shapes
from tests.conftest import ROOT, missing_prerequisite
from tests.web import oracle

ATLAS = ROOT / ".tools" / "node_modules" / "world-atlas"
SHAPE = re.compile(r'<a xlink:href="[^"]+" href="/doc/([^"]+)" class="host[^"]*" data-iso="([A-Z]{3})"')


def mapped_hosts(graph: Graph) -> dict[URIRef, str]:
    """Countries that hosted a mission or program, or where a personnel figure is placed, with their ISO code."""
    hosts = {c for kind in (CMI.MedicalMission, CMI.Program) for s in graph.subjects(RDF.type, kind)
             for c in graph.objects(s, CMI.hostCountry)}  # fmt: skip
    hosts |= {graph.value(c, CMI.place) for c in graph.subjects(CMI.predicate, CMI.personnelCount)} - {None}
    countries = {c for c in hosts if (c, RDF.type, CMI.Country) in graph and c not in oracle.senders(graph)}
    return {c: str(graph.value(c, CMI.isoCode)).upper() for c in countries if graph.value(c, CMI.isoCode)}


@pytest.mark.server
def test_the_map_has_one_linked_shape_per_host_country(site, graph):
    page = site.get("/map").text
    shapes = SHAPE.findall(page)
    expected = mapped_hosts(graph)
    assert len(shapes) == len({path for path, _ in shapes}) == len(expected)
    assert dict(shapes) == {oracle.path_of(c): code for c, code in expected.items()}
    outlines = json.loads(world_shapes.SHIPPED.read_text(encoding="utf-8"))["countries"]
    assert all(code in outlines for code in expected.values()), "a host country has no outline or dot"


@pytest.mark.server
def test_the_home_page_and_a_country_page_carry_the_map(site, graph):
    assert len(SHAPE.findall(site.get("/").text)) == len(mapped_hosts(graph))
    venezuela = site.get("/doc/country/ven").text
    assert 'class="host here" data-iso="VEN"' in venezuela


@pytest.mark.server
def test_choosing_a_source_keeps_every_host_and_colours_only_its_figures(site, graph):
    page = site.get("/map").text
    sources = re.findall(r'<option value="(https://[^"]+)"', page)
    assert sources, "no source to choose"
    source = URIRef(sources[0])
    narrowed = site.get("/map?source=" + quote(str(source))).text
    assert len(SHAPE.findall(narrowed)) == len(mapped_hosts(graph))
    figures = re.findall(r'<td class="num" data-label="Largest figure"><a href="/doc/([^"]+)"', narrowed)
    assert figures
    for claim in figures:
        refs = graph.objects(URIRef(oracle.ENTITY_SPACE + claim), PROV.wasDerivedFrom)
        assert any(graph.value(r, CMI.statedIn) == source for r in refs), claim


@pytest.mark.server
@pytest.mark.parametrize("query", ["source=https%3A%2F%2Fexample.org%2Fnone", "period=1850s"])
def test_an_unknown_source_or_period_is_a_400_naming_it(site, query):
    answer = site.get("/map?" + query)
    assert answer.status_code == 400
    assert query.split("=", 1)[0] + "=" in html.unescape(answer.text)


def test_the_shipped_outlines_are_what_the_converter_makes_of_world_atlas():
    if not (ATLAS / "countries-110m.json").is_file() or not world_shapes.ISO_CODES.is_file():
        missing_prerequisite(
            f"world-atlas is not installed in {ATLAS} (`bash quickstart.sh test` installs it with iso-codes)"
        )
    produced = world_shapes.serialise(world_shapes.convert(ATLAS))
    assert produced == world_shapes.SHIPPED.read_text(encoding="utf-8")
    assert "ISC" in (world_shapes.SHIPPED.parent / "LICENCE.txt").read_text(encoding="utf-8")


def test_the_projection_keeps_the_world_inside_its_box():
    for lon, lat in ((-180, 0), (180, 0), (0, 84), (0, world_shapes.SOUTH_LIMIT)):
        x, y = world_shapes.natural_earth(lon, lat)
        assert -1 <= x <= world_shapes.WIDTH + 1 and 0 <= y <= world_shapes.HEIGHT
    assert world_shapes.unwrap([(179.0, 0.0), (-179.0, 1.0)]) == [(179.0, 0.0), (181.0, 1.0)]


def test_a_ring_across_the_antimeridian_is_drawn_on_both_edges():
    copies = world_shapes.copies([(170.0, 60.0), (-170.0, 60.0), (-170.0, 65.0), (170.0, 65.0)])
    assert len(copies) == 2
    assert max(lon for lon, _ in copies[0]) > 180 and min(lon for lon, _ in copies[1]) < -180

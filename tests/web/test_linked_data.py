"""Linked Data over plain HTTP: 303 from things to documents, content negotiation for every
format, suffixes, 404 and 406, the ontology, and downloads that match SHA256SUMS."""

from __future__ import annotations

import hashlib
import html
import re

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from cmikg.namespaces import DATASET, DCTERMS
from tests.web import oracle

#: suffix → (media type, rdflib parser) for the RDF formats every document comes in.
RDF_FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def sample(graph: Graph) -> URIRef:
    return oracle.program_with_spanish_name(graph)


def parse(body: bytes, parser: str) -> Graph:
    parsed = Graph()
    parsed.parse(data=body, format=parser)
    return parsed


def test_an_entity_iri_answers_303_to_the_document_in_the_format_asked_for(pages, sample):
    path = oracle.path_of(sample)
    for suffix, (media, _) in {**RDF_FORMATS, "html": ("text/html", None)}.items():
        response = pages.get(f"/id/{path}", accept=media)
        assert response.status_code == 303, (media, response.status_code, response.text[:200])
        assert response.headers["Location"].endswith(f"/doc/{path}.{suffix}"), (media, response.headers["Location"])
        assert "accept" in response.headers.get("Vary", "").lower()


def test_a_browser_is_sent_to_the_html_page(pages, graph, sample):
    response = pages.get(f"/id/{oracle.path_of(sample)}", accept=BROWSER_ACCEPT, allow_redirects=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.history and response.history[0].status_code == 303
    assert oracle.label(graph, sample) in response.text
    assert oracle.label(graph, sample, "es") in response.text


@pytest.mark.parametrize("suffix", sorted(RDF_FORMATS))
def test_every_rdf_format_carries_everything_the_dump_says_about_the_entity(pages, graph, sample, suffix):
    media, parser = RDF_FORMATS[suffix]
    response = pages.get(f"/doc/{oracle.path_of(sample)}.{suffix}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media
    served = parse(response.content, parser)
    expected = set(graph.triples((sample, None, None)))
    assert expected and expected <= set(served), expected - set(served)
    for ref in graph.objects(sample, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")):
        assert set(graph.triples((ref, None, None))) <= set(served), f"{ref} is missing from the {suffix} document"


def test_the_four_rdf_formats_hold_the_same_graph(pages, sample):
    graphs = [parse(pages.get(f"/doc/{oracle.path_of(sample)}.{s}").content, p) for s, (_, p) in RDF_FORMATS.items()]
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])


def test_the_document_without_a_suffix_negotiates_in_place(pages, sample):
    path = oracle.path_of(sample)
    for suffix, (media, _) in RDF_FORMATS.items():
        response = pages.get(f"/doc/{path}", accept=media)
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == media
        assert response.headers["Content-Location"].endswith(f"/doc/{path}.{suffix}")
        assert "accept" in response.headers["Vary"].lower()
    links = pages.get(f"/doc/{path}", accept="text/turtle").headers["Link"]
    assert all(f"/doc/{path}.{s}" in links for s in RDF_FORMATS)


def test_a_suffix_on_the_iri_picks_the_format(pages, sample):
    path = oracle.path_of(sample)
    for suffix in RDF_FORMATS:
        response = pages.get(f"/id/{path}.{suffix}", accept="text/html")
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/doc/{path}.{suffix}")


def test_an_unknown_iri_gets_a_real_404_page(pages, graph, sample):
    missing = oracle.path_of(sample) + "-that-does-not-exist"
    assert (URIRef(oracle.ENTITY_SPACE + missing), None, None) not in graph
    for prefix in ("/id/", "/doc/"):
        page = pages.get(prefix + missing, accept=BROWSER_ACCEPT)
        assert page.status_code == 404
        assert page.headers["Content-Type"].startswith("text/html")
        assert "<h1>Not found</h1>" in page.text and missing in page.text
        data = pages.get(prefix + missing + ".ttl", accept="text/turtle")
        assert data.status_code == 404


def test_a_format_nobody_serves_gets_406_with_the_list(pages, sample):
    response = pages.get(f"/id/{oracle.path_of(sample)}", accept="image/png")
    assert response.status_code == 406
    assert all(media in response.text for media, _ in RDF_FORMATS.values())


def test_every_kind_of_entity_resolves(pages, graph):
    """One entity of every class the project mints, including claims and references."""
    classes = {c for s, c in graph.subject_objects(RDF.type) if str(s).startswith(oracle.ENTITY_SPACE)}
    for cls in sorted(classes):
        entity = oracle.entities_of(graph, cls)[0]
        response = pages.get(f"/id/{oracle.path_of(entity)}", accept="text/html", allow_redirects=True)
        assert response.status_code == 200, (entity, response.status_code)
        turtle = parse(pages.get(f"/doc/{oracle.path_of(entity)}.ttl").content, "turtle")
        assert (entity, RDF.type, cls) in turtle


@pytest.fixture(scope="module")
def ontology(pages) -> Graph:
    return parse((pages.settings.dist / "ontology.ttl").read_bytes(), "turtle")


def test_the_ontology_iri_gives_the_documentation_page_to_browsers(pages, ontology):
    page = pages.get("/ontology", accept=BROWSER_ACCEPT)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    anchors = set(re.findall(r'id="([^"]+)"', page.text))
    terms = {
        str(t).split("#", 1)[1]
        for t in ontology.subjects(RDF.type, None)
        if isinstance(t, URIRef) and "#" in str(t) and str(t).startswith("https://w3id.org/cmikg/ontology#")
    }
    assert terms and terms <= anchors, f"terms without an anchor: {sorted(terms - anchors)[:10]}"
    text = html.unescape(page.text)
    for term in sorted(terms):
        for label in ontology.objects(URIRef(f"https://w3id.org/cmikg/ontology#{term}"), RDFS.label):
            assert str(label) in text, (term, label)


@pytest.mark.parametrize("suffix", ["ttl", "rdf", "owl", "nt", "jsonld"])
def test_the_ontology_in_every_rdf_format_is_the_ontology(pages, ontology, suffix):
    media, parser = RDF_FORMATS["rdf" if suffix == "owl" else suffix]
    response = pages.get(f"/ontology.{suffix}")
    assert response.status_code == 200 and response.headers["Content-Type"].split(";")[0] == media
    assert isomorphic(parse(response.content, parser), ontology)


def test_the_ontology_negotiates(pages, ontology):
    response = pages.get("/ontology", accept="text/turtle")
    assert response.status_code == 200 and response.headers["Content-Location"].endswith("/ontology.ttl")
    assert isomorphic(parse(response.content, "turtle"), ontology)
    version = str(ontology.value(URIRef("https://w3id.org/cmikg/ontology"), OWL.versionInfo))
    assert pages.get(f"/ontology/{version}").status_code == 303
    assert pages.get(f"/ontology/{version}-not-released").status_code == 404


def sha256sums(pages) -> dict[str, str]:
    lines = (pages.settings.dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_every_download_matches_its_checksum(pages):
    sums = sha256sums(pages)
    assert {"cmikg.nt", "cmikg.ttl", "cmikg.jsonld", "cmikg.rdf"} <= set(sums)
    for name, digest in sums.items():
        response = pages.get(f"/download/{name}")
        assert response.status_code == 200, name
        assert hashlib.sha256(response.content).hexdigest() == digest, name
        assert response.headers["ETag"].strip('"') == digest
    listing = pages.get("/download/SHA256SUMS")
    assert listing.content == (pages.settings.dist / "SHA256SUMS").read_bytes()


def test_only_the_listed_files_can_be_downloaded(pages):
    for name in ("nothing.nt", "..%2FSHA256SUMS", "%2E%2E%2Fpyproject.toml"):
        assert pages.get(f"/download/{name}").status_code == 404, name


def test_the_dataset_page_states_licence_version_and_every_download(pages, graph):
    response = pages.get(f"/id/{oracle.path_of(DATASET)}", accept=BROWSER_ACCEPT, allow_redirects=True)
    assert response.status_code == 200
    page = response.text
    assert str(graph.value(DATASET, DCTERMS.license)) in page
    assert str(graph.value(DATASET, OWL.versionInfo)) in page
    for name, digest in sha256sums(pages).items():
        size = (pages.settings.dist / name).stat().st_size
        assert f"/download/{name}" in page and digest in page and f'data-bytes="{size}"' in page, name
    assert oracle.label(graph, graph.value(DATASET, DCTERMS.source)) in page

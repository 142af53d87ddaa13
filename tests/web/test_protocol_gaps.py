"""The last gaps between the site and what Linked Data and SPARQL clients expect, each against
the real server: text/plain, a browser on /sparql, /sparql/, DESCRIBE, relative IRIs, a favicon."""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph, URIRef
from SPARQLWrapper import N3, SPARQLWrapper

pytestmark = pytest.mark.server

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
ENTITY = "https://w3id.org/cmikg/id/program/elam"


def test_text_plain_on_an_entity_iri_gets_n_triples_as_rdflib_asks(site):
    answer = site.get("/id/program/elam", accept="text/plain")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/doc/program/elam.nt")
    loaded = Graph().parse(site.base + "/id/program/elam", format="nt")
    assert (URIRef(ENTITY), None, None) in loaded


def test_a_browser_opening_the_endpoint_gets_the_query_page(site):
    answer = site.get("/sparql", accept=BROWSER_ACCEPT)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/query")
    assert site.get("/sparql", accept="text/turtle").headers["Content-Type"].startswith("text/turtle")
    assert site.get("/sparql", accept="*/*").headers["Content-Type"].startswith("text/turtle")


def test_the_endpoint_answers_with_a_trailing_slash(site):
    answer = site.get("/sparql/?query=" + requests.utils.quote("ASK {}"), accept="application/sparql-results+json")
    assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_describe_gives_the_same_triples_as_the_linked_data_document(site):
    document = Graph().parse(data=site.get("/doc/program/elam.nt").text, format="nt")
    client = SPARQLWrapper(site.base + "/sparql")
    client.setQuery(f"DESCRIBE <{ENTITY}>")
    client.setReturnFormat(N3)
    described = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(document) > 20
    assert set(described) == set(document)


def test_relative_iris_resolve_against_the_endpoint(site):
    answer = requests.post(
        site.base + "/sparql",
        data="CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
        timeout=30,
    )
    assert answer.status_code == 200
    ((subject, predicate, _),) = Graph().parse(data=answer.text, format="nt")
    assert str(subject).endswith("/s") and str(predicate).endswith("/p") and "://" in str(subject)


def test_there_is_a_favicon(site):
    answer = site.get("/favicon.ico")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("image/svg+xml")
    assert 'rel="icon"' in site.get("/").text

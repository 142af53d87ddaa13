"""How the RDF documents the server writes read: what a document is about comes first, only
the prefixes it uses are declared, N-Triples lines are sorted and unique, and a document
built from a template keeps the template's own prefixes. (That every format holds the same
graph as the dump is in test_linked_data.py.)"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef

from tests.web import oracle

PREFIX_LINE = re.compile(r"^@prefix ([\w-]*): <([^>]*)> \.$")


@pytest.fixture(scope="module")
def sample(graph: Graph) -> URIRef:
    return oracle.program_with_spanish_name(graph)


def turtle_parts(text: str) -> tuple[dict[str, str], list[str]]:
    """The declared prefixes and the lines after them."""
    lines = text.splitlines()
    declared = {}
    while lines and PREFIX_LINE.match(lines[0]):
        name, iri = PREFIX_LINE.match(lines.pop(0)).groups()  # type: ignore[union-attr]
        declared[name] = iri
    return declared, lines


def test_an_entity_document_in_turtle_starts_with_the_entity_and_declares_only_what_it_uses(pages, sample):
    answer = pages.get(f"/doc/{oracle.path_of(sample)}.ttl")
    assert answer.status_code == 200
    declared, body = turtle_parts(answer.text)
    first = body[0].split(" ", 1)[0]
    expanded = next(iri + first.split(":", 1)[1] for name, iri in declared.items() if first.startswith(name + ":"))
    assert expanded == str(sample), body[0]
    text = "\n".join(body)
    unused = [name for name in declared if not re.search(rf"(?<![\w-]){re.escape(name)}:", text)]
    assert unused == [], f"declared but never used: {unused}"
    assert "cmi" in declared  # the ontology's properties


def test_an_entity_document_in_ntriples_is_sorted_unique_lines(pages, graph, sample):
    lines = pages.get(f"/doc/{oracle.path_of(sample)}.nt").text.splitlines()
    assert lines == sorted(set(lines))
    assert len(lines) >= len(set(graph.triples((sample, None, None))))


def test_the_service_description_keeps_the_prefixes_of_its_template(pages):
    declared, body = turtle_parts(pages.get("/sparql", accept="text/turtle").text)
    assert declared["sd"] == "http://www.w3.org/ns/sparql-service-description#"
    assert declared["cmis"] == "https://w3id.org/cmikg/service#"
    assert body[0].startswith("<http://localhost/sparql> "), body[0]

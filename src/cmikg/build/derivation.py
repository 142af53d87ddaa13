"""Triples the build adds to what curators wrote, so that simple questions stay simple.

* An uncontested relation claim (no contradicting or disputing claim) is also asserted
  as a direct triple ``subject predicate value``; the claim stays, with its references.
* Symmetric and inverse links between claims are written both ways, so "where do
  sources disagree?" needs no reasoning at query time.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

from cmikg.build.loading import new_graph
from cmikg.namespaces import CMI, OWL, RDF, RDFS


def sub_properties(ontology: Graph, top: URIRef) -> set[URIRef]:
    """Every property declared below ``top`` (transitively)."""
    found, frontier = set(), {top}
    while frontier:
        nxt = set()
        for prop in frontier:
            for sub in ontology.subjects(RDFS.subPropertyOf, prop):
                if isinstance(sub, URIRef) and sub not in found:
                    found.add(sub)
                    nxt.add(sub)
        frontier = nxt
    return found


def derived_triples(ontology: Graph, data: Graph) -> Graph:
    """The convenience triples for ``data``, as a separate graph."""
    out = new_graph()
    relations = sub_properties(ontology, CMI.relationPredicate)
    claims = set(data.subjects(RDF.type, None))
    for claim in sorted(claims):
        predicate = data.value(claim, CMI.predicate)
        if predicate not in relations or _contested(data, claim):
            continue
        subject = data.value(claim, CMI.subject)
        for value in data.objects(claim, CMI.valueEntity):
            if subject is not None:
                out.add((subject, predicate, value))
    for a, b in data.subject_objects(CMI.contradicts):
        out.add((b, CMI.contradicts, a))
    for a, b in data.subject_objects(CMI.disputes):
        out.add((b, CMI.disputedBy, a))
    for a, b in data.subject_objects(CMI.disputedBy):
        out.add((b, CMI.disputes, a))
    for prop in ontology.subjects(RDF.type, OWL.SymmetricProperty):
        if prop == CMI.contradicts:
            continue
        for a, b in data.subject_objects(prop):
            out.add((b, prop, a))
    return out


def _contested(data: Graph, claim: URIRef) -> bool:
    return any(True for _ in data.objects(claim, CMI.contradicts)) or \
        any(True for _ in data.subjects(CMI.contradicts, claim)) or \
        any(True for _ in data.subjects(CMI.disputes, claim)) or \
        any(True for _ in data.objects(claim, CMI.disputedBy))

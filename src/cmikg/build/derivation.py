"""Triples the build adds to what curators wrote, so that simple questions stay simple.

The rules are data, not code: each file in ``queries/derivations/`` is one SPARQL
CONSTRUCT (the uncontested relation claims as direct triples, the inverse and
symmetric links the ontology declares, the ``cmi:involves`` and ``cmi:attributedTo``
shortcuts). They run in file-name order on the ontology, the data and what earlier
rules derived, so a later rule can build on an earlier one. Time bounds
(``cmi:earliest``/``cmi:latest``) are the one rule in Python, because they parse EDTF
strings, which SPARQL cannot compare. Every derived property carries
``cmi:derivedShortcut true`` in the ontology, except the plain triples of relation
claims and the inverse links, which use the ontology's own properties.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from cmikg.build.loading import new_graph
from cmikg.build.timebounds import Bounds, claim_bounds, horizon
from cmikg.config import find_project_root
from cmikg.errors import InputError
from cmikg.namespaces import CMI, RDF, RDFS, XSD

RULES_FOLDER = Path("queries") / "derivations"


def rule_files(root: Path | None = None) -> list[Path]:
    """The derivation rules, in the order they run."""
    folder = (root or find_project_root()) / RULES_FOLDER
    return sorted(folder.glob("*.rq"))


def to_store(*graphs: Graph) -> ox.Store:
    """The graphs in an in-memory Oxigraph store, for SPARQL that rdflib would run slowly."""
    store = ox.Store()
    for graph in graphs:
        data = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return store


def from_oxigraph(triples: ox.QueryTriples, known: Graph) -> Graph:
    """pyoxigraph triples not already in ``known``, as an rdflib graph (IRIs and literals
    only: the rules make no blank nodes)."""
    out = new_graph()
    for triple in triples:
        found = (URIRef(triple.subject.value), URIRef(triple.predicate.value), _term(triple.object))
        if found not in known:
            out.add(found)
    return out


def _term(node: ox.NamedNode | ox.Literal | ox.BlankNode) -> URIRef | Literal:
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.Literal):
        if node.language:
            return Literal(node.value, lang=node.language)
        return Literal(node.value, datatype=URIRef(node.datatype.value))
    raise ValueError(f"a derivation rule produced a blank node: {node}")


def derived_triples(ontology: Graph, data: Graph, root: Path | None = None) -> Graph:
    """The convenience triples for ``data``, as a separate graph."""
    return derive(ontology, data, root)[0]


def derive(ontology: Graph, data: Graph, root: Path | None = None) -> tuple[Graph, ox.Store]:
    """The derived triples, and a store holding ontology, data and derived triples together,
    on which the build's SPARQL checks then run without loading the graph a second time."""
    store = to_store(ontology, data)
    out = new_graph()
    for rule in rule_files(root):
        answer = store.query(rule.read_text(encoding="utf-8"))
        if not isinstance(answer, ox.QueryTriples):
            raise InputError(f"{RULES_FOLDER / rule.name}: a derivation rule must be a CONSTRUCT query")
        found = from_oxigraph(answer, data)
        _add_all(out, store, found)
    _add_all(out, store, time_bound_triples(ontology, data))
    return out, store


def _add_all(out: Graph, store: ox.Store, found: Graph) -> None:
    for triple in found:
        out.add(triple)
    store.bulk_load(found.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)


def time_bound_triples(ontology: Graph, data: Graph) -> Graph:
    """``cmi:earliest``, ``cmi:latest`` and ``cmi:boundsPrecision`` for every datable claim."""
    out = new_graph()
    limits = horizon(data)
    datable = _instances(ontology, data, CMI.Event) | _instances(ontology, data, CMI.MedicalMission)
    for claim in sorted(_instances(ontology, data, CMI.Claim)):
        bounds = claim_bounds(data, claim, limits, datable)
        if bounds is not None:
            _add_bounds(out, claim, bounds)
    return out


def _instances(ontology: Graph, data: Graph, top: URIRef) -> set[URIRef]:
    """The IRIs typed ``top`` or one of its sub-classes."""
    classes = set(ontology.transitive_subjects(RDFS.subClassOf, top))
    return {c for cls in classes for c in data.subjects(RDF.type, cls) if isinstance(c, URIRef)}


def _add_bounds(out: Graph, claim: URIRef, bounds: Bounds) -> None:
    out.add((claim, CMI.earliest, Literal(bounds.earliest, datatype=XSD.dateTime)))
    out.add((claim, CMI.latest, Literal(bounds.latest, datatype=XSD.dateTime)))
    out.add((claim, CMI.boundsPrecision, bounds.precision))

"""OWL 2 DL consistency with HermiT, through owlready2.

owlready2 reads RDF/XML and N-Triples but not Turtle, so the union graph is written to a
temporary N-Triples file: the ontology is never kept twice by hand. HermiT says only
*that* the graph is inconsistent; :func:`explain_disjointness` then names the usual
culprits and the file each came from: a node typed with two disjoint classes, and a
triple whose property's domain or range makes a node a member of a class disjoint with
one it already has (``country:ven cmi:position "surgeon"`` makes Venezuela a person).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import owlready2
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from cmikg.build.loading import SourceGraph
from cmikg.build.validation import short
from cmikg.namespaces import OWL, RDF, RDFS


class Inconsistent(Exception):
    """HermiT found no model of the ontology and data."""

    def __init__(self, explanations: list[str]):
        super().__init__("HermiT: the ontology and data are inconsistent")
        self.explanations = explanations


def check_consistency(graph: Graph, sources: SourceGraph | None = None) -> None:
    """Raise :class:`Inconsistent` unless HermiT finds ``graph`` consistent."""
    with tempfile.TemporaryDirectory(prefix="cmikg-owl-") as folder:
        path = Path(folder) / "union.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        ontology = world.get_ontology(path.as_uri()).load()
        try:
            with ontology:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            raise Inconsistent(explain(graph, sources)) from exc
        finally:
            world.close()


_DISJOINT_TYPES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?x ?a ?b WHERE {
  { ?set a owl:AllDisjointClasses ; owl:members ?list .
    ?list rdf:rest*/rdf:first ?a . ?list rdf:rest*/rdf:first ?b . FILTER(STR(?a) < STR(?b)) }
  UNION { ?a owl:disjointWith ?b }
  ?x rdf:type/rdfs:subClassOf* ?a .
  ?x rdf:type/rdfs:subClassOf* ?b .
}
"""


def _disjoint_pairs(graph: Graph) -> set[tuple[Node, Node]]:
    """Every ordered pair of classes the ontology declares disjoint."""
    pairs: set[tuple[Node, Node]] = set()
    for a, b in graph.subject_objects(OWL.disjointWith):
        pairs |= {(a, b), (b, a)}
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in graph.objects(group, OWL.members):
            classes = list(Collection(graph, members))
            pairs |= {(a, b) for a in classes for b in classes if a != b}
    return pairs


def explain_domains(graph: Graph, sources: SourceGraph | None) -> list[str]:
    """Triples whose property's domain or range clashes with a type the node already has,
    each named with its file, so a curator sees which statement to change."""
    disjoint = _disjoint_pairs(graph)
    if not disjoint:
        return []

    def supers(cls: Node) -> set[Node]:
        return set(graph.transitive_objects(cls, RDFS.subClassOf))

    def types(node: Node) -> set[Node]:
        return {c for t in graph.objects(node, RDF.type) for c in supers(t)}

    lines = []
    for kind, axiom in (("domain", RDFS.domain), ("range", RDFS.range)):
        for prop, implied in graph.subject_objects(axiom):
            wider = supers(implied)
            for s, _, o in graph.triples((None, prop, None)):
                node = s if kind == "domain" else o
                if not isinstance(node, URIRef):
                    continue
                clash = next((a for a in types(node) for b in wider if (a, b) in disjoint), None)
                if clash is None:
                    continue
                where = sources.file_of((s, prop, o)) if sources else "?"
                value = short(o) if isinstance(o, URIRef) else f'"{o}"'
                lines.append(
                    f"{where}: the triple {short(s)} {short(prop)} {value} makes {short(node)} a {short(implied)} "
                    f"(the {kind} of {short(prop)}), but {short(node)} is a {short(clash)}, which the ontology "
                    "declares disjoint with it"
                )
    return sorted(set(lines))


def explain_disjointness(graph: Graph, sources: SourceGraph | None) -> list[str]:
    """Nodes that belong to two disjoint classes, with the file they came from."""
    lines = []
    for row in graph.query(_DISJOINT_TYPES):
        node, first, second = row
        if not isinstance(node, URIRef):
            continue
        where = sources.where(node) if sources else "?"
        lines.append(
            f"{where}: {short(node)} is both {short(first)} and {short(second)}, which the ontology declares disjoint"
        )
    return sorted(set(lines))


def explain(graph: Graph, sources: SourceGraph | None) -> list[str]:
    """Every explanation found, or what to look for when none is."""
    lines = explain_disjointness(graph, sources) + explain_domains(graph, sources)
    return lines or [
        "no node typed with two disjoint classes and no triple clashing with its property's domain or "
        "range was found; look for a functional property with two values"
    ]


def declared_terms(ontology: Graph) -> tuple[set[URIRef], set[URIRef]]:
    """Classes and properties the ontology declares (used to check shapes and data)."""
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    properties: set[URIRef] = set()
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        properties |= {p for p in ontology.subjects(RDF.type, kind) if isinstance(p, URIRef)}
    return classes, properties

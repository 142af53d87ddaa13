"""OWL 2 DL consistency with HermiT, through owlready2.

owlready2 reads RDF/XML and N-Triples but not Turtle, so the union graph is written to a
temporary N-Triples file: the ontology is never kept twice by hand. HermiT says only
*that* the graph is inconsistent; :func:`explain_disjointness` then names the usual
culprit (a node typed with two disjoint classes) and the file it came from.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import owlready2
from rdflib import Graph, URIRef

from cmikg.build.loading import SourceGraph
from cmikg.namespaces import OWL, RDF
from cmikg.build.validation import short


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
            raise Inconsistent(explain_disjointness(graph, sources)) from exc
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


def explain_disjointness(graph: Graph, sources: SourceGraph | None) -> list[str]:
    """Nodes that belong to two disjoint classes, with the file they came from."""
    lines = []
    for row in graph.query(_DISJOINT_TYPES):
        node, first, second = row
        if not isinstance(node, URIRef):
            continue
        where = sources.where(node) if sources else "?"
        lines.append(f"{where}: {short(node)} is both {short(first)} and {short(second)}, "
                     "which the ontology declares disjoint")
    if not lines:
        lines.append("no node typed with two disjoint classes was found; look for a functional "
                     "property with two values, or a value outside a property's range")
    return sorted(set(lines))


def declared_terms(ontology: Graph) -> tuple[set[URIRef], set[URIRef]]:
    """Classes and properties the ontology declares (used to check shapes and data)."""
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    properties: set[URIRef] = set()
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        properties |= {p for p in ontology.subjects(RDF.type, kind) if isinstance(p, URIRef)}
    return classes, properties

"""The ontology's mappings to Wikidata: listed, counted and checked for form.

Properties map to direct properties (``wdt:P…``), classes and individuals to items
(``wd:Q…``). A mapping of the wrong kind or form is an error, since QuickStatements and
federated queries read these mappings literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.term import Node

from cmikg.build.validation import short
from cmikg.namespaces import CMI, OWL, RDF, SKOS, WD, WDT

MATCHES = (SKOS.exactMatch, SKOS.closeMatch)
_PROPERTY = re.compile(re.escape(str(WDT)) + r"P[1-9][0-9]*")
_ITEM = re.compile(re.escape(str(WD)) + r"Q[1-9][0-9]*")
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@dataclass(frozen=True)
class Mapping:
    term: URIRef
    relation: URIRef
    target: URIRef
    kind: str  # "property", "class" or "individual"

    @property
    def wikidata_id(self) -> str:
        return str(self.target).rsplit("/", 1)[-1]


def term_kind(ontology: Graph, term: URIRef) -> str:
    types = set(ontology.objects(term, RDF.type))
    if types & set(PROPERTY_TYPES):
        return "property"
    return "class" if OWL.Class in types else "individual"


def wikidata_mappings(ontology: Graph) -> list[Mapping]:
    """Every skos:exactMatch / closeMatch from a project term to a wikidata.org IRI."""
    found = []
    for relation in MATCHES:
        for term, target in ontology.subject_objects(relation):
            if not (isinstance(term, URIRef) and isinstance(target, URIRef)):
                continue
            if str(term).startswith(str(CMI)) and "wikidata.org" in str(target):
                found.append(Mapping(term, relation, target, term_kind(ontology, term)))
    return sorted(found, key=lambda m: (str(m.term), str(m.relation), str(m.target)))


def mapping_problems(mappings: list[Mapping]) -> list[str]:
    """Mappings whose target has the wrong form for the kind of term."""
    problems = []
    for m in mappings:
        expected = _PROPERTY if m.kind == "property" else _ITEM
        if not expected.fullmatch(str(m.target)):
            want = (
                "<http://www.wikidata.org/prop/direct/P…>"
                if m.kind == "property"
                else "<http://www.wikidata.org/entity/Q…>"
            )
            problems.append(
                f"ontology/cmi.ttl: {short(m.term)} {short(m.relation)} <{m.target}>: a {m.kind} maps to {want}"
            )
    return problems


def exact_property(ontology: Graph, term: Node | None) -> str | None:
    """The Wikidata property (``P…``) a project property exactly matches, if exactly one."""
    found = {str(t).rsplit("/", 1)[-1] for t in ontology.objects(term, SKOS.exactMatch) if _PROPERTY.fullmatch(str(t))}
    return found.pop() if len(found) == 1 else None


def exact_item(ontology: Graph, term: Node) -> str | None:
    """The Wikidata item (``Q…``) a project term exactly matches, if exactly one."""
    found = {str(t).rsplit("/", 1)[-1] for t in ontology.objects(term, SKOS.exactMatch) if _ITEM.fullmatch(str(t))}
    return found.pop() if len(found) == 1 else None


def summary(mappings: list[Mapping]) -> dict[str, int]:
    """Mapped terms by kind and relation, for the report."""
    terms = {m.term for m in mappings}
    exact = {m.term for m in mappings if m.relation == SKOS.exactMatch}
    return {
        "terms": len(terms),
        "exact": len(exact),
        "close_only": len(terms - exact),
        "properties": len({m.term for m in mappings if m.kind == "property"}),
        "classes_or_individuals": len({m.term for m in mappings if m.kind != "property"}),
    }

"""Which graph nodes name a Wikidata item, and which could.

A link is ``node owl:sameAs <http://www.wikidata.org/entity/Q…>``. Anything else that
points at wikidata.org through ``owl:sameAs`` (an https IRI, a ``/wiki/`` page, a
property) or is a bare QID ("Q241") is kept as a malformed link, so that the check can name it instead
of silently ignoring a typo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.term import Node

from cmikg.namespaces import OWL, RDF, RDFS, WD

QID = re.compile(r"Q[1-9][0-9]*")
_ITEM_IRI = re.compile(re.escape(str(WD)) + r"(Q[1-9][0-9]*)")


@dataclass(frozen=True)
class Link:
    """One ``owl:sameAs`` towards Wikidata; ``qid`` is empty when the target is malformed."""

    node: Node
    target: Node
    qid: str


def qid_of(target: Node) -> str | None:
    """The QID of a well-formed Wikidata item IRI, else None."""
    found = _ITEM_IRI.fullmatch(str(target)) if isinstance(target, URIRef) else None
    return found.group(1) if found else None


def item_iri(qid: str) -> URIRef:
    return WD[qid]


def is_wikidata_target(target: Node) -> bool:
    """Whether a sameAs target is meant as a Wikidata link (well-formed or not): anything at
    wikidata.org, or a bare QID written as a literal."""
    text = str(target).strip()
    return "wikidata.org" in text.lower() or bool(QID.fullmatch(text))


def wikidata_links(data: Graph) -> list[Link]:
    """Every sameAs link towards Wikidata, in a stable order."""
    links = [
        Link(node, target, qid_of(target) or "")
        for node, target in data.subject_objects(OWL.sameAs)
        if is_wikidata_target(target)
    ]
    return sorted(links, key=lambda link: (str(link.node), str(link.target)))


def qid_sort_key(qid: str) -> int:
    """Numeric order (Q2 before Q10), as people read QIDs."""
    return int(qid[1:])


def linked_qids(data: Graph) -> list[str]:
    return sorted({link.qid for link in wikidata_links(data) if link.qid}, key=qid_sort_key)


def superclasses(ontology: Graph, cls: Node) -> list[Node]:
    """``cls`` and its ancestors, nearest first (breadth-first along rdfs:subClassOf)."""
    order, frontier = [cls], [cls]
    while frontier:
        nxt: list[Node] = []
        for current in frontier:
            for parent in ontology.objects(current, RDFS.subClassOf):
                if isinstance(parent, URIRef) and parent not in order:
                    order.append(parent)
                    nxt.append(parent)
        frontier = nxt
    return order


def node_types(data: Graph, node: Node) -> list[Node]:
    return sorted(data.objects(node, RDF.type), key=str)


def english_label(graph: Graph, node: Node) -> str | None:
    return _label(graph, node, "en")


def spanish_label(graph: Graph, node: Node) -> str | None:
    return _label(graph, node, "es")


def _label(graph: Graph, node: Node, language: str) -> str | None:
    values = sorted(str(o) for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == language)
    return values[0] if values else None

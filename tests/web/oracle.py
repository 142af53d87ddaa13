"""Expected values for the web tests, computed from the built graph with rdflib alone.

Nothing here uses the service's own queries or code: a test compares what the site shows
with what this independent reading of the dump says.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from cmikg.namespaces import CMI, ID, PROV

ENTITY_SPACE = str(ID)


def path_of(iri: URIRef | str) -> str:
    return str(iri)[len(ENTITY_SPACE) :]


def label(graph: Graph, node: URIRef, lang: str = "en") -> str:
    for value in graph.objects(node, RDFS.label):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return ""


def fold(text: str) -> str:
    """Accents off, lower case: how a person types a name they have only heard."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def claims(graph: Graph) -> set[URIRef]:
    return set(graph.subjects(CMI.predicate, None))


def claims_about(graph: Graph, node: URIRef) -> set[URIRef]:
    return {c for c in graph.subjects(CMI.subject, node) if c in claims(graph)}


def stated_in(graph: Graph, node: URIRef) -> set[URIRef]:
    return {s for ref in graph.objects(node, PROV.wasDerivedFrom) for s in graph.objects(ref, CMI.statedIn)}


def entities_of(graph: Graph, cls: URIRef) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, cls) if str(s).startswith(ENTITY_SPACE))


def program_with_spanish_name(graph: Graph) -> URIRef:
    """A program whose Spanish name has an accent (the search must not need it), else any program."""
    programs = entities_of(graph, CMI.Program)
    accented = [p for p in programs if fold(label(graph, p, "es")) != label(graph, p, "es").lower()]
    return (accented or programs)[0]


@dataclass(frozen=True)
class Quote:
    reference: URIRef
    holder: URIRef
    start: int
    end: int
    text: str
    reported_in: URIRef

    @property
    def anchor(self) -> str:
        return f"q-{self.start}-{self.end}"


def quotes(graph: Graph) -> list[Quote]:
    found = []
    for holder, ref in graph.subject_objects(PROV.wasDerivedFrom):
        start, end = graph.value(ref, CMI.quoteStart), graph.value(ref, CMI.quoteEnd)
        if start is None or end is None:
            continue
        found.append(
            Quote(
                ref,
                holder,
                int(start),
                int(end),
                str(graph.value(ref, CMI.quote) or ""),
                graph.value(ref, CMI.reportedIn),
            )
        )
    return sorted(found, key=lambda q: (q.start, q.end, str(q.holder)))


def text_file(graph: Graph, source: URIRef) -> str:
    return str(graph.value(source, CMI.textFile) or "")


def senders(graph: Graph) -> set[URIRef]:
    return set(graph.objects(None, CMI.sentBy))


def personnel_marks(graph: Graph) -> int:
    """Marks on the personnel chart: each dated total figure of personnel abroad, once per source."""
    qualifiers = (CMI.place, CMI.program, CMI.mission, CMI.event)
    count = 0
    for claim in graph.subjects(CMI.predicate, CMI.personnelCount):
        if graph.value(claim, CMI.subject) not in senders(graph) or graph.value(claim, CMI.pointInTime) is None:
            continue
        if any(graph.value(claim, q) is not None for q in qualifiers):
            continue
        if graph.value(claim, CMI.quantity) is None and graph.value(claim, CMI.lowerBound) is None:
            continue
        count += len(stated_in(graph, claim))
    return count


def host_countries(graph: Graph) -> set[URIRef]:
    return {h for m in graph.subjects(RDF.type, CMI.MedicalMission) for h in graph.objects(m, CMI.hostCountry)}


def wikidata_links(graph: Graph, node: URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(node, OWL.sameAs) if str(o).startswith("http://www.wikidata.org/"))


class TextOf(HTMLParser):
    """The text inside the element with a given id, skipping <details> (the citation lists),
    and the text of each <mark> by the quotes it belongs to."""

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0
        self.skip = 0
        self.block = 0
        self.mark: list[str] | None = None
        self.parts: list[str] = []
        self.by_quote: dict[str, list[str]] = {}
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth == 0:
            if attributes.get("id") == self.element_id:
                self.depth = 1
            return
        if tag not in ("br", "img", "input", "meta", "link"):
            self.depth += 1
        if tag == "details":
            self.skip += 1
        if tag in ("p", "h2", "h3") and not self.skip:
            self.block += 1
        if tag == "mark" and not self.skip:
            self.mark = (attributes.get("data-q") or "").split()
        if attributes.get("id", "").startswith("q-"):
            self.anchors.add(attributes["id"])

    def handle_endtag(self, tag):
        if self.depth == 0:
            return
        self.depth -= 1
        if tag == "details":
            self.skip -= 1
        if tag in ("p", "h2", "h3") and not self.skip:
            self.block -= 1
        if tag == "mark":
            self.mark = None

    def handle_data(self, data):
        if self.depth == 0 or self.skip or not self.block:
            return
        self.parts.append(data)
        for anchor in self.mark or ():
            self.by_quote.setdefault(anchor, []).append(data)


def text_of(html: str, element_id: str) -> TextOf:
    parser = TextOf(element_id)
    parser.feed(html)
    return parser

"""Rows of (node, property, value, label) folded back into nodes a template can read.

The page queries return plain triples with the English label of every linked value; this
module turns them into :class:`Node` objects, and reads claims and references out of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from cmikg.iris import CMI, PROV, RDF, RDFS
from cmikg.web.content.page_queries import Row, Term
from cmikg.web.content.vocabulary import Vocabulary, local_name
from cmikg.web.formatting import number, period
from cmikg.web.links import entity_path


@dataclass(frozen=True)
class Value:
    """A value as shown: the term, and its English label when it is a labelled IRI."""

    term: Term
    label: str = ""

    @property
    def iri(self) -> str:
        return self.term.value if self.term.is_iri else ""

    @property
    def text(self) -> str:
        return self.label or (local_name(self.term.value) if self.term.is_iri else self.term.value)


@dataclass
class Node:
    iri: str
    props: dict[str, list[Value]] = field(default_factory=dict)

    def values(self, prop: str) -> list[Value]:
        return self.props.get(str(prop), [])

    def first(self, prop: str) -> Value | None:
        found = self.values(prop)
        return found[0] if found else None

    def text(self, prop: str) -> str:
        value = self.first(prop)
        return value.term.value if value else ""

    def number(self, prop: str) -> Decimal | None:
        value = self.first(prop)
        return value.term.number() if value else None

    def label(self, lang: str = "en") -> str:
        labels = {v.term.lang: v.term.value for v in self.values(RDFS.label)}
        return labels.get(lang) or labels.get("en") or next(iter(labels.values()), "") or local_name(self.iri)


def fold(rows: list[Row], node_key: str = "node") -> dict[str, Node]:
    """Group rows by node, then by property; each value once, in the order first seen."""
    nodes: dict[str, Node] = {}
    for row in rows:
        node = nodes.setdefault(row[node_key].value, Node(row[node_key].value))
        values = node.props.setdefault(row["property"].value, [])
        label = row["valueLabel"].value if "valueLabel" in row else ""
        value = Value(row["value"], label)
        if all(v.term != value.term for v in values):
            values.append(value)
    return nodes


@dataclass
class Reference:
    """Where a fact comes from: the source, the text that carries it, the quote and its place."""

    iri: str
    stated_in: Value | None
    reported_in: Value | None
    quote: str
    start: int | None
    end: int | None
    page: str

    @property
    def anchor(self) -> str:
        return f"q-{self.start}-{self.end}" if self.start is not None and self.end is not None else ""


def reference_from(node: Node) -> Reference:
    start, end = node.number(CMI.quoteStart), node.number(CMI.quoteEnd)
    return Reference(
        iri=node.iri,
        stated_in=node.first(CMI.statedIn),
        reported_in=node.first(CMI.reportedIn),
        quote=node.text(CMI.quote),
        start=None if start is None else int(start),
        end=None if end is None else int(end),
        page=node.text(CMI.page),
    )


def references_of(node: Node, nodes: dict[str, Node]) -> list[Reference]:
    refs = [reference_from(nodes[v.iri]) for v in node.values(PROV.wasDerivedFrom) if v.iri in nodes]
    return sorted(refs, key=lambda r: (r.start is None, r.start or 0, r.end or 0, r.iri))


@dataclass(frozen=True)
class ClaimLink:
    """A link from a claim to others (contradicts, is in tension with...), as its card shows it."""

    property: str
    heading: str
    phrase: str
    mark: str
    targets: list[str]


@dataclass
class Claim:
    """A claim ready to print: value, unit, hedge, time, qualifiers, references, disagreements."""

    iri: str
    label: str
    kinds: list[Value]
    subject: Value | None
    predicate: Value | None
    predicate_label: str
    quantity: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    unit: Value | None
    approximation: Value | None
    entities: list[Value]
    texts: list[str]
    point_in_time: str
    start: str
    end: str
    precision: int
    edtf: str
    time_text: str
    undated: bool
    note: str
    qualifiers: list[tuple[str, Value]]
    references: list[Reference]
    #: Where the hedge puts the true figure: above, below, about, range or exact.
    hedge: str
    #: The claim's links to other claims that it has, in the ontology's display order.
    links: list[ClaimLink]
    sections: set[str] = field(default_factory=set)

    @property
    def path(self) -> str:
        return entity_path(self.iri) or ""

    @property
    def anchor(self) -> str:
        return "claim-" + self.path.rsplit("/", 1)[-1]

    @property
    def contested(self) -> bool:
        """Contradicted or disputed by another claim (a mere tension does not count)."""
        return any(link.mark == "contested" for link in self.links)

    @property
    def in_tension(self) -> bool:
        """In tension with another claim: hard to reconcile, not incompatible."""
        return any(link.mark == "tension" for link in self.links)

    @property
    def figure(self) -> str:
        """ "more than 30,000", "7,000–8,000", or "" for a claim without a number."""
        if self.lower is not None and self.upper is not None:
            return f"{number(self.lower)}–{number(self.upper)}"
        if self.quantity is None:
            return ""
        hedge = self.approximation.text if self.approximation and self.hedge != "exact" else ""
        return f"{hedge} {number(self.quantity)}".strip()

    @property
    def time(self) -> str:
        """The claim's time as a historian writes it: "2007", "between 1966 and 1974", "by 2017"."""
        return period(self.point_in_time, self.start, self.end, self.precision, self.edtf)

    @property
    def machine_time(self) -> str:
        """The same time as the graph holds it, for a tooltip: EDTF, else the xsd:dateTime values."""
        return self.edtf or "/".join(t for t in (self.point_in_time or self.start, self.end) if t)

    @property
    def sources(self) -> list[Value]:
        seen: dict[str, Value] = {}
        for ref in self.references:
            if ref.stated_in is not None:
                seen.setdefault(ref.stated_in.iri, ref.stated_in)
        return list(seen.values())


def claim_links(node: Node, vocab: Vocabulary) -> list[ClaimLink]:
    """The node's links to other claims, each property with its heading, phrase and mark."""
    links = []
    for prop in vocab.claim_links():
        targets = sorted(v.iri for v in node.values(prop))
        if targets:
            label = vocab.label(prop)
            heading = label[:1].upper() + label[1:]
            links.append(ClaimLink(prop, heading, vocab.phrases[prop], vocab.marks.get(prop, ""), targets))
    return links


def claim_from(node: Node, nodes: dict[str, Node], vocab: Vocabulary) -> Claim:
    predicate, precision = node.first(CMI.predicate), node.first(CMI.timePrecision)
    approximation = node.first(CMI.approximation)
    apart = vocab.apart("claim")
    qualifiers = [
        (vocab.label(prop), value)
        for prop, values in node.props.items()
        if prop not in apart and prop not in vocab.shortcuts
        for value in values
    ]
    return Claim(
        iri=node.iri,
        label=node.label(),
        kinds=sorted(node.values(RDF.type), key=lambda v: v.text),
        subject=node.first(CMI.subject),
        predicate=predicate,
        predicate_label=vocab.label(predicate.iri) if predicate else "",
        quantity=node.number(CMI.quantity),
        lower=node.number(CMI.lowerBound),
        upper=node.number(CMI.upperBound),
        unit=node.first(CMI.unit),
        approximation=approximation,
        entities=sorted(node.values(CMI.valueEntity), key=lambda v: (v.text, v.term.value)),
        texts=sorted(v.term.value for v in node.values(CMI.valueText)),
        point_in_time=node.text(CMI.pointInTime),
        start=node.text(CMI.startTime),
        end=node.text(CMI.endTime),
        precision=vocab.precision(precision.iri if precision else None),
        edtf=node.text(CMI.edtf),
        time_text=node.text(CMI.timeText),
        undated=node.text(CMI.undated) == "true",
        note=" ".join(sorted(v.term.value for v in node.values(CMI.note))),  # every note, in one order
        qualifiers=sorted(qualifiers, key=lambda q: (q[0], q[1].text, q[1].term.value)),
        references=references_of(node, nodes),
        hedge=vocab.hedge(approximation.iri) if approximation else "exact",
        links=claim_links(node, vocab),
    )

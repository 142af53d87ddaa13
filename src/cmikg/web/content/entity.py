"""Everything the entity page shows about one IRI, gathered through the backend.

Four page queries: the entity's own triples and references, the claims that concern it
(with the claims that answer them, so disagreements can be shown side by side), the
entities linking to it, and what cites it when it is a source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cmikg.iris import CMI, OWL, RDF, RDFS, WD, XSD
from cmikg.web.content import page_queries
from cmikg.web.content.nodes import (
    Claim,
    Node,
    Reference,
    Value,
    claim_from,
    fold,
    reference_from,
    references_of,
)
from cmikg.web.content.page_queries import Term
from cmikg.web.content.vocabulary import vocabulary
from cmikg.web.formatting import period, when
from cmikg.web.links import entity_path

SECTIONS = ("self", "about", "mentions", "rests-on", "answers")


@dataclass
class Disagreement:
    """Two claims shown side by side: ``left`` contradicts or disputes ``right``."""

    left: Claim
    relation: str
    right: Claim


@dataclass
class EntityPage:
    iri: str
    node: Node
    labels: dict[str, str]
    types: list[Value]
    comments: list[str]
    wikidata: list[str]
    same_as: list[str]
    facts: list[tuple[str, list[Value]]]
    references: list[Reference]
    claims: dict[str, list[Claim]] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)
    linked_from: list[tuple[str, list[Value]]] = field(default_factory=list)
    cited_by: list[tuple[str, list[Value]]] = field(default_factory=list)
    #: The entity itself read as a reference, when it is one (it carries a quote).
    as_reference: Reference | None = None

    @property
    def label(self) -> str:
        if self.as_reference is not None and not self.labels:
            return f"Quote: “{self.as_reference.quote}”"
        return self.labels.get("en") or next(iter(self.labels.values()), "") or self.iri

    @property
    def path(self) -> str:
        return entity_path(self.iri) or ""

    @property
    def is_claim(self) -> bool:
        return bool(self.claims.get("self"))


def load(iri: str) -> EntityPage | None:
    """The page of ``iri``, or None when the graph says nothing about it."""
    nodes = fold(page_queries.select("entity", this=iri))
    node = nodes.get(iri)
    if node is None:
        return None
    vocab = vocabulary()
    same_as = [v.iri for v in node.values(OWL.sameAs)]
    page = EntityPage(
        iri=iri,
        node=node,
        labels={v.term.lang or "en": v.term.value for v in reversed(node.values(RDFS.label))},
        types=sorted(node.values(RDF.type), key=_value_order),
        comments=sorted(v.term.value for v in node.values(RDFS.comment)),
        wikidata=sorted(s for s in same_as if s.startswith(str(WD))),
        same_as=sorted(s for s in same_as if not s.startswith(str(WD))),
        facts=_facts(node, vocab),
        references=references_of(node, nodes),
        as_reference=reference_from(node) if node.values(CMI.quote) else None,
    )
    page.claims, page.disagreements = _claims(iri)
    page.linked_from = _linked_from(iri)
    page.cited_by = _cited_by(iri)
    return page


DATE_TIME = str(XSD.dateTime)


def _facts(node: Node, vocab) -> list[tuple[str, list[Value]]]:
    """The table of facts, every date as people write it ("between 1966 and 1974", "January 2010").

    What the page shows apart (the header, and the parts folded into one readable time) is
    what the ontology marks ``cmi:shownApart "entity"``."""
    apart = vocab.apart("entity")
    facts = [
        (vocab.label(p), sorted((_readable(v, node, p, vocab) for v in values), key=_value_order))
        for p, values in node.props.items()
        if p not in apart and p not in vocab.shortcuts
    ]
    time = _time_fact(node, vocab)
    if time is not None:
        facts.append(("time", [time]))
    return sorted(facts, key=lambda kv: kv[0].lower())


def _time_fact(node: Node, vocab) -> Value | None:
    precision = node.first(CMI.timePrecision)
    point, start, end = node.text(CMI.pointInTime), node.text(CMI.startTime), node.text(CMI.endTime)
    parts = [point, start, end]
    phrase = period(point, start, end, vocab.precision(precision.iri if precision else None), node.text(CMI.edtf))
    if not phrase:
        return None
    machine = node.text(CMI.edtf) or "/".join(t for t in parts if t)
    return Value(Term("literal", machine, datatype=DATE_TIME), phrase)


def _readable(value: Value, node: Node, prop: str, vocab) -> Value:
    """A dateTime value labelled to its node's precision (bounds to their own precision)."""
    if value.term.datatype != DATE_TIME:
        return value
    bound = prop in (str(CMI.earliest), str(CMI.latest))
    precision = node.first(CMI.boundsPrecision if bound else CMI.timePrecision)
    return Value(value.term, when(value.term.value, vocab.precision(precision.iri if precision else None)))


def _claims(iri: str) -> tuple[dict[str, list[Claim]], list[Disagreement]]:
    rows = page_queries.select("entity-claims", this=iri)
    nodes = fold(rows)
    sections: dict[str, set[str]] = {}
    for row in rows:
        sections.setdefault(row["claim"].value, set()).add(row["section"].value)
    vocab = vocabulary()
    claims = {c: claim_from(nodes[c], nodes, vocab) for c in sections if c in nodes}
    by_section: dict[str, list[Claim]] = {name: [] for name in SECTIONS}
    for claim_iri, names in sections.items():
        claim = claims.get(claim_iri)
        if claim is None:
            continue
        claim.sections = names
        first = next(name for name in SECTIONS if name in names)
        by_section[first].append(claim)
    for listed in by_section.values():
        listed.sort(key=_claim_order)
    return by_section, _disagreements(claims, by_section)


def _claim_order(claim: Claim) -> tuple:
    return (claim.predicate_label, claim.point_in_time or claim.start or "9999", claim.label, claim.iri)


def _value_order(value: Value) -> tuple:
    """Values in a stable order whatever order the store returns them in."""
    return (value.text.lower(), value.term.value)


def _disagreements(claims: dict[str, Claim], by_section: dict[str, list[Claim]]) -> list[Disagreement]:
    """Each contested (or uneasy) pair once, the entity's own claim on the left."""
    own = [c for name in ("self", "about", "mentions") for c in by_section[name]]
    seen: set[frozenset[str]] = set()
    pairs = []
    for claim in own:
        for link in claim.links:
            for target in link.targets:
                key = frozenset((claim.iri, target))
                if target in claims and key not in seen:
                    seen.add(key)
                    pairs.append(Disagreement(claim, link.phrase, claims[target]))
    return pairs


def _grouped(rows: list[page_queries.Row], key: str, item: str, label: str) -> list[tuple[str, list[Value]]]:
    vocab = vocabulary()
    groups: dict[str, list[Value]] = {}
    for row in rows:
        values = groups.setdefault(row[key].value, [])
        value = Value(row[item], row[label].value if label in row else "")
        if value not in values:
            values.append(value)
    return sorted(
        ((vocab.label(k), sorted(v, key=_value_order)) for k, v in groups.items()), key=lambda kv: kv[0].lower()
    )


def _linked_from(iri: str) -> list[tuple[str, list[Value]]]:
    return _grouped(page_queries.select("entity-incoming", this=iri), "property", "subject", "subjectLabel")


def _cited_by(iri: str) -> list[tuple[str, list[Value]]]:
    return _grouped(page_queries.select("entity-cited-by", this=iri), "how", "holder", "holderLabel")

"""Claims about linked entities as QuickStatements V1 commands, for an editor to review.

One line per claim and reference: ``item TAB property TAB value``, then qualifiers
(``P585``, ``P580``, ``P582`` and any other qualifier whose property exactly matches a
Wikidata property), then the reference as ``S…`` pairs: stated in (only when the source is
linked), reference URL (the article), quote (English monolingual text) and retrieved. A
claim goes out only when every part has an exact Wikidata counterpart: a linked subject, a
predicate with ``skos:exactMatch wdt:P…``, a value that is a linked entity, a string or an
unhedged figure whose unit is a Wikidata item (or a plain count). Nothing is uploaded.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cmikg.namespaces import CMI, OWL, PROV, SKOS
from cmikg.wikidata.links import is_wikidata_target, qid_of
from cmikg.wikidata.mappings import exact_item, exact_property

RETRIEVED = "P813"  # Wikidata's "retrieved" reference property
QUDT_NUMBER = URIRef("http://qudt.org/vocab/unit/NUM")
#: Claim properties that make up the statement itself, never qualifiers.
STRUCTURE = {
    CMI.subject,
    CMI.predicate,
    CMI.quantity,
    CMI.lowerBound,
    CMI.upperBound,
    CMI.unit,
    CMI.approximation,
    CMI.valueEntity,
    CMI.valueText,
    CMI.timePrecision,
    PROV.wasDerivedFrom,
}


@dataclass
class Export:
    lines: list[str] = field(default_factory=list)
    claims: int = 0
    skipped: Counter = field(default_factory=Counter)


class Skip(Exception):
    """Why a claim has no QuickStatements form; counted, not fatal."""


def quickstatements(graph: Graph, retrieved: dt.date) -> Export:
    """Every exportable claim of ``graph`` (ontology included), in a stable order."""
    out = Export()
    writer = _Writer(graph, retrieved)
    for claim in sorted(set(graph.subjects(CMI.predicate, None)), key=str):
        try:
            lines = writer.claim_lines(claim)
        except Skip as why:
            out.skipped[str(why)] += 1
            continue
        out.claims += 1
        out.lines += lines
    return out


class _Writer:
    def __init__(self, graph: Graph, retrieved: dt.date):
        self.g = graph
        self.retrieved = f"+{retrieved.isoformat()}T00:00:00Z/11"

    def claim_lines(self, claim: Node) -> list[str]:
        item = self.item(self.g.value(claim, CMI.subject))
        if item is None:
            raise Skip("subject not linked to Wikidata")
        prop = exact_property(self.g, self.g.value(claim, CMI.predicate))
        if prop is None:
            raise Skip("predicate has no skos:exactMatch to a Wikidata property")
        head = [item, prop, self.value(claim)] + self.qualifiers(claim)
        references = [
            r for r in (self.reference(ref) for ref in sorted(self.g.objects(claim, PROV.wasDerivedFrom), key=str)) if r
        ]
        if not references:
            raise Skip("no reference with a URL or a linked source")
        return ["\t".join(head + ref) for ref in references]

    def item(self, node: Node | None) -> str | None:
        """The QID a node is linked to (one well-formed link), else None."""
        qids = {qid_of(t) for t in self.g.objects(node, OWL.sameAs) if is_wikidata_target(t)} if node else set()
        return qids.pop() if len(qids) == 1 and None not in qids else None

    def value(self, claim: Node) -> str:
        entity = self.g.value(claim, CMI.valueEntity)
        if entity is not None:
            qid = self.item(entity)
            if qid is None:
                raise Skip("value entity not linked to Wikidata")
            return qid
        text = self.g.value(claim, CMI.valueText)
        if text is not None:
            return string(str(text))
        return self.quantity(claim)

    def quantity(self, claim: Node) -> str:
        amount = self.g.value(claim, CMI.quantity)
        if amount is None:
            raise Skip("range or missing value: no exact QuickStatements form")
        if self.g.value(claim, CMI.approximation) not in (None, CMI.exactly):
            raise Skip("hedged figure (about, more than, ...)")
        unit = self.g.value(claim, CMI.unit)
        suffix = ""
        if unit is not None:
            qid = exact_item(self.g, unit)
            if qid:
                suffix = f"U{qid[1:]}"
            elif not self.is_count(unit):
                raise Skip("unit has no skos:exactMatch to a Wikidata item")
        return number(amount) + suffix

    def is_count(self, unit: Node) -> bool:
        """A unit that only counts things: Wikidata writes such quantities without a unit."""
        return any(t == QUDT_NUMBER for rel in (SKOS.exactMatch, SKOS.closeMatch) for t in self.g.objects(unit, rel))

    def qualifiers(self, claim: Node) -> list[str]:
        pairs = []
        for prop, value in sorted(self.g.predicate_objects(claim), key=lambda po: (str(po[0]), str(po[1]))):
            pid = None if prop in STRUCTURE else exact_property(self.g, prop)
            rendered = self.qualifier_value(claim, value) if pid else None
            if rendered:
                pairs += [pid, rendered]
        return pairs

    def qualifier_value(self, claim: Node, value: Node) -> str | None:
        if isinstance(value, Literal) and isinstance(value.toPython(), dt.datetime):
            return time_value(value.toPython(), self.precision(claim))
        if isinstance(value, URIRef):
            return self.item(value)
        return None

    def precision(self, node: Node) -> int:
        notation = self.g.value(self.g.value(node, CMI.timePrecision), SKOS.notation)
        return int(str(notation)) if notation is not None else 11

    def reference(self, ref: Node) -> list[str]:
        pairs: list[str] = []
        stated = self.item(self.g.value(ref, CMI.statedIn))
        self._pair(pairs, CMI.statedIn, stated)
        url = self.source_url(self.g.value(ref, CMI.reportedIn)) or self.source_url(self.g.value(ref, CMI.statedIn))
        self._pair(pairs, CMI.url, string(url) if url and _plain(url) else None)
        if not pairs:
            return []
        quote = self.g.value(ref, CMI.quote)
        self._pair(pairs, CMI.quote, f"en:{string(str(quote))}" if quote is not None and _plain(str(quote)) else None)
        return pairs + [f"S{RETRIEVED[1:]}", self.retrieved]

    def _pair(self, pairs: list[str], term: URIRef, rendered: str | None) -> None:
        pid = exact_property(self.g, term)
        if pid and rendered:
            pairs += [f"S{pid[1:]}", rendered]

    def source_url(self, source: Node | None) -> str | None:
        urls = sorted(str(u) for u in self.g.objects(source, CMI.url)) if source is not None else []
        return urls[0] if urls else None


def number(value: Node) -> str:
    """``+123`` / ``-4.5``: QuickStatements' signed decimal."""
    amount = Decimal(str(value))
    text = format(amount.normalize(), "f") if amount == amount.to_integral() else format(amount, "f")
    return text if text.startswith("-") else f"+{text}"


def time_value(when: dt.datetime, precision: int) -> str:
    """Wikidata's time form: digits below the precision are zeros (``+2007-00-00T00:00:00Z/9``)."""
    month = f"{when.month:02d}" if precision >= 10 else "00"
    day = f"{when.day:02d}" if precision >= 11 else "00"
    return f"+{when.year:04d}-{month}-{day}T00:00:00Z/{precision}"


def string(text: str) -> str:
    return f'"{text}"'


def _plain(text: str) -> bool:
    """QuickStatements splits on tabs and line breaks; such text cannot be written verbatim."""
    return not any(ch in text for ch in "\t\r\n")

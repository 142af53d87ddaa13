"""Claims about linked entities as QuickStatements V1 commands, for an editor to review.

One line per claim and reference: ``item TAB property TAB value``, then qualifiers
(``P585``, ``P580``, ``P582`` and any other qualifier whose property exactly matches a
Wikidata property), then the reference as ``S…`` pairs: stated in (only when the source is
linked), reference URL (the article), quote (English monolingual text) and retrieved. A
claim goes out only when every part has an exact Wikidata counterpart: a linked subject, a
predicate with ``skos:exactMatch wdt:P…``, a value that is a linked entity, a string or an
unhedged figure whose unit is a Wikidata item (or a plain count). A predicate the ontology
marks ``cmi:contextOnly`` (a country's population, given in passing) is never exported, and
every line carries the verbatim quote (S1683): a statement an editor cannot check against
the article's words is not worth pasting. Nothing is uploaded.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cmikg import dist
from cmikg.errors import CmikgError
from cmikg.namespaces import CMI, OWL, PROV, SKOS
from cmikg.wikidata.links import is_wikidata_target, qid_of
from cmikg.wikidata.mappings import exact_item, exact_property

RETRIEVED = "P813"  # Wikidata's "retrieved" reference property
ARTICLE_TEXT = Path("graph/sources/cuban-medical-internationalism.txt")
#: What the build writes to dist/: the batch, and every statement and skipped claim for the editors' page.
BATCH_FILE, DETAIL_FILE = dist.QUICKSTATEMENTS, dist.QUICKSTATEMENTS_DETAIL
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


@dataclass(frozen=True)
class Statement:
    """One exported claim: its lines (one per reference) and what an editor checks them against."""

    claim: str
    item: str
    property: str
    lines: tuple[str, ...]
    quotes: tuple[str, ...]


@dataclass
class Export:
    lines: list[str] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    #: Reason → IRIs of the claims left out for it.
    skipped_claims: dict[str, list[str]] = field(default_factory=dict)

    @property
    def claims(self) -> int:
        return len(self.statements)

    @property
    def skipped(self) -> Counter:
        """How many claims were left out, by reason."""
        return Counter({why: len(claims) for why, claims in self.skipped_claims.items()})

    def report(self) -> dict:
        """The summary the build report and the editors' page show."""
        return {
            "claims_exported": self.claims,
            "lines": len(self.lines),
            "skipped_by_reason": dict(self.skipped.most_common()),
        }


class Skip(Exception):
    """Why a claim has no QuickStatements form; counted, not fatal."""


def quickstatements(graph: Graph, retrieved: dt.date) -> Export:
    """Every exportable claim of ``graph`` (ontology included), in a stable order."""
    out = Export()
    writer = _Writer(graph, retrieved)
    for claim in sorted(set(graph.subjects(CMI.predicate, None)), key=str):
        try:
            statement = writer.statement(claim)
        except Skip as why:
            out.skipped_claims.setdefault(str(why), []).append(str(claim))
            continue
        out.statements.append(statement)
        out.lines += statement.lines
    return out


class _Writer:
    def __init__(self, graph: Graph, retrieved: dt.date):
        self.g = graph
        self.retrieved = f"+{retrieved.isoformat()}T00:00:00Z/11"

    def statement(self, claim: Node) -> Statement:
        predicate = self.g.value(claim, CMI.predicate)
        if self.g.value(predicate, CMI.contextOnly) == Literal(True):
            raise Skip("context figure the article gives in passing (cmi:contextOnly)")
        prop = exact_property(self.g, predicate)
        if prop is None:
            raise Skip("predicate has no skos:exactMatch to a Wikidata property")
        item = self.item(self.g.value(claim, CMI.subject))
        if item is None:
            raise Skip("subject not linked to Wikidata")
        head = [item, prop, self.value(claim)] + self.qualifiers(claim)
        refs = sorted(self.g.objects(claim, PROV.wasDerivedFrom), key=str)
        usable = [(ref, pairs) for ref in refs if (pairs := self.reference(ref))]
        if not usable:
            raise Skip("no reference with a quote and a URL or a linked source")
        return Statement(
            claim=str(claim),
            item=item,
            property=prop,
            lines=tuple("\t".join(head + pairs) for _, pairs in usable),
            quotes=tuple(str(self.g.value(ref, CMI.quote)) for ref, _ in usable),
        )

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
            raise Skip("range: Wikidata needs a central amount the article does not give")
        if self.g.value(claim, CMI.approximation) not in (None, CMI.exactly):
            raise Skip("hedged figure (about, more than, at least): the article gives no bounds")
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
        pairs: list[str] = []
        for prop, value in sorted(self.g.predicate_objects(claim), key=lambda po: (str(po[0]), str(po[1]))):
            pid = None if prop in STRUCTURE else exact_property(self.g, prop)
            rendered = self.qualifier_value(claim, value) if pid else None
            if pid and rendered:
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
        """The reference's ``S…`` pairs; empty when it lacks a quote or a URL and a linked source."""
        quote = self.g.value(ref, CMI.quote)
        if quote is None or not _plain(str(quote)):
            return []
        pairs: list[str] = []
        stated = self.item(self.g.value(ref, CMI.statedIn))
        self._pair(pairs, CMI.statedIn, stated)
        url = self.source_url(self.g.value(ref, CMI.reportedIn)) or self.source_url(self.g.value(ref, CMI.statedIn))
        self._pair(pairs, CMI.url, string(url) if url and _plain(url) else None)
        if not pairs:
            return []
        self._pair(pairs, CMI.quote, f"en:{string(str(quote))}")
        return pairs + [f"S{RETRIEVED[1:]}", self.retrieved]

    def _pair(self, pairs: list[str], term: URIRef, rendered: str | None) -> None:
        pid = exact_property(self.g, term)
        if pid and rendered:
            pairs += [f"S{pid[1:]}", rendered]

    def source_url(self, source: Node | None) -> str | None:
        urls = sorted(str(u) for u in self.g.objects(source, CMI.url)) if source is not None else []
        return urls[0] if urls else None


def article_retrieved(root: Path) -> dt.date:
    """The day the article's copy was last committed: the latest day it is known to have been read."""
    try:
        day = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%cs", "--", str(ARTICLE_TEXT)],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        return dt.date.fromisoformat(day)
    except (OSError, subprocess.SubprocessError, ValueError):
        raise CmikgError(
            f"cannot tell when {ARTICLE_TEXT} was retrieved (no git history); give --retrieved YYYY-MM-DD"
        ) from None


def build_batch(graph: Graph, root: Path, out: Path) -> dict:
    """The build's export: written when the article's retrieval day is known, else the reason it is not.

    The day comes from the repository's history; a copy of the project without it (an
    unpacked archive) still builds, and its build report says why it has no batch.
    """
    try:
        retrieved = article_retrieved(root)
    except CmikgError as exc:
        return {"written": False, "reason": str(exc)}
    return write_batch(graph, retrieved, out)


def write_batch(graph: Graph, retrieved: dt.date, out: Path) -> dict:
    """Write the batch and its detail into ``out`` (the build's staging dist/); return the summary."""
    export = quickstatements(graph, retrieved)
    (out / BATCH_FILE).write_text("".join(f"{line}\n" for line in export.lines), encoding="utf-8")
    detail = {
        **export.report(),
        "retrieved": retrieved.isoformat(),
        "statements": [asdict(s) for s in export.statements],
        "skipped": export.skipped_claims,
    }
    (out / DETAIL_FILE).write_text(json.dumps(detail, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {"written": True, **export.report(), "retrieved": retrieved.isoformat(), "files": [BATCH_FILE, DETAIL_FILE]}


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

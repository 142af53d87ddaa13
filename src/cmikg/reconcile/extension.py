"""Data extension: the values of chosen properties for reconciled entities, and which to propose.

Values come from the index (the entities' property values and the claims about them). An
entity is ``{"id", "name"}`` when the service reconciles it, else its label as ``{"str"}``; a
date is ``{"date"}`` (a year-precise date is the first instant of the year, as Wikidata
writes it); an exact figure is ``{"int"}`` or ``{"float"}``; a hedged or ranged figure is a
``{"str"}`` that keeps the hedge ("more than 2500", "64000–68000"), so a column never shows a
bare number the article did not give.
"""

from __future__ import annotations

from cmikg.iris import CMI, XSD
from cmikg.reconcile.index import WIKIDATA, Index, Value
from cmikg.reconcile.parameters import Extension
from cmikg.web import search as label_search
from cmikg.web.content.vocabulary import vocabulary
from cmikg.web.links import short

EXACTLY = str(CMI.exactly)
INTEGERS = {str(XSD.integer), str(XSD.int), str(XSD.long), str(XSD.nonNegativeInteger), str(XSD.positiveInteger)}
NUMBERS = INTEGERS | {str(XSD.decimal), str(XSD.double), str(XSD.float)}


def extend(ext: Extension, idx: Index) -> dict:
    """The API's extension response: ``meta`` (the columns) and ``rows`` (id → property → values)."""
    meta = [{"id": pid, "name": idx.properties[pid].name} for pid in ext.properties]
    rows = {eid: {pid: values_of(eid, pid, idx) for pid in ext.properties} for eid in ext.ids}
    return {"meta": meta, "rows": rows}


def values_of(eid: str, pid: str, idx: Index) -> list[dict]:
    cand = idx.candidates[eid]
    if pid == WIKIDATA:
        return [{"str": cand.item}] if cand.item else []
    rendered = [render(v, idx) for v in cand.facts.get(pid, [])]
    return sorted((r for r in rendered if r), key=_order)


def _order(value: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in value.items()))


def render(value: Value, idx: Index) -> dict | None:
    term = value.term
    if value.approximation and value.approximation != EXACTLY or value.lower:
        return {"str": hedged(value)}
    if term.is_iri:
        linked = idx.by_iri(term.value)
        if linked is not None:
            return {"id": linked.id, "name": linked.name}
        return {"str": label(term.value)}
    if not term.value:
        return None
    if term.datatype == str(XSD.dateTime):
        return {"date": term.value}
    if term.datatype in NUMBERS and (number := term.number()) is not None:
        return {"int": int(number)} if number == number.to_integral() else {"float": float(number)}
    return {"str": term.value}


def hedged(value: Value) -> str:
    """A figure with its hedge in words: "more than 2500", "64000–68000"."""
    if value.lower or value.upper:
        return f"{value.lower or '?'}–{value.upper or '?'}"
    return f"{vocabulary().label(value.approximation)} {value.term.value}".strip()


def label(iri: str) -> str:
    if iri.startswith(str(CMI)):
        return vocabulary().label(iri)
    entry = label_search.index().get(iri)
    return entry.label if entry else short(iri)


def propose(type_id: str | None, limit: int, idx: Index) -> list[dict]:
    """The Wikidata item first (any entity may be linked), then the properties most entities of the type have."""
    ranked = [idx.properties[WIKIDATA]] + [p for p, _ in idx.properties_of(type_id) if p.id != WIKIDATA]
    return [
        {"id": p.id, "name": p.name, **({"description": p.definition} if p.definition else {})} for p in ranked[:limit]
    ]

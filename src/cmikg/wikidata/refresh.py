"""``cmikg wikidata refresh``: rewrite the snapshot from a live endpoint or the reference table.

Online, the linked QIDs are asked for in batches (one VALUES block each) through the
polite client. Offline, the reference table of countries gives what it can establish
(English label and ISO codes) and marks the rest unknown. An entry from a live endpoint is
never replaced by one from the table; entries for QIDs no longer linked are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from cmikg.build.loading import load_sources
from cmikg.config import Settings
from cmikg.errors import CmikgError
from cmikg.wikidata import snapshot as snap
from cmikg.wikidata.client import Politeness, SparqlClient
from cmikg.wikidata.links import QID, item_iri, linked_qids, qid_of
from cmikg.wikidata.reference import read_reference
from cmikg.wikidata.snapshot import Entry, Snapshot

VALUES_SLOT = "VALUES ?item { }"
_WDT = "http://www.wikidata.org/prop/direct/"


@dataclass
class RefreshReport:
    path: Path
    linked: int
    written: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    requests: int = 0


def snapshot_query(settings: Settings, qids: list[str]) -> str:
    """queries/wikidata/snapshot.rq with its VALUES block filled with ``qids``."""
    path = settings.queries_dir / "wikidata" / "snapshot.rq"
    if not path.is_file():
        raise CmikgError(f"{settings.rel(path)}: the refresh query is missing")
    template = path.read_text(encoding="utf-8")
    if template.count(VALUES_SLOT) != 1:
        raise CmikgError(f"{settings.rel(path)}: expected one {VALUES_SLOT!r} to fill")
    bad = [q for q in qids if not QID.fullmatch(q)]
    if bad:
        raise CmikgError(f"not QIDs: {', '.join(bad)}")
    values = " ".join(f"<{item_iri(q)}>" for q in qids)
    return template.replace(VALUES_SLOT, f"VALUES ?item {{ {values} }}")


def batches(items: list[str], size: int) -> list[list[str]]:
    if size < 1:
        raise CmikgError("--batch-size must be at least 1")
    return [items[i : i + size] for i in range(0, len(items), size)]


def entries_from_bindings(qids: list[str], bindings: list[dict], origin: dict[str, str]) -> dict[str, Entry]:
    """One entry per asked QID; a QID with no row at all is recorded as not found."""
    entries = {
        q: Entry(q, {"en": None, "es": None}, {"P31": [], "P298": [], "P297": []}, dict(origin), found=False)
        for q in qids
    }
    for row in bindings:
        qid = qid_of_binding(row.get("item"))
        if qid not in entries:
            continue
        entry, prop, value = entries[qid], row.get("property", {}).get("value"), row.get("value", {})
        if prop == "label" and value.get("xml:lang") in snap.LANGUAGES:
            entry.labels[value["xml:lang"]] = _first(entry.labels[value["xml:lang"]], value["value"])
        elif prop and prop.startswith(_WDT) and prop[len(_WDT) :] in snap.PROPERTIES:
            values = entry.claims[prop[len(_WDT) :]]
            assert values is not None, "every asked entry starts with a list per property"
            values.append(qid_of_binding(value) or value.get("value", ""))
        elif prop == "redirect":
            entry.redirect = qid_of_binding(value)
        else:
            continue
        entry.found = True
    for entry in entries.values():
        entry.claims = {p: sorted(set(v or ())) for p, v in entry.claims.items()}
    return entries


def qid_of_binding(term: dict | None) -> str | None:
    return qid_of(URIRef(term["value"])) if term and term.get("type") == "uri" else None


def _first(current: str | None, new: str) -> str:
    return new if current is None else min(current, new)


def refresh_from_endpoint(settings: Settings, endpoint: str, politeness: Politeness | None = None) -> RefreshReport:
    politeness = politeness or Politeness()
    qids = linked_qids(load_sources(settings).data)
    origin = {"kind": "endpoint", "endpoint": endpoint, "retrieved": dt.date.today().isoformat()}
    client = SparqlClient(endpoint, politeness)
    fetched: dict[str, Entry] = {}
    try:
        for batch in batches(qids, politeness.batch_size):
            fetched.update(entries_from_bindings(batch, client.select(snapshot_query(settings, batch)), origin))
    finally:
        client.close()
    report = _merge(settings, qids, fetched, replace_endpoint_entries=True)
    report.requests = client.requests_sent
    return report


def refresh_from_reference(settings: Settings, table: Path) -> RefreshReport:
    qids = linked_qids(load_sources(settings).data)
    known = read_reference(table)
    return _merge(settings, qids, {q: known[q] for q in qids if q in known}, replace_endpoint_entries=False)


def _merge(
    settings: Settings, qids: list[str], fresh: dict[str, Entry], replace_endpoint_entries: bool
) -> RefreshReport:
    old = snap.load(settings)
    merged = Snapshot()
    report = RefreshReport(path=snap.snapshot_path(settings), linked=len(qids))
    for qid in qids:
        previous, new = old.get(qid), fresh.get(qid)
        keep_previous = previous is not None and (
            new is None or (previous.from_endpoint and not replace_endpoint_entries)
        )
        chosen = previous if keep_previous else new
        if chosen is None:
            report.unknown.append(qid)
            continue
        merged.entries[qid] = chosen
        if chosen is new:
            report.written.append(qid)
        if not chosen.found:
            report.not_found.append(qid)
    report.path = snap.save(settings, merged)
    return report

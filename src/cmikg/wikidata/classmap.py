"""Which project classes can be linked to Wikidata, and which P31 values fit each.

Kept as data (``graph/wikidata/class-types.csv``: class, p31, p31_label, evidence), one row
per acceptable P31 item, each with the public record that pairs the QID with its name. A
class listed with an empty ``p31`` is linkable but has no confirmed type list: the type
check skips it and says so. The nearest listed class wins (cmi:Country before cmi:Place).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from cmikg.config import Settings
from cmikg.errors import InputError
from cmikg.namespaces import PREFIXES
from cmikg.wikidata.links import QID

COLUMNS = ("class", "p31", "p31_label", "evidence")


@dataclass
class ClassMap:
    """Acceptable P31 QIDs per class; an empty set means "linkable, type not checked"."""

    accepted: dict[URIRef, set[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def nearest(self, classes: list) -> URIRef | None:
        """The first of ``classes`` (nearest first) that the map lists."""
        return next((c for c in classes if c in self.accepted), None)


def classmap_path(settings: Settings) -> Path:
    return settings.graph_dir / "wikidata" / "class-types.csv"


def load_classmap(settings: Settings) -> ClassMap:
    path = classmap_path(settings)
    result = ClassMap()
    if not path.is_file():
        return result
    rows = csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    missing = [c for c in COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise InputError(f"{settings.rel(path)}:1: missing column(s) {', '.join(missing)}")
    for line, row in enumerate(rows, start=2):
        cls = expand(row["class"].strip(), f"{settings.rel(path)}:{line}")
        qid = row["p31"].strip()
        accepted = result.accepted.setdefault(cls, set())
        if not qid:
            continue
        if not QID.fullmatch(qid):
            raise InputError(f"{settings.rel(path)}:{line}: p31 {qid!r} is not a QID")
        if not row["evidence"].strip():
            raise InputError(f"{settings.rel(path)}:{line}: {qid} needs the public record that confirms it (evidence)")
        accepted.add(qid)
        result.labels[qid] = row["p31_label"].strip()
    return result


def expand(name: str, where: str) -> URIRef:
    """``cmi:Country`` or a full IRI."""
    prefix, _, local = name.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    if name.startswith(("http://", "https://")):
        return URIRef(name)
    raise InputError(f"{where}: {name!r} is neither a prefixed name nor an IRI")

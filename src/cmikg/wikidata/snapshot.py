"""The snapshot: what Wikidata says about each linked item, kept in the repository as data.

It lets the checks run offline and the build stay reproducible: ``cmikg wikidata refresh``
rewrites it, nothing else does. Each entry records where it came from (a live SPARQL
endpoint, or the offline reference table of countries). A value of ``null`` means *not
known from that origin* (the reference table has no Spanish labels and no P31), never
"Wikidata has none"; an empty list from an endpoint means Wikidata has none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cmikg.config import Settings
from cmikg.errors import InputError
from cmikg.wikidata.links import QID, qid_sort_key

ABOUT = (
    "What Wikidata says about each item the graph links to with owl:sameAs: English and "
    "Spanish labels, instance of (P31), and for countries ISO 3166-1 alpha-3 (P298) and "
    "alpha-2 (P297). Written by `cmikg wikidata refresh`; do not edit by hand. null = not "
    "known from the entry's origin; [] = the endpoint returned no value."
)

#: Properties kept for each item, as Wikidata numbers them.
PROPERTIES = ("P31", "P298", "P297")
LANGUAGES = ("en", "es")


@dataclass
class Entry:
    """What one origin said about one item."""

    qid: str
    labels: dict[str, str | None]
    claims: dict[str, list[str] | None]
    origin: dict[str, str]
    found: bool = True
    redirect: str | None = None

    def to_json(self) -> dict:
        data: dict = {"label": {lang: self.labels.get(lang) for lang in LANGUAGES}}
        data.update({prop: self.claims.get(prop) for prop in PROPERTIES})
        if not self.found:
            data["found"] = False
        if self.redirect:
            data["redirect"] = self.redirect
        data["origin"] = dict(sorted(self.origin.items()))
        return data

    @classmethod
    def from_json(cls, qid: str, data: dict) -> Entry:
        return cls(
            qid=qid,
            labels=dict(data.get("label") or {}),
            claims={prop: data.get(prop) for prop in PROPERTIES},
            origin=dict(data.get("origin") or {}),
            found=data.get("found", True),
            redirect=data.get("redirect"),
        )

    @property
    def from_endpoint(self) -> bool:
        return self.origin.get("kind") == "endpoint"


@dataclass
class Snapshot:
    entries: dict[str, Entry] = field(default_factory=dict)

    def get(self, qid: str) -> Entry | None:
        return self.entries.get(qid)

    def to_json(self) -> dict:
        ordered = sorted(self.entries, key=qid_sort_key)
        return {"about": ABOUT, "entities": {qid: self.entries[qid].to_json() for qid in ordered}}


def snapshot_path(settings: Settings) -> Path:
    return settings.graph_dir / "wikidata" / "snapshot.json"


def load(settings: Settings) -> Snapshot:
    """The snapshot in the repository; an empty one when there is none yet."""
    path = snapshot_path(settings)
    if not path.is_file():
        return Snapshot()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{settings.rel(path)}:{exc.lineno}: bad JSON: {exc.msg}") from exc
    entities = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entities, dict):
        raise InputError(f'{settings.rel(path)}: no "entities" object')
    bad = [key for key in entities if not QID.fullmatch(key)]
    if bad:
        raise InputError(f"{settings.rel(path)}: keys that are not QIDs: {', '.join(sorted(bad))}")
    return Snapshot({qid: Entry.from_json(qid, value) for qid, value in entities.items()})


def save(settings: Settings, snapshot: Snapshot) -> Path:
    """Write the snapshot deterministically (sorted, stable layout) so diffs stay readable."""
    path = snapshot_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(snapshot.to_json(), ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
    return path

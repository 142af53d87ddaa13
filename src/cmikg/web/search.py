"""Find entities by label, in English or Spanish, ignoring accents and case.

SPARQL has no accent folding, so the labels are fetched once per dataset version (a few
hundred rows) and matched here: "operacion milagro" finds "Operación Milagro", "haiti"
finds "Haití". Entities come before claims; an exact label before a prefix, a prefix
before words found anywhere in the label.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from cmikg.web.content import page_queries

_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


@dataclass
class Entry:
    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    is_claim: bool = False

    @property
    def label(self) -> str:
        return self.labels.get("en") or next(iter(self.labels.values()), self.iri)


@dataclass
class Hit:
    entry: Entry
    matched: str
    score: int


def _index() -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for row in page_queries.select("labels"):
        entry = entries.setdefault(row["entity"].value, Entry(row["entity"].value))
        label = row["label"]
        entry.labels.setdefault(label.lang or "en", label.value)
        if label.value not in entry.names:
            entry.names.append(label.value)
        if "class" in row:
            entry.classes.add(row["class"].value)
        entry.is_claim = entry.is_claim or ("isClaim" in row and row["isClaim"].value == "true")
    return entries


def index() -> dict[str, Entry]:
    return page_queries.cached("search-index", _index)


def score(query: str, label: str) -> int | None:
    """0 exact, 1 prefix, 2 every word starts a word, 3 every word inside; None: no match."""
    words, target = query.split(), fold(label)
    if not words:
        return None
    if target == query:
        return 0
    if target.startswith(query):
        return 1
    target_words = target.split()
    if all(any(t.startswith(w) for t in target_words) for w in words):
        return 2
    if all(w in target for w in words):
        return 3
    return None


def search(text: str, limit: int = 50) -> list[Hit]:
    """The best label match of every entity matching ``text``, best first."""
    query = fold(text)
    hits = []
    for entry in index().values():
        scored = [(s, label) for label in entry.names if (s := score(query, label)) is not None]
        if scored:
            best, matched = min(scored)
            hits.append(Hit(entry, matched, best))
    hits.sort(key=lambda h: (h.entry.is_claim, h.score, len(h.matched), h.entry.label, h.entry.iri))
    return hits[:limit]

"""The ontology's own words for its terms, and its hints on showing them, fetched once per
dataset version.

Pages print "number of personnel", "more than", "health worker" from the ontology's labels
rather than from strings in the code, so a new predicate, role or unit shows up readably
the moment it is added to ``ontology/cmi.ttl``. How a term is shown comes from the ontology
too (``queries/pages/display-hints.rq``): which properties a claim's card or an entity's
page shows apart, where a hedge puts the true figure, and the phrase, mark and order of
each link between claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cmikg.web.content import page_queries
from cmikg.web.links import short

#: Wikidata's time precision numbers (skos:notation of the cmi:TimePrecision terms).
PRECISION_DECADE, PRECISION_YEAR, PRECISION_MONTH, PRECISION_DAY = 8, 9, 10, 11


@dataclass
class Vocabulary:
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    notations: dict[str, str] = field(default_factory=dict)
    #: Properties the build derives as shortcuts (``cmi:derivedShortcut true``).
    shortcuts: set[str] = field(default_factory=set)
    #: Part of a page ("claim", "entity") → the properties it shows apart (``cmi:shownApart``).
    shown_apart: dict[str, set[str]] = field(default_factory=dict)
    #: Approximation → where the true figure lies: above, below, about, range, exact.
    hedges: dict[str, str] = field(default_factory=dict)
    #: Link between claims → the words printed between the two claims.
    phrases: dict[str, str] = field(default_factory=dict)
    #: Link between claims → the mark it puts on a claim's card ("contested", "tension").
    marks: dict[str, str] = field(default_factory=dict)
    #: Term → its place among the terms shown with it, lowest first.
    order: dict[str, int] = field(default_factory=dict)

    def label(self, iri: str, lang: str = "en") -> str:
        """The term's label in ``lang`` (English as fallback), else its prefixed name."""
        names = self.labels.get(iri, {})
        return names.get(lang) or names.get("en") or next(iter(names.values()), "") or short(iri)

    def apart(self, part: str) -> set[str]:
        """The properties ``part`` ("claim" or "entity") shows in a place of their own."""
        return self.shown_apart.get(part, set())

    def hedge(self, iri: str | None) -> str:
        """Where an approximation puts the true figure ("exact" for none or an unknown one)."""
        return self.hedges.get(iri or "", "exact")

    def claim_links(self) -> list[str]:
        """The properties linking two claims (those with a phrase), in display order."""
        return sorted(self.phrases, key=lambda iri: (self.order.get(iri, 0), iri))

    def precision(self, iri: str | None) -> int:
        """The Wikidata precision number of a cmi:TimePrecision term (year when unknown)."""
        try:
            return int(self.notations.get(iri or "", PRECISION_YEAR))
        except ValueError:
            return PRECISION_YEAR


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _load() -> Vocabulary:
    vocab = Vocabulary()
    for row in page_queries.select("vocabulary"):
        iri = row["term"].value
        label = row["label"]
        vocab.labels.setdefault(iri, {}).setdefault(label.lang or "en", label.value)
        if "notation" in row:
            vocab.notations[iri] = row["notation"].value
        if "shortcut" in row and row["shortcut"].value == "true":
            vocab.shortcuts.add(iri)
    for row in page_queries.select("display-hints"):
        term, hint, value = row["term"].value, local_name(row["hint"].value), row["value"].value
        if hint == "shownApart":
            vocab.shown_apart.setdefault(value, set()).add(term)
        elif hint == "hedgeDirection":
            vocab.hedges[term] = value
        elif hint == "relationPhrase" and row["value"].lang in ("en", ""):
            vocab.phrases[term] = value
        elif hint == "claimMark":
            vocab.marks[term] = value
        elif hint == "displayOrder":
            vocab.order[term] = int(value)
    return vocab


def vocabulary() -> Vocabulary:
    return page_queries.cached("vocabulary", _load)

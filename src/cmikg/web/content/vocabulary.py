"""The ontology's own words for its terms, fetched once per dataset version.

Pages print "number of personnel", "more than", "health worker" from the ontology's labels
rather than from strings in the code, so a new predicate, role or unit shows up readably
the moment it is added to ``ontology/cmi.ttl``.
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

    def label(self, iri: str, lang: str = "en") -> str:
        """The term's label in ``lang`` (English as fallback), else its prefixed name."""
        names = self.labels.get(iri, {})
        return names.get(lang) or names.get("en") or next(iter(names.values()), "") or short(iri)

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
    return vocab


def vocabulary() -> Vocabulary:
    return page_queries.cached("vocabulary", _load)

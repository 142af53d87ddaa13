"""The entities the service reconciles against, with their names, Wikidata items and facts.

Four queries in ``queries/reconcile/`` run through the guarded backend (so the service works
unchanged against an external store) once per dataset version, and the answer is kept in
memory. Its size is the dataset's, not the requests': every entity of the seven types (a few
hundred), their labels and aliases, and their property values and claims (under a thousand
rows), well inside the backend's row cap, which refuses rather than truncates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app

from cmikg import dist
from cmikg.iris import CMI, ID
from cmikg.reconcile.folding import fold
from cmikg.service.app import settings_of
from cmikg.web.content import page_queries
from cmikg.web.content.page_queries import Row, Term, text
from cmikg.web.links import entity_path

WIKIDATA_ITEM = "http://www.wikidata.org/entity/"
#: The property id under which an entity's Wikidata item (``owl:sameAs``) is matched and extended.
WIKIDATA = "wikidata"
QID = re.compile(r"Q[1-9][0-9]*")


@dataclass(frozen=True)
class Named:
    """A type or a property: its id (the ontology's local name), names and definition."""

    id: str
    name: str
    name_es: str = ""
    definition: str = ""

    def names(self) -> list[str]:
        return [n for n in (self.name, self.name_es, self.id) if n]


@dataclass(frozen=True)
class Value:
    """One value of a property on an entity: an IRI or a literal; a claim's hedge and bounds."""

    term: Term
    approximation: str = ""
    lower: str = ""
    upper: str = ""


@dataclass
class Candidate:
    id: str
    iri: str
    types: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    item: str = ""
    description: str = ""
    facts: dict[str, list[Value]] = field(default_factory=dict)
    folded: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.labels.get("en") or next(iter(self.labels.values()), self.id)

    def add_name(self, name: str, lang: str, alias: bool) -> None:
        if alias:
            if name not in self.aliases:
                self.aliases.append(name)
        else:
            self.labels.setdefault(lang or "en", name)
        if fold(name) not in self.folded:
            self.folded.append(fold(name))


@dataclass
class Index:
    types: dict[str, Named]
    properties: dict[str, Named]
    candidates: dict[str, Candidate]

    def by_iri(self, iri: str) -> Candidate | None:
        return self.candidates.get(entity_id(iri)) if iri.startswith(str(ID)) else None

    def properties_of(self, type_id: str | None) -> list[tuple[Named, int]]:
        """The properties entities of a type have, with how many of them have each, commonest first."""
        counts: dict[str, int] = {}
        for cand in self.candidates.values():
            if type_id is None or type_id in cand.types:
                for pid in set(cand.facts) | ({WIKIDATA} if cand.item else set()):
                    counts[pid] = counts.get(pid, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(self.properties[pid], n) for pid, n in ranked if pid in self.properties]


def entity_id(iri: str) -> str:
    """``country/ven`` for ``https://w3id.org/cmikg/id/country/ven``: the service's identifiers."""
    return entity_path(iri) or iri


def local_name(iri: str) -> str:
    return iri[len(str(CMI)) :] if iri.startswith(str(CMI)) else iri


def select(name: str) -> list[Row]:
    path = dist.queries_dir(settings_of(current_app).dist) / "reconcile" / f"{name}.rq"
    rows = page_queries.backend().select(path.read_text(encoding="utf-8"))
    return [{key: page_queries.term_from(value) for key, value in row.items()} for row in rows]


def index() -> Index:
    """The index of the served dataset version (built on first use after a new version)."""
    return page_queries.cached("reconcile-index", _build)


def _build() -> Index:
    types = {local_name(text(r, "type")): _named(r, "type") for r in select("types")}
    properties = {local_name(text(r, "property")): _named(r, "property") for r in select("properties")}
    properties[WIKIDATA] = Named(WIKIDATA, "Wikidata item", "elemento de Wikidata", "The entity's QID (owl:sameAs).")
    candidates: dict[str, Candidate] = {}
    for row in select("entities"):
        iri = text(row, "entity")
        cand = candidates.setdefault(entity_id(iri), Candidate(entity_id(iri), iri))
        cand.types.add(local_name(text(row, "type")))
        cand.add_name(text(row, "name"), row["name"].lang, text(row, "alias") == "true")
        cand.item = cand.item or text(row, "item").removeprefix(WIKIDATA_ITEM)
        cand.description = cand.description or text(row, "description")
    for row in select("facts"):
        owner = candidates.get(entity_id(text(row, "entity")))
        if owner is None or "value" not in row and "lower" not in row:
            continue
        value = Value(
            row.get("value") or Term("literal", ""),
            text(row, "approximation"),
            text(row, "lower"),
            text(row, "upper"),
        )
        values = owner.facts.setdefault(local_name(text(row, "property")), [])
        if value not in values:
            values.append(value)
    return Index(types, properties, candidates)


def _named(row: Row, key: str) -> Named:
    return Named(local_name(text(row, key)), text(row, "name"), text(row, "nameEs"), text(row, "definition"))


def same_number(given: str, value: str) -> bool:
    """Whether two numerals are the same number ("2500" and "2500.0")."""
    try:
        return Decimal(given) == Decimal(value)
    except ArithmeticError:
        return False

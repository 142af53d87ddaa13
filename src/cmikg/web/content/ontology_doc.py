"""The ontology's documentation page, generated from the ontology's own triples.

Classes are listed as a tree, properties with their domain and range (unions spelled out),
controlled terms by list; every term shows its English and Spanish labels, its definition
and its mappings (Wikidata first). Each term has an anchor named after its local name, so
the term IRI ``https://w3id.org/cmikg/ontology#Claim`` lands on its entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cmikg.iris import DCTERMS, ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS
from cmikg.web.content import page_queries
from cmikg.web.content.vocabulary import local_name

WIKIDATA = "http://www.wikidata.org/"
MATCHES = {str(SKOS.exactMatch): "exact match", str(SKOS.closeMatch): "close match"}
PROPERTY_KINDS = {
    str(OWL.ObjectProperty): "object property",
    str(OWL.DatatypeProperty): "datatype property",
    str(OWL.AnnotationProperty): "annotation property",
}
CHARACTERISTICS = {
    str(OWL.FunctionalProperty): "functional",
    str(OWL.TransitiveProperty): "transitive",
    str(OWL.SymmetricProperty): "symmetric",
}


@dataclass
class Term:
    iri: str
    props: dict[str, list[str]] = field(default_factory=dict)
    langs: dict[str, dict[str, str]] = field(default_factory=dict)
    unions: dict[str, list[str]] = field(default_factory=dict)
    children: list[Term] = field(default_factory=list)
    depth: int = 0

    @property
    def name(self) -> str:
        return local_name(self.iri)

    def all(self, prop) -> list[str]:
        return self.props.get(str(prop), [])

    def text(self, prop, lang: str = "en") -> str:
        by_lang = self.langs.get(str(prop), {})
        return by_lang.get(lang) or by_lang.get("") or ""

    def label(self, lang: str = "en") -> str:
        return self.text(RDFS.label, lang)

    @property
    def definition(self) -> str:
        return self.text(SKOS.definition)

    @property
    def notation(self) -> str:
        return self.text(SKOS.notation)

    @property
    def scope_note(self) -> str:
        """Why the term exists beside a similar one of another vocabulary, where it says."""
        return self.text(SKOS.scopeNote)

    @property
    def deprecated(self) -> bool:
        return self.text(OWL.deprecated) == "true"

    @property
    def replaced_by(self) -> list[str]:
        """The terms to use instead of a deprecated one (dcterms:isReplacedBy)."""
        return sorted(self.all(DCTERMS.isReplacedBy))

    @property
    def domain(self) -> list[str]:
        return self.targets(RDFS.domain)

    @property
    def range(self) -> list[str]:
        return self.targets(RDFS.range)

    @property
    def types(self) -> list[str]:
        return self.all(RDF.type)

    def targets(self, prop) -> list[str]:
        """Domain or range classes, a union spelled out as its members."""
        found = []
        for value in sorted(self.all(prop)):
            found.extend(sorted(self.unions.get(value, [value])))
        return found

    @property
    def parents(self) -> list[str]:
        return sorted(self.all(RDFS.subClassOf) or self.all(RDFS.subPropertyOf))

    @property
    def mappings(self) -> list[tuple[str, str]]:
        """(kind, IRI) pairs, Wikidata's first."""
        pairs = [
            (MATCHES.get(p, "same as" if p == str(OWL.sameAs) else "equivalent"), v)
            for p in (*MATCHES, str(OWL.sameAs), str(OWL.equivalentProperty), str(OWL.equivalentClass))
            for v in self.all(p)
        ]
        return sorted(pairs, key=lambda kv: (not kv[1].startswith(WIKIDATA), kv[1]))

    @property
    def characteristics(self) -> list[str]:
        return [CHARACTERISTICS[t] for t in self.types if t in CHARACTERISTICS]

    @property
    def kind(self) -> str:
        return next((PROPERTY_KINDS[t] for t in self.types if t in PROPERTY_KINDS), "")


@dataclass
class OntologyDoc:
    header: Term
    classes: list[Term]
    properties: dict[str, list[Term]]
    individuals: list[tuple[Term, list[Term]]]
    terms: dict[str, Term]

    def label(self, iri: str) -> str:
        term = self.terms.get(iri)
        return term.label() if term and term.label() else local_name(iri)

    def title(self, lang: str = "en") -> str:
        return self.header.text(DCTERMS.title, lang)

    @property
    def description(self) -> str:
        return self.header.text(DCTERMS.description)

    @property
    def notes(self) -> str:
        return self.header.text(RDFS.comment)

    @property
    def version(self) -> str:
        return self.header.text(OWL.versionInfo)

    @property
    def licence(self) -> str:
        return next(iter(self.header.all(DCTERMS.license)), "")

    @property
    def modified(self) -> str:
        return self.header.text(DCTERMS.modified)


def _terms() -> dict[str, Term]:
    terms: dict[str, Term] = {}
    for row in page_queries.select("ontology"):
        term = terms.setdefault(row["term"].value, Term(row["term"].value))
        prop, value = row["property"].value, row["value"]
        values = term.props.setdefault(prop, [])
        if value.value not in values:
            values.append(value.value)
        if value.is_literal:
            term.langs.setdefault(prop, {}).setdefault(value.lang, value.value)
        if "member" in row:
            members = term.unions.setdefault(value.value, [])
            if row["member"].value not in members:
                members.append(row["member"].value)
    return terms


def _class_tree(terms: dict[str, Term]) -> list[Term]:
    """Classes in depth-first order under their first project superclass, each with its depth."""
    classes = {iri: t for iri, t in terms.items() if str(OWL.Class) in t.types and iri != ONTOLOGY_IRI}
    roots: list[Term] = []
    for term in classes.values():
        parent = next((p for p in term.parents if p in classes), None)
        (classes[parent].children if parent else roots).append(term)
    ordered: list[Term] = []

    def walk(term: Term, depth: int) -> None:
        term.depth = depth
        ordered.append(term)
        for child in sorted(term.children, key=lambda t: t.name):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda t: t.name):
        walk(root, 0)
    return ordered


def _individuals(terms: dict[str, Term], classes: list[Term]) -> list[tuple[Term, list[Term]]]:
    groups = []
    for cls in classes:
        members = sorted((t for t in terms.values() if cls.iri in t.types), key=lambda t: t.name)
        if members:
            groups.append((cls, members))
    return groups


def _build() -> OntologyDoc:
    terms = _terms()
    classes = _class_tree(terms)
    properties: dict[str, list[Term]] = {kind: [] for kind in PROPERTY_KINDS.values()}
    for term in sorted(terms.values(), key=lambda t: t.name.lower()):
        if term.kind:
            properties[term.kind].append(term)
    header = terms.get(ONTOLOGY_IRI, Term(ONTOLOGY_IRI))
    return OntologyDoc(header, classes, properties, _individuals(terms, classes), terms)


def documentation() -> OntologyDoc:
    return page_queries.cached("ontology-doc", _build)

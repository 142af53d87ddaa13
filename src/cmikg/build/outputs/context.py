"""The JSON-LD ``@context``, generated from the ontology so it is never edited twice.

Keys are the ontology's local names ("hostCountry", "quantity"; "cmi:country" where a name
is also a prefix, so that "country:cub" keeps working); object properties are
typed ``@id`` so their values compact to prefixed IRIs; labels become language maps
(``"label": {"en": ..., "es": ...}``), which is how people read JSON.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

from cmikg.namespaces import CMI, OWL, PREFIXES, RDF, RDFS, XSD

_FIXED = {
    "id": "@id",
    "type": "@type",
    "label": {"@id": str(RDFS.label), "@container": "@language"},
    "comment": {"@id": str(RDFS.comment), "@container": "@language"},
    "sameAs": {"@id": str(OWL.sameAs), "@type": "@id"},
    "wasDerivedFrom": {"@id": "http://www.w3.org/ns/prov#wasDerivedFrom", "@type": "@id"},
}


def build_context(ontology: Graph) -> dict:
    """A compact, readable JSON-LD context for the whole dataset."""
    terms: dict[str, object] = {}
    for prefix, namespace in PREFIXES.items():
        terms[prefix] = namespace
    terms.update(_FIXED)
    for prop in sorted(ontology.subjects(RDF.type, OWL.ObjectProperty), key=str):
        if isinstance(prop, URIRef) and str(prop).startswith(str(CMI)):
            terms[_key(prop)] = {"@id": str(prop), "@type": "@id"}
    for prop in sorted(ontology.subjects(RDF.type, OWL.AnnotationProperty), key=str):
        if isinstance(prop, URIRef) and str(prop).startswith(str(CMI)):
            terms[_key(prop)] = {"@id": str(prop), "@type": "@id"}
    for prop in sorted(ontology.subjects(RDF.type, OWL.DatatypeProperty), key=str):
        if isinstance(prop, URIRef) and str(prop).startswith(str(CMI)):
            rng = ontology.value(prop, RDFS.range)
            entry: dict[str, str] = {"@id": str(prop)}
            if rng in (XSD.dateTime, XSD.anyURI):
                entry["@type"] = str(rng)
            terms[_key(prop)] = entry
    return {"@context": terms}


def _key(prop: URIRef) -> str:
    """A property's term: its local name, or ``cmi:name`` where the name is also a prefix.

    Five properties share their name with an entity prefix (cmi:country and ``country:``,
    likewise place, program, mission, event). A term defined as a property cannot serve as
    a prefix, so without this the prefixes were silently lost and entity IRIs compacted to
    full IRIs, while a hand-written ``"country:cub"`` expanded to a wrong IRI.
    """
    local = _local(prop)
    return f"cmi:{local}" if local in PREFIXES else local


def _local(iri: URIRef) -> str:
    return str(iri).split("#")[-1]

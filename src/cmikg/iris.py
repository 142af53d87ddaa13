"""The IRIs the project mints and the vocabularies it reuses, defined once, as plain strings.

Plain strings, because the server never needs rdflib: pyoxigraph parses, queries and
serialises everything it serves, and importing rdflib would add about 19 MiB to every process
of ``cmikg serve``. The build, which works on rdflib graphs, reads these same IRIs as rdflib
terms through :mod:`cmikg.namespaces`.
"""

from __future__ import annotations


class Vocabulary(str):
    """A namespace IRI whose attributes and items are the IRIs of its terms (plain ``str``).

    As with rdflib's ``Namespace``, a term named like a ``str`` method (``count``, ``index``)
    is reached with ``VOCAB["count"]``; ``title`` is a term, as there.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        return str(self) + name

    def __getitem__(self, name: str) -> str:  # type: ignore[override]
        return str(self) + name

    @property
    def title(self) -> str:  # type: ignore[override]
        return str(self) + "title"


BASE = "https://w3id.org/cmikg/"
CMI = Vocabulary(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ID = Vocabulary(BASE + "id/")
DATASET = ID["dataset"]
#: The graph of an external store that records which version of the dataset readers get.
POINTER_GRAPH = BASE + "graph"
WD = Vocabulary("http://www.wikidata.org/entity/")
WDT = Vocabulary("http://www.wikidata.org/prop/direct/")
VOID = Vocabulary("http://rdfs.org/ns/void#")
DCAT = Vocabulary("http://www.w3.org/ns/dcat#")
SH = Vocabulary("http://www.w3.org/ns/shacl#")
SCHEMA = Vocabulary("https://schema.org/")
RDF = Vocabulary("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Vocabulary("http://www.w3.org/2000/01/rdf-schema#")
OWL = Vocabulary("http://www.w3.org/2002/07/owl#")
XSD = Vocabulary("http://www.w3.org/2001/XMLSchema#")
SKOS = Vocabulary("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Vocabulary("http://purl.org/dc/terms/")
PROV = Vocabulary("http://www.w3.org/ns/prov#")

#: Prefixes bound in every serialisation, so that Turtle and JSON-LD read the same way.
_PREFIXED: dict[str, str] = {
    "cmi": CMI,
    "country": ID + "country/",
    "place": ID + "place/",
    "program": ID + "program/",
    "mission": ID + "mission/",
    "event": ID + "event/",
    "org": ID + "org/",
    "person": ID + "person/",
    "source": ID + "source/",
    "claim": ID + "claim/",
    "ref": ID + "reference/",
    "id": ID,
    "wd": WD,
    "wdt": WDT,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "void": VOID,
    "dcat": DCAT,
    "schema": SCHEMA,
}
PREFIXES: dict[str, str] = {prefix: str(iri) for prefix, iri in _PREFIXED.items()}

"""The IRIs the project mints and the vocabularies it reuses, defined once."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/cmikg/"
CMI = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")
DATASET = ID["dataset"]
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")

#: Prefixes bound in every serialisation, so that Turtle and JSON-LD read the same way.
PREFIXES: dict[str, str] = {
    "cmi": str(CMI),
    "country": str(ID) + "country/",
    "place": str(ID) + "place/",
    "program": str(ID) + "program/",
    "mission": str(ID) + "mission/",
    "event": str(ID) + "event/",
    "org": str(ID) + "org/",
    "person": str(ID) + "person/",
    "source": str(ID) + "source/",
    "claim": str(ID) + "claim/",
    "ref": str(ID) + "reference/",
    "id": str(ID),
    "wd": str(WD),
    "wdt": str(WDT),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "void": str(VOID),
    "dcat": str(DCAT),
    "schema": str(SCHEMA),
}

__all__ = [
    "BASE",
    "CMI",
    "ONTOLOGY_IRI",
    "ID",
    "DATASET",
    "WD",
    "WDT",
    "VOID",
    "DCAT",
    "SH",
    "SCHEMA",
    "PREFIXES",
    "RDF",
    "RDFS",
    "OWL",
    "XSD",
    "SKOS",
    "DCTERMS",
    "PROV",
]

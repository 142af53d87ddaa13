"""The project's IRIs (:mod:`cmikg.iris`) as rdflib terms, for the code that builds rdflib graphs."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from cmikg import iris
from cmikg.iris import BASE, ONTOLOGY_IRI, PREFIXES

CMI = Namespace(iris.CMI)
ID = Namespace(iris.ID)
DATASET = URIRef(iris.DATASET)
WD = Namespace(iris.WD)
WDT = Namespace(iris.WDT)
VOID = Namespace(iris.VOID)
DCAT = Namespace(iris.DCAT)
SH = Namespace(iris.SH)
SCHEMA = Namespace(iris.SCHEMA)

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

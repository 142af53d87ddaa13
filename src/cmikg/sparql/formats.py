"""Every format the project reads, writes or serves, in one table: media type, file suffix,
names of the ``format`` parameter, the media types clients use for it, rdflib's name.

The build, ``cmikg export``, content negotiation, the pages, the query files, Linked Data,
the dataset page and the Service Description all look formats up here; a format is added
by adding one row. The groups below are the choices each place offers, in the order that
breaks ties in negotiation (the first is the default).

This module imports nothing beyond the standard library, so any layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    media_type: str
    label: str
    suffix: str  # the file suffix, without its dot
    names: tuple[str, ...] = ()  # values of the ``format`` parameter
    aliases: tuple[str, ...] = ()  # other media types a client may ask for
    rdflib: str = ""  # rdflib's name of the serialisation, for RDF formats ("" for result formats)
    text: bool = True  # sent with "; charset=utf-8" (JSON is UTF-8 by definition)
    compressible: bool = True  # worth gzip on the wire

    @property
    def content_type(self) -> str:
        charset = "; charset=utf-8" if self.text and not self.media_type.endswith("json") else ""
        return self.media_type + charset

    def accepts(self, media_type: str) -> bool:
        return media_type == self.media_type or media_type in self.aliases


# --- the table --------------------------------------------------------------------------------

SPARQL_JSON = Format("application/sparql-results+json", "SPARQL JSON", "json", ("json", "srj"), ("application/json",))
SPARQL_XML = Format(
    "application/sparql-results+xml", "SPARQL XML", "srx", ("xml", "srx"), ("application/xml", "text/xml")
)
CSV = Format("text/csv", "CSV", "csv", ("csv",))
TSV = Format("text/tab-separated-values", "TSV", "tsv", ("tsv",))
TURTLE = Format("text/turtle", "Turtle", "ttl", ("turtle", "ttl", "n3"), ("application/x-turtle", "text/n3"), "turtle")
#: rdflib asks for N-Triples as text/plain, the type N-Triples had before it was registered.
NTRIPLES = Format("application/n-triples", "N-Triples", "nt", ("ntriples", "nt", "n-triples"), ("text/plain",), "nt")
JSONLD = Format(
    "application/ld+json", "JSON-LD", "jsonld", ("jsonld", "json-ld", "json"), ("application/json",), "json-ld"
)
RDFXML = Format(
    "application/rdf+xml",
    "RDF/XML",
    "rdf",
    ("rdfxml", "rdf", "rdf+xml", "xml"),
    ("application/xml", "text/xml"),
    "xml",
)
#: The ontology's RDF/XML file is named ``.owl``, as OWL tools expect.
OWL_XML = Format("application/rdf+xml", "RDF/XML (OWL)", "owl", rdflib="xml")
HTML = Format("text/html", "HTML", "html", ("html",), ("application/xhtml+xml",))
SPARQL_QUERY = Format("application/sparql-query", "SPARQL query", "rq")
JSON = Format("application/json", "JSON", "json")
SQLITE = Format("application/vnd.sqlite3", "SQLite", "sqlite", text=False, compressible=False)
TEXT = Format("text/plain", "plain text", "txt")
SVG = Format("image/svg+xml", "SVG", "svg")
JAVASCRIPT = Format("application/javascript", "JavaScript", "js")
XML = Format("application/xml", "XML", "xml")
OCTETS = Format("application/octet-stream", "bytes", "", text=False, compressible=False)

ALL = (
    SPARQL_JSON,
    SPARQL_XML,
    CSV,
    TSV,
    TURTLE,
    NTRIPLES,
    JSONLD,
    RDFXML,
    OWL_XML,
    HTML,
    SPARQL_QUERY,
    JSON,
    SQLITE,
    TEXT,
    SVG,
    JAVASCRIPT,
    XML,
    OCTETS,
)

# --- the choices each place offers ------------------------------------------------------------

#: Answers of SELECT and ASK queries.
RESULT_FORMATS = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: Answers of CONSTRUCT and DESCRIBE queries, and RDF documents (service description, VoID).
GRAPH_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDFXML)
#: Every document about an entity or the ontology: HTML for people, RDF for programs.
DOCUMENT_FORMATS = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
#: The dumps of the whole graph the build writes, in the order ``cmikg export`` lists them.
DUMP_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDFXML)
#: ``/queries/NAME.<suffix>``: a gallery query's text, and its answer.
QUERY_FILE_FORMATS = (SPARQL_QUERY, CSV, SPARQL_JSON, TSV)
#: Downloads offered under an answer on the query page.
QUERY_PAGE_DOWNLOADS = (CSV, SPARQL_JSON, NTRIPLES, TURTLE)
#: What a response's media type must start with to be gzipped.
COMPRESSIBLE = tuple(sorted({f.media_type for f in ALL if f.compressible} | {"text/", "application/sparql-results"}))


def by_suffix(formats: tuple[Format, ...], suffix: str) -> Format | None:
    """The format of ``formats`` a file suffix (without its dot) names, or None."""
    return next((f for f in formats if f.suffix == suffix), None)


def by_media_type(media_type: str, formats: tuple[Format, ...] = ALL) -> Format | None:
    """The format a media type (parameters such as charset ignored) names, or None."""
    bare = media_type.split(";")[0].strip().lower()
    return next((f for f in formats if f.media_type == bare), None)


def of_file(name: str) -> Format:
    """The format of a file, by its suffix; bytes when the suffix is not known."""
    suffix = name.rpartition(".")[2] if "." in name else ""
    for group in (DOCUMENT_FORMATS, (OWL_XML, JSON, CSV, TSV, SQLITE, SPARQL_QUERY, SVG, JAVASCRIPT)):
        found = by_suffix(group, suffix)
        if found is not None:
            return found
    return TEXT if not suffix else OCTETS


def content_type(media_type: str) -> str:
    """A media type with ``; charset=utf-8`` where the table says it is text."""
    if "charset" in media_type:
        return media_type
    fmt = by_media_type(media_type)
    return fmt.content_type if fmt is not None else media_type

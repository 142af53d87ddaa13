"""The manifest of ``dist/``: every file and folder the build writes, what it is, and who reads it.

The build's writer, ``cmikg export``, the publisher, the service, the downloads on the
dataset page and the VoID and DCAT distributions all read this table, so a file is added,
renamed or described in one place. ``dist/`` is self-contained: besides the data it holds
everything the service reads at run time (the queries and the source texts), so a copy of
``dist/`` alone can be served, from any folder.

Imports only the format table, so any layer (build, service, command line) may use it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cmikg.sparql import formats
from cmikg.sparql.formats import Format


@dataclass(frozen=True)
class DistFile:
    """One file of ``dist/`` (``name`` may be a pattern, as for the tables)."""

    name: str
    format: Format
    role: str  # dump, ontology, context, description, report, table, wikidata, search, checksums
    description: str
    download: bool = True  # served under /download/ and listed on the dataset page
    checksummed: bool = True  # listed in SHA256SUMS

    @property
    def media_type(self) -> str:
        return self.format.media_type

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.name)


@dataclass(frozen=True)
class DistFolder:
    """A folder of the checkout copied whole into ``dist/`` because the service reads it."""

    name: str  # inside dist/
    checkout: str  # where it comes from, relative to the project root
    description: str


CHECKSUMS = "SHA256SUMS"
DUMP_NT = "cmikg.nt"
BUILD_REPORT = "build-report.json"
CONTEXT = "context.jsonld"
VOID = "void.ttl"
ONTOLOGY_TTL = "ontology.ttl"
ONTOLOGY_OWL = "ontology.owl"
WIKIDATA_SNAPSHOT = "wikidata-snapshot.json"
SEARCH_INDEX = "search.sqlite"
QUICKSTATEMENTS = "quickstatements.txt"
QUICKSTATEMENTS_DETAIL = "quickstatements.json"
DATAPACKAGE = "datapackage.json"
SQLITE = "cmikg.sqlite"

#: The dumps of the whole graph, one per format of :data:`cmikg.sparql.formats.DUMP_FORMATS`.
DUMPS = {
    formats.TURTLE: "cmikg.ttl",
    formats.NTRIPLES: DUMP_NT,
    formats.JSONLD: "cmikg.jsonld",
    formats.RDFXML: "cmikg.rdf",
}

FILES = (
    DistFile(
        DUMP_NT,
        formats.NTRIPLES,
        "dump",
        "the whole graph (ontology and data) as canonical N-Triples; its SHA-256 identifies the dataset",
    ),
    DistFile(DUMPS[formats.TURTLE], formats.TURTLE, "dump", "the whole graph as Turtle"),
    DistFile(DUMPS[formats.JSONLD], formats.JSONLD, "dump", "the whole graph as compact JSON-LD"),
    DistFile(DUMPS[formats.RDFXML], formats.RDFXML, "dump", "the whole graph as RDF/XML"),
    DistFile(CONTEXT, formats.JSONLD, "context", "the JSON-LD @context generated from the ontology"),
    DistFile(ONTOLOGY_TTL, formats.TURTLE, "ontology", "the ontology as edited (Turtle)"),
    DistFile(ONTOLOGY_OWL, formats.OWL_XML, "ontology", "the ontology as RDF/XML (OWL)"),
    DistFile(VOID, formats.TURTLE, "description", "VoID description: version, licence, counts, SHA-256 of cmikg.nt"),
    DistFile(
        BUILD_REPORT, formats.JSON, "report", "the build's checks, counts per class and coverage of the source text"
    ),
    DistFile(
        DATAPACKAGE,
        formats.JSON,
        "table",
        "the tables below as a Frictionless Data Package: each table's columns, types and keys",
    ),
    DistFile(SQLITE, formats.SQLITE, "table", "the same tables in one SQLite database, with their keys"),
    DistFile(
        WIKIDATA_SNAPSHOT,
        formats.JSON,
        "wikidata",
        "what Wikidata said about each linked item when the snapshot was taken",
    ),
    DistFile(QUICKSTATEMENTS, formats.TEXT, "wikidata", "QuickStatements commands for claims about linked entities"),
    DistFile(QUICKSTATEMENTS_DETAIL, formats.JSON, "wikidata", "each QuickStatements command with the claim behind it"),
    DistFile(SEARCH_INDEX, formats.SQLITE, "search", "the full-text index of labels and quotes the search page reads"),
    #: Tables are described in the data package (``queries/tables/datapackage.json``).
    DistFile("*.csv", formats.CSV, "table", "table"),
    DistFile(
        CHECKSUMS,
        formats.TEXT,
        "checksums",
        "SHA-256 checksums of every file above (sha256sum -c SHA256SUMS)",
        checksummed=False,
    ),
)

#: Folders the service reads, copied from the checkout by the build.
QUERIES = DistFolder("queries", "queries", "the gallery's queries and those behind the pages and reconciliation")
SOURCES = DistFolder("sources", "graph/sources", "the source texts the graph quotes, shown on the source text page")
FOLDERS = (QUERIES, SOURCES)


def entry(name: str) -> DistFile | None:
    """The manifest's entry for a file of ``dist/``, or None when the build does not write it."""
    return next((f for f in FILES if f.matches(name)), None)


def media_type(name: str) -> str:
    found = entry(name)
    return found.media_type if found is not None else formats.of_file(name).media_type


def description(name: str) -> str:
    found = entry(name)
    return found.description if found is not None and found.name == name else ""


def checksummed(name: str) -> bool:
    found = entry(name)
    return found is not None and found.checksummed


def downloadable(name: str) -> bool:
    found = entry(name)
    return found is not None and found.download


def distributions() -> list[DistFile]:
    """The downloads with a fixed name, for the DCAT distributions of the VoID description
    (tables are described, each with its own resource, in the data package)."""
    return [f for f in FILES if f.download and f.checksummed and "*" not in f.name]


def dump(fmt: Format) -> str:
    """The file holding the whole graph in ``fmt``."""
    return DUMPS[fmt]


def queries_dir(dist: Path) -> Path:
    """The queries the service runs: the build's copy, never the checkout's."""
    return Path(dist) / QUERIES.name


def shipped_file(dist: Path, recorded: str) -> Path | None:
    """Where a file the graph records by its path in the checkout (``graph/sources/x.txt``)
    is in ``dist/``; None when it is outside every copied folder or tries to leave it."""
    parts = PurePosixPath(recorded).parts
    if ".." in parts:
        return None
    for folder in FOLDERS:
        prefix = PurePosixPath(folder.checkout).parts
        if parts[: len(prefix)] == prefix and len(parts) > len(prefix):
            return Path(dist, folder.name, *parts[len(prefix) :])
    return None

"""What the dataset page and the footer say about the dataset: licence, version, counts, dumps.

The description comes from the graph (``graph/dataset.ttl`` through the backend); the list
of downloads, their sizes and checksums from the built ``dist/SHA256SUMS``, which is what a
client will verify a download against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cmikg.config import Settings
from cmikg.web.content import page_queries
from cmikg.web.content.page_queries import text

CHECKSUMS = "SHA256SUMS"

#: Media types of the files ``cmikg build`` writes, by suffix.
MEDIA_TYPES = {
    ".nt": "application/n-triples",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".json": "application/json",
    ".csv": "text/csv",
    ".sqlite": "application/vnd.sqlite3",
    "": "text/plain",
}

#: What each file of the build is, for the download table.
DESCRIPTIONS = {
    "cmikg.nt": "the whole graph (ontology and data) as canonical N-Triples; its SHA-256 identifies the dataset",
    "cmikg.ttl": "the whole graph as Turtle",
    "cmikg.jsonld": "the whole graph as compact JSON-LD",
    "cmikg.rdf": "the whole graph as RDF/XML",
    "context.jsonld": "the JSON-LD @context generated from the ontology",
    "ontology.ttl": "the ontology as edited (Turtle)",
    "ontology.owl": "the ontology as RDF/XML (OWL)",
    "void.ttl": "VoID description: version, licence, counts, SHA-256 of cmikg.nt",
    "build-report.json": "the build's checks, counts per class and coverage of the source text",
    "datapackage.json": "the tables below as a Frictionless Data Package: each table's columns, types and keys",
    "claims.csv": "table: one row per claim (subject, predicate, value, unit, hedge, bounds, time, role)",
    "claim_entities.csv": "table: each claim's places, events, claimants and the entities it involves",
    "references.csv": "table: one row per reference, with its source, source kind, quote and offsets",
    "entities.csv": "table: every entity with its class, English and Spanish labels and Wikidata QID",
    "sources.csv": "table: one row per source, with its kind, country and authors",
    "disagreements.csv": "table: pairs of claims that disagree, with how",
    "wikidata-snapshot.json": "what Wikidata said about each linked item when the snapshot was taken",
    "cmikg.sqlite": "the same tables in one SQLite database, with their keys",
    CHECKSUMS: "SHA-256 checksums of every file above (sha256sum -c SHA256SUMS)",
}

_CC = re.compile(r"creativecommons\.org/licenses/([a-z-]+)/([\d.]+)")


@dataclass
class About:
    iri: str = ""
    title: str = ""
    description: str = ""
    comment: str = ""
    licence: str = ""
    version: str = ""
    source_iri: str = ""
    source_label: str = ""
    source_url: str = ""
    source_licence: str = ""

    @property
    def licence_name(self) -> str:
        return licence_name(self.licence)

    @property
    def source_licence_name(self) -> str:
        return licence_name(self.source_licence)


@dataclass
class Download:
    name: str
    size: int
    sha256: str
    media_type: str
    description: str


def licence_name(iri: str) -> str:
    """ "CC BY-SA 4.0" for a Creative Commons licence IRI; the IRI itself otherwise."""
    found = _CC.search(iri or "")
    return f"CC {found.group(1).upper()} {found.group(2)}" if found else iri


def _about() -> About:
    rows = page_queries.select("dataset")
    if not rows:
        return About()
    r = rows[0]
    return About(
        text(r, "dataset"),
        text(r, "title"),
        text(r, "description"),
        text(r, "comment"),
        text(r, "licence"),
        text(r, "version"),
        text(r, "source"),
        text(r, "sourceLabel"),
        text(r, "sourceUrl"),
        text(r, "sourceLicence"),
    )


def about() -> About:
    return page_queries.cached("dataset-about", _about)


def checksums(settings: Settings) -> dict[str, str]:
    """File name → SHA-256, as ``dist/SHA256SUMS`` lists them ({} before the first build)."""
    path = settings.dist / CHECKSUMS
    if not path.is_file():
        return {}
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if digest and name:
            sums[name.strip().lstrip("*")] = digest.strip()
    return sums


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


def downloads(settings: Settings) -> list[Download]:
    """Every file of the build that SHA256SUMS lists, then SHA256SUMS itself."""
    files = []
    for name, digest in checksums(settings).items():
        path = settings.dist / name
        if path.is_file():
            files.append(Download(name, path.stat().st_size, digest, media_type(name), DESCRIPTIONS.get(name, "")))
    listing = settings.dist / CHECKSUMS
    if listing.is_file():
        files.append(Download(CHECKSUMS, listing.stat().st_size, "", "text/plain", DESCRIPTIONS[CHECKSUMS]))
    return files


def class_counts() -> list[tuple[str, str, int]]:
    return [
        (r["class"].value, text(r, "classLabel"), int(r["count"].value)) for r in page_queries.select("dataset-counts")
    ]

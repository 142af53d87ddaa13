"""What the dataset page and the footer say about the dataset: licence, version, counts, dumps.

The description comes from the graph (``graph/dataset.ttl`` through the backend); the list
of downloads, their sizes and checksums from the built ``dist/SHA256SUMS``, which is what a
client will verify a download against.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cmikg import dist
from cmikg.config import Settings
from cmikg.web.content import page_queries
from cmikg.web.content.page_queries import text

CHECKSUMS = dist.CHECKSUMS

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
    return dist.media_type(name)


def table_descriptions(settings: Settings) -> dict[str, str]:
    """File name → description of each table, as the built data package states it."""
    path = settings.dist / dist.DATAPACKAGE
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {r["path"]: "table: " + r.get("description", r.get("title", "")) for r in package.get("resources", [])}


def describe(name: str, tables: dict[str, str]) -> str:
    return dist.description(name) or tables.get(name, "")


def downloads(settings: Settings) -> list[Download]:
    """Every file of the build that SHA256SUMS lists and the manifest offers, then SHA256SUMS itself."""
    files = []
    tables = table_descriptions(settings)
    for name, digest in checksums(settings).items():
        path = settings.dist / name
        if path.is_file() and dist.downloadable(name):
            files.append(Download(name, path.stat().st_size, digest, media_type(name), describe(name, tables)))
    listing = settings.dist / CHECKSUMS
    if listing.is_file():
        files.append(Download(CHECKSUMS, listing.stat().st_size, "", media_type(CHECKSUMS), describe(CHECKSUMS, {})))
    return files


def class_counts() -> list[tuple[str, str, int]]:
    return [
        (r["class"].value, text(r, "classLabel"), int(r["count"].value)) for r in page_queries.select("dataset-counts")
    ]

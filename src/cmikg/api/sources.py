"""Where the API's answers come from: the built dataset in process, or a SPARQL endpoint.

Both answer a query with SPARQL JSON results, so everything above them is shared. The
embedded dataset is looked for first inside the installed package (``cmikg/data/``, put
there when the wheel is built), then in the ``dist/`` of the checkout the code runs in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cmikg import dist as manifest
from cmikg.errors import CmikgError

#: The dataset and the queries shipped inside the installed package.
PACKAGED = Path(__file__).resolve().parent.parent / "data"


class DatasetNotFound(CmikgError):
    """Neither the installed package nor a checkout holds a built dataset."""


class Source(Protocol):
    """Something that answers SPARQL with SPARQL JSON results."""

    description: str

    def results(self, sparql: str) -> dict: ...


@dataclass(frozen=True)
class Layout:
    """The two folders the API reads: the built dataset and the queries."""

    dist: Path
    queries: Path


def packaged_layout() -> Layout | None:
    if (PACKAGED / "dist" / manifest.DUMP_NT).is_file():
        return Layout(PACKAGED / "dist", PACKAGED / "queries")
    return None


def find_layout(dist: Path | None = None) -> Layout:
    """The dataset to open: ``dist`` if given, else the packaged one, else the checkout's ``dist/``."""
    if dist is not None:
        dist = Path(dist)
        if not (dist / manifest.DUMP_NT).is_file():
            raise DatasetNotFound(f"{dist}: no cmikg.nt in it; give the dist/ folder that `cmikg build` wrote")
        own = manifest.queries_dir(dist)  # the build's copy of queries/
        if own.is_dir():
            return Layout(dist, own)
        return Layout(dist, dist.parent / "queries" if (dist.parent / "queries").is_dir() else shipped_queries())
    packaged = packaged_layout()
    if packaged:
        return packaged
    from cmikg.config import ProjectNotFound, Settings

    try:
        settings = Settings.discover()
    except ProjectNotFound as exc:
        raise DatasetNotFound(f"no dataset in the installed package and {exc}") from exc
    if not settings.dataset_file.is_file():
        raise DatasetNotFound(f"{settings.dataset_file}: not built yet; run `cmikg build` first")
    return Layout(settings.dist, settings.queries_dir)


def shipped_queries() -> Path:
    """The queries the API asks: the installed package's, else those of the checkout in use."""
    packaged = packaged_layout()
    if packaged:
        return packaged.queries
    from cmikg.config import ProjectNotFound, Settings

    try:
        return Settings.discover().queries_dir
    except ProjectNotFound as exc:
        raise DatasetNotFound(f"no queries in the installed package and {exc}") from exc


class Embedded:
    """The built dataset, loaded into an in-memory Oxigraph store (well under a second)."""

    def __init__(self, layout: Layout):
        from cmikg.engines.store import EmbeddedStore

        self.store = EmbeddedStore.load(layout.dist / manifest.DUMP_NT)
        self.description = f"embedded dataset from {layout.dist}"

    def results(self, sparql: str) -> dict:
        import pyoxigraph as ox

        try:
            answer = self.store.query(sparql)
        except SyntaxError as exc:
            raise CmikgError(f"the query is not valid SPARQL: {exc}") from exc
        if isinstance(answer, ox.QueryBoolean):
            return {"head": {}, "boolean": bool(answer)}
        if isinstance(answer, ox.QueryTriples):
            raise CmikgError("kg.query answers SELECT and ASK queries; send CONSTRUCT or DESCRIBE to an endpoint")
        return json.loads(answer.serialize(format=ox.QueryResultsFormat.JSON))


class Remote:
    """A SPARQL 1.1 endpoint, through the project's one HTTP SPARQL client."""

    def __init__(self, url: str, timeout: float = 60.0):
        from cmikg.sparqlclient import StoreClient, check_iri

        self.client = StoreClient(query_url=check_iri(url, "endpoint"), timeout=timeout)
        self.description = f"SPARQL endpoint {url}"

    def results(self, sparql: str) -> dict:
        from cmikg.sparqlclient import SPARQL_JSON, NotAStore

        answer = self.client.query(sparql, accept=SPARQL_JSON)
        try:
            results = json.loads(answer.body)
        except ValueError as exc:
            raise NotAStore(f"{self.client.query_url} answered {answer.media_type}, not SPARQL JSON results") from exc
        if "boolean" not in results and "results" not in results:
            raise CmikgError("kg.query answers SELECT and ASK queries; send CONSTRUCT or DESCRIBE to an endpoint")
        return results

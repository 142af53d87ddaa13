"""The default backend: the built dataset in pyoxigraph (worker pool to come)."""

from __future__ import annotations

import json
from typing import Iterable

import pyoxigraph as ox

from cmikg.config import Settings
from cmikg.service.backend import QueryBackend, QuerySyntax, Result
from cmikg.store import EmbeddedStore


class EmbeddedBackend(QueryBackend):
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = EmbeddedStore.load(settings.dataset_file)

    def run(self, query: str, media_type: str, default_graph_uris: Iterable[str] = (),
            named_graph_uris: Iterable[str] = ()) -> Result:
        try:
            result = self.store.query(query)
        except SyntaxError as exc:
            raise QuerySyntax(str(exc)) from exc
        fmt = ox.QueryResultsFormat.from_media_type(media_type)
        return Result(result.serialize(format=fmt), media_type)

    def select(self, query: str) -> list[dict[str, dict]]:
        body = self.run(query, "application/sparql-results+json").body
        return json.loads(body)["results"]["bindings"]

    def triple_count(self) -> int:
        return len(self.store)

    def version(self) -> str:
        return "unversioned"

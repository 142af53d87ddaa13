"""Checks applied to the query text before any backend sees it (filled in below)."""

from __future__ import annotations

from typing import Iterable

from cmikg.config import Settings
from cmikg.service.backend import QueryBackend, Result


class GuardedBackend(QueryBackend):
    """Wraps any backend so every route gets the same safety checks."""

    def __init__(self, inner: QueryBackend, settings: Settings):
        self.inner = inner
        self.settings = settings

    def run(self, query: str, media_type: str, default_graph_uris: Iterable[str] = (),
            named_graph_uris: Iterable[str] = ()) -> Result:
        return self.inner.run(query, media_type, default_graph_uris, named_graph_uris)

    def select(self, query: str) -> list[dict[str, dict]]:
        return self.inner.select(query)

    def triple_count(self) -> int:
        return self.inner.triple_count()

    def version(self) -> str:
        return self.inner.version()

    def close(self) -> None:
        self.inner.close()

"""The guard every backend sits behind: each query is read once, checked, and the engine
receives the canonical text of that reading (with allowed SERVICE calls answered).

:class:`GuardedBackend` wraps whichever backend serves the data (embedded workers, a
remote store), so every route, the pages included, gets the same refusals. Readings are
kept in a cache bounded in bytes (:mod:`cmikg.cache`) from a text's second request on: a
page's queries are read twice per process, a query sent once is never kept, and a client's
megabyte-long queries are read each time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cmikg.cache import BoundedCache
from cmikg.config import Settings
from cmikg.engines.backend import QueryBackend, QueryRefused, QuerySyntax, Result
from cmikg.engines.rows import count_rows, too_many_rows
from cmikg.guard.allowlist import check_services
from cmikg.guard.lexer import position
from cmikg.guard.reading import QueryReading, read_query

#: Readings of query texts asked for more than once, per HTTP worker process; a reading
#: over 256 KiB is never kept.
READINGS: BoundedCache[QueryReading] = BoundedCache(
    "query readings", max_bytes=16 << 20, max_entries=4096, max_item_bytes=256 << 10, keep_repeats_only=True
)
_ENGINE_POSITION = re.compile(r"error at (\d+):(\d+)")


def read(query: str) -> QueryReading:
    """The reading of a query text (cached: the same text always reads the same).

    The reading is kept under its canonical text as well, which is what the engine is
    handed: an engine that asks for the reading of that text (the query's form) then finds
    it here instead of reading the query a second time."""
    found = READINGS.get("", query)
    if found is not None:
        return found
    reading = READINGS.put("", query, read_query(query))
    if reading.text != query:
        READINGS.put("", reading.text, reading)
    return reading


def checked(query: str, settings: Settings) -> QueryReading:
    """The reading of a query that passed every check on its text (updates, limits, SERVICE targets)."""
    reading = read(query)
    check_services(reading, settings)
    return reading


class GuardedBackend(QueryBackend):
    """Any backend behind the checks; the app wraps every backend in one."""

    def __init__(self, inner: QueryBackend, settings: Settings):
        self.inner = inner
        self.settings = settings
        self.caps_rows = True

    def prepare(self, query: str | QueryReading) -> tuple[QueryReading, str]:
        """The reading and the text the engine will see: canonical, with SERVICE calls answered."""
        reading = checked(query, self.settings) if isinstance(query, str) else query
        if not reading.services:
            return reading, reading.text
        from cmikg.guard.federation import answer_services

        inlined = read_query(answer_services(reading, self.settings), max_tokens=None, limits=False)
        if inlined.services:  # the remote answer must not add any
            raise QueryRefused("a SERVICE answer could not be inlined safely")
        return reading, inlined.text

    def run(
        self,
        query: str | QueryReading,
        media_type: str,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        form: str = "",
    ) -> Result:
        reading, text = self.prepare(query)
        try:
            result = self.inner.run(text, media_type, tuple(default_graph_uris), tuple(named_graph_uris), reading.form)
        except QuerySyntax as exc:
            raise QuerySyntax(located(str(exc), reading)) from None
        if not self.inner.caps_rows and count_rows(result) > self.settings.max_rows:
            raise too_many_rows(self.settings.max_rows)
        return result

    def select(self, query: str) -> list[dict[str, dict]]:
        reading, text = self.prepare(query)
        try:
            rows = self.inner.select(text)
        except QuerySyntax as exc:
            raise QuerySyntax(located(str(exc), reading)) from None
        if len(rows) > self.settings.max_rows:
            raise too_many_rows(self.settings.max_rows)
        return rows

    def triple_count(self) -> int:
        return self.inner.triple_count()

    def version(self) -> str:
        return self.inner.version()

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str):
        # extras of the wrapped backend (load time, dataset digest, worker stats)
        return getattr(self.inner, name)


def located(message: str, reading: QueryReading) -> str:
    """The engine's ``error at 1:C`` (a column of the canonical text) as a line and column
    of the client's own text."""
    found = _ENGINE_POSITION.search(message)
    if not found or found.group(1) != "1":
        return message
    where = position(reading.source, reading.origin(int(found.group(2))))
    line, _, column = where.removeprefix("line ").partition(", column ")
    return message[: found.start()] + f"error at {line}:{column}" + message[found.end() :]

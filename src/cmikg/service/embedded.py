"""The default backend: the built dataset in pyoxigraph, evaluated in long-lived worker processes.

The store is loaded once (in gunicorn's master when serving) and every query runs in a
worker of :mod:`cmikg.service.executor`, which serialises the answer with pyoxigraph
itself and hands back finished bytes. The row cap is enforced while serialising, so an
answer over the cap is refused whole, never sent cut short.
"""

from __future__ import annotations

import gc
import hashlib
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from cmikg.config import Settings
from cmikg.namespaces import PREFIXES
from cmikg.service.backend import (BackendUnavailable, NotAcceptable, QueryBackend, QuerySyntax, Result)
from cmikg.service.executor import WorkerPool
from cmikg.service.safety import too_many_rows
from cmikg.store import EmbeddedStore

SPARQL_JSON = "application/sparql-results+json"

#: The fewest bytes one row (or triple) can take in each format: an answer shorter than
#: ``max_rows`` times this cannot be over the cap, so it needs no counting.
MIN_ROW_BYTES = {ox.QueryResultsFormat.JSON: 3, ox.QueryResultsFormat.XML: 17, ox.QueryResultsFormat.CSV: 2}
MIN_TRIPLE_BYTES = 2


@dataclass(frozen=True)
class DatasetInfo:
    """What identifies the served data: the build's version and the dump's SHA-256."""

    version: str
    sha256: str
    triples: int
    modified: float
    load_seconds: float

    @classmethod
    def read(cls, settings: Settings, store: EmbeddedStore) -> "DatasetInfo":
        report_file = settings.dist / "build-report.json"
        report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.is_file() else {}
        digest = report.get("sha256_ntriples") or _sha256(settings.dataset_file)
        return cls(str(report.get("version", "unversioned")), digest, len(store),
                   settings.dataset_file.stat().st_mtime, store.load_seconds)


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class EmbeddedBackend(QueryBackend):
    """pyoxigraph in memory, loaded from ``dist/cmikg.nt``, queried through worker processes."""

    caps_rows = True

    def __init__(self, settings: Settings, pool_size: int = 4, sandbox: bool = True):
        self.settings = settings
        store = EmbeddedStore.load(settings.dataset_file)
        self.dataset = DatasetInfo.read(settings, store)
        self.pool = WorkerPool(partial(evaluate, store.store), size=pool_size, sandbox=sandbox)
        # Objects created so far never change: keep the collector from touching (and so
        # copying) their pages in every forked process.
        gc.freeze()

    def start_workers(self) -> None:
        self.pool.start()

    def run(self, query: str, media_type: str, default_graph_uris: Iterable[str] = (),
            named_graph_uris: Iterable[str] = ()) -> Result:
        job = (query, media_type, tuple(default_graph_uris), tuple(named_graph_uris), self.settings.max_rows)
        kind, payload = self.pool.call(job, self.settings.query_timeout)
        if kind == "ok":
            return Result(payload, media_type)
        raise _error(kind, payload, self.settings.max_rows)

    def select(self, query: str) -> list[dict[str, dict]]:
        body = self.run(query, SPARQL_JSON).body
        return json.loads(body).get("results", {}).get("bindings", [])

    def triple_count(self) -> int:
        return self.dataset.triples

    def version(self) -> str:
        return self.dataset.version

    def close(self) -> None:
        self.pool.close()


def _error(kind: str, message: str, max_rows: int):
    if kind == "syntax":
        return QuerySyntax(f"query syntax error: {message}")
    if kind == "rows":
        return too_many_rows(max_rows)
    if kind == "notacceptable":
        return NotAcceptable(message)
    return BackendUnavailable(f"the query could not be evaluated: {message}")


# --- everything below runs inside a worker process ---------------------------------------


class _Overflow(Exception):
    """Raised by a sink to stop the serialiser early."""


class _Sink:
    """A write target that keeps the bytes and stops the serialiser past a limit."""

    def __init__(self, max_bytes: int | None = None, max_lines: int | None = None):
        self.parts: list[bytes] = []
        self.size = 0
        self.lines = 0
        self.max_bytes = max_bytes
        self.max_lines = max_lines

    def write(self, chunk) -> int:
        data = bytes(chunk)
        self.parts.append(data)
        self.size += len(data)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise _Overflow
        if self.max_lines is not None:
            self.lines += data.count(b"\n")
            if self.lines > self.max_lines:
                raise _Overflow
        return len(data)

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.parts)


def evaluate(store: ox.Store, job: tuple) -> tuple[str, object]:
    """Run one job: ``("ok", body)`` or an error kind with its message."""
    query, media_type, default_graphs, named_graphs, max_rows = job
    options = _dataset_options(default_graphs, named_graphs)
    run = partial(store.query, query, **options)
    try:
        result = run()
        if isinstance(result, ox.QueryBoolean):
            return "ok", result.serialize(format=_results_format(media_type, "an ASK"))
        if isinstance(result, ox.QuerySolutions):
            return "ok", _solutions(run, result, _results_format(media_type, "a SELECT"), max_rows)
        return "ok", _triples(run, result, _rdf_format(media_type), max_rows)
    except SyntaxError as exc:
        return "syntax", str(exc)
    except _TooMany:
        return "rows", ""
    except _Unacceptable as exc:
        return "notacceptable", str(exc)
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        return "error", str(exc)


class _TooMany(Exception):
    pass


class _Unacceptable(Exception):
    pass


def _dataset_options(default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> dict:
    options: dict = {}
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
    return options


def _results_format(media_type: str, form: str) -> ox.QueryResultsFormat:
    found = ox.QueryResultsFormat.from_media_type(media_type)
    if found is None:
        raise _Unacceptable(f"{form} query's answer cannot be sent as {media_type}; use "
                            "application/sparql-results+json, +xml, text/csv or text/tab-separated-values")
    return found


def _rdf_format(media_type: str) -> ox.RdfFormat:
    found = ox.RdfFormat.from_media_type(media_type)
    if found is None:
        raise _Unacceptable(f"a CONSTRUCT or DESCRIBE query's answer cannot be sent as {media_type}; use "
                            "text/turtle, application/n-triples, application/ld+json or application/rdf+xml")
    return found


def _solutions(run, result: ox.QuerySolutions, fmt: ox.QueryResultsFormat, max_rows: int) -> bytes:
    """Serialise directly when the size proves the cap is kept; otherwise count exactly."""
    if fmt in MIN_ROW_BYTES:
        sink = _Sink(max_bytes=MIN_ROW_BYTES[fmt] * max_rows + 256)
        try:
            result.serialize(sink, format=fmt)
            return sink.value()
        except _Overflow:
            result = run()
    tsv = _counted(lambda sink: result.serialize(sink, format=ox.QueryResultsFormat.TSV), max_rows + 1)
    if fmt == ox.QueryResultsFormat.TSV:
        return tsv
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)


def _triples(run, result: ox.QueryTriples, fmt: ox.RdfFormat, max_rows: int) -> bytes:
    if fmt != ox.RdfFormat.N_TRIPLES:
        sink = _Sink(max_bytes=MIN_TRIPLE_BYTES * max_rows + 1024)
        try:
            ox.serialize(result, sink, format=fmt, prefixes=PREFIXES)
            return sink.value()
        except _Overflow:
            result = run()
    nt = _counted(lambda sink: ox.serialize(result, sink, format=ox.RdfFormat.N_TRIPLES), max_rows)
    if fmt == ox.RdfFormat.N_TRIPLES:
        return nt
    return ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=fmt, prefixes=PREFIXES)


def _counted(write, max_lines: int) -> bytes:
    """Line-per-row output (TSV, N-Triples), stopped as soon as it passes ``max_lines``."""
    sink = _Sink(max_lines=max_lines)
    try:
        write(sink)
    except _Overflow:
        raise _TooMany from None
    return sink.value()

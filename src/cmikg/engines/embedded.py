"""The default backend: the built dataset in pyoxigraph, evaluated in long-lived worker processes.

The store is loaded once (in gunicorn's master when serving) and every query runs in a
thread of a query process (:mod:`cmikg.engines.workers`), which serialises the answer with pyoxigraph
itself and hands back finished bytes. The row cap is enforced while serialising, so an
answer over the cap is refused whole, never sent cut short.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from cmikg import dist
from cmikg.config import Settings
from cmikg.engines import rows
from cmikg.engines.backend import (
    BackendUnavailable,
    NotAcceptable,
    QueryBackend,
    QuerySyntax,
    Result,
    ResultTooLarge,
    time_limit,
)
from cmikg.engines.rows import too_many_rows
from cmikg.engines.store import EmbeddedStore, open_read_only, prepare_disk_store
from cmikg.engines.workers import WorkerPool
from cmikg.forked import ForkedCall
from cmikg.iris import BASE, PREFIXES
from cmikg.sparql import formats

SPARQL_JSON = formats.SPARQL_JSON.media_type

#: Largest answer a worker builds in memory, whatever its row count.
MAX_ANSWER_BYTES = 256 << 20


@dataclass(frozen=True)
class DatasetInfo:
    """What identifies the served data: the build's version and the dump's SHA-256."""

    version: str
    sha256: str
    triples: int
    modified: float
    load_seconds: float

    @classmethod
    def read(cls, settings: Settings, triples: int, load_seconds: float) -> DatasetInfo:
        report_file = settings.dist / dist.BUILD_REPORT
        report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.is_file() else {}
        digest = report.get("sha256_ntriples") or _sha256(settings.dataset_file)
        return cls(
            str(report.get("version", "unversioned")),
            digest,
            triples,
            settings.dataset_file.stat().st_mtime,
            load_seconds,
        )


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class EmbeddedBackend(QueryBackend):
    """pyoxigraph in memory, loaded from ``dist/cmikg.nt``, queried through worker processes."""

    caps_rows = True

    def __init__(self, settings: Settings, pool_size: int = 4, sandbox: bool = True, disk_store: Path | None = None):
        self.settings = settings
        describe = describe_template(settings)
        handler: Callable[..., tuple[str, object]]
        if disk_store is None:
            store = EmbeddedStore.load(settings.dataset_file)
            handler = partial(evaluate, store.store, describe=describe)
            triples, load_seconds = len(store), store.load_seconds
        else:
            triples, load_seconds = ForkedCall(disk_store_size, settings.dataset_file, Path(disk_store)).result()
            handler = ReadOnlyEvaluator(Path(disk_store), describe)
        self.dataset = DatasetInfo.read(settings, triples, load_seconds)
        #: Relative IRIs in a query resolve against the endpoint's address (SPARQL 1.1 Query, 4.1.1).
        self.base_iri = (settings.public_base or BASE) + "sparql"
        # each fresh worker first answers a query that touches nothing, through the engine
        warm_up = ("ASK {}", SPARQL_JSON, (), (), settings.max_rows, self.base_iri, "ASK")
        # In memory, threads of one process share the pages the engine copies as it reads;
        # on disk the page cache is shared anyway, and one query at a time per process is
        # what was measured correct at 10M triples (concurrent threads on one read-only
        # RocksDB store gave short answers there).
        per_process = None if disk_store is None else 1
        self.pool = WorkerPool(handler, size=pool_size, sandbox=sandbox, warm_up=warm_up, lanes_per_process=per_process)
        # Objects created so far never change: keep the collector from touching (and so
        # copying) their pages in every forked process.
        gc.freeze()

    def start_workers(self) -> None:
        self.pool.start()

    def run(
        self,
        query: str,
        media_type: str,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        form: str = "",
    ) -> Result:
        job = (
            query,
            media_type,
            tuple(default_graph_uris),
            tuple(named_graph_uris),
            self.settings.max_rows,
            self.base_iri,
            form,
        )
        kind, payload = self.pool.call(job, time_limit(self.settings.query_timeout))
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


def disk_store_size(dump: Path, folder: Path) -> tuple[int, float]:
    """The on-disk store made ready from the dump, and opened: its triples and seconds to open.

    Called in a forked child (:class:`cmikg.forked.ForkedCall`), never in the process the
    workers are forked from: opening a RocksDB store starts process-wide background threads
    (``rocksdb:low``, ``rocksdb:high``), and a process forked after that inherits their
    state without the threads. Its query workers then open the store on a broken
    environment (reads failed with "Bad file descriptor" at 10M triples) and its HTTP
    workers crashed on exit.
    """
    store = open_read_only(prepare_disk_store(dump, folder))
    return len(store), store.load_seconds


class ReadOnlyEvaluator:
    """Evaluates jobs on an on-disk store that each worker process opens for itself.

    Opening happens in the worker, after the fork, so no process inherits another's file
    handles; the data is shared through the page cache, not copied into each worker.
    """

    def __init__(self, folder: Path, describe: str = ""):
        self.folder = folder
        self.describe = describe
        self.store: ox.Store | None = None
        self.pid = 0
        self._opening = threading.Lock()

    def __call__(self, job: tuple) -> tuple[str, object]:
        return evaluate(self._opened(), job, self.describe)

    def _opened(self) -> ox.Store:
        """The store this process opened (in its warm-up, before its threads start)."""
        with self._opening:
            if self.store is None or self.pid != os.getpid():
                self.store, self.pid = ox.Store.read_only(str(self.folder)), os.getpid()
            return self.store


def describe_template(settings: Settings) -> str:
    """The CONSTRUCT behind every Linked Data document (``queries/pages/describe.rq``), or ""."""
    path = dist.queries_dir(settings.dist) / "pages" / "describe.rq"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _error(kind: str, message: str, max_rows: int):
    if kind == "syntax":
        return QuerySyntax(f"query syntax error: {message}")
    if kind == "rows":
        return too_many_rows(max_rows)
    if kind == "bytes":
        return ResultTooLarge(
            f"the answer is larger than {MAX_ANSWER_BYTES >> 20} MiB; nothing was sent. "
            "Add LIMIT/OFFSET to page through it, or download the dump"
        )
    if kind == "notacceptable":
        return NotAcceptable(message)
    if kind == "invalid":
        return QuerySyntax(f"the query cannot be evaluated: {message}")
    return BackendUnavailable(f"the query could not be evaluated: {message}")


# --- everything below runs inside a worker process ---------------------------------------


class _Overflow(Exception):
    """Raised by a sink to stop the serialiser early."""


class _TooMany(Exception):
    """More rows than the cap."""


class _Unacceptable(Exception):
    """The requested format cannot carry this kind of answer."""


class _Sink(io.BytesIO):
    """A write target that keeps the bytes and stops the serialiser past a limit."""

    def __init__(self, max_lines: int | None = None):
        super().__init__()
        self.parts: list[bytes] = []
        self.size = 0
        self.lines = 0
        self.max_lines = max_lines

    def write(self, chunk) -> int:
        data = bytes(chunk)
        self.parts.append(data)
        self.size += len(data)
        if self.size > MAX_ANSWER_BYTES:
            raise _Overflow
        if self.max_lines is not None:
            self.lines += data.count(b"\n")
            if self.lines > self.max_lines:
                raise _TooMany
        return len(data)

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.parts)


def evaluate(store: ox.Store, job: tuple, describe: str = "") -> tuple[str, object]:
    """Run one job: ``("ok", body)`` or an error kind with its message."""
    query, media_type, default_graphs, named_graphs, max_rows, base_iri, form = job
    try:
        options = {"base_iri": base_iri, **_dataset_options(default_graphs, named_graphs)}
        result = store.query(query, **options)
        if isinstance(result, ox.QueryBoolean):
            return "ok", result.serialize(format=_results_format(media_type, "an ASK"))
        if isinstance(result, ox.QuerySolutions):
            return "ok", _solutions(result, _results_format(media_type, "a SELECT"), max_rows)
        triples: Iterable = result
        if describe and form == "DESCRIBE":
            triples = _documents(store, list(islice(result, max_rows + 1)), describe, options)
        return "ok", _triples(triples, _rdf_format(media_type), max_rows)
    except SyntaxError as exc:
        return "syntax", str(exc)
    except _TooMany:
        return "rows", ""
    except _Overflow:
        return "bytes", ""
    except _Unacceptable as exc:
        return "notacceptable", str(exc)
    except RuntimeError as exc:
        # the engine's word for a query it parsed but cannot evaluate (an unknown function)
        return ("invalid" if "not supported" in str(exc) else "error"), str(exc)
    except (OSError, ValueError, TypeError) as exc:
        return "error", str(exc)


def _documents(store: ox.Store, described: list, template: str, options: dict) -> list:
    """DESCRIBE answered as Linked Data answers: each described IRI's whole document.

    The engine's own DESCRIBE gives a resource's outgoing triples only; the document adds
    its references, the triples pointing at it and its neighbours' labels (the page query
    ``describe.rq``), so ``DESCRIBE <iri>`` and the IRI's RDF document carry the same triples.
    """
    found = dict.fromkeys(described)
    for resource in sorted({str(t.subject) for t in described if isinstance(t.subject, ox.NamedNode)}):
        document = _THIS.sub(resource.replace("\\", "\\\\"), template)
        answer = store.query(document, **options)
        if isinstance(answer, ox.QueryTriples):
            found.update(dict.fromkeys(answer))
    return list(found)


_THIS = re.compile(r"\$this\b")


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
        raise _Unacceptable(
            f"{form} query's answer cannot be sent as {media_type}; use "
            + ", ".join(f.media_type for f in formats.RESULT_FORMATS)
        )
    return found


def _rdf_format(media_type: str) -> ox.RdfFormat:
    found = ox.RdfFormat.from_media_type(media_type)
    if found is None:
        raise _Unacceptable(
            f"a CONSTRUCT or DESCRIBE query's answer cannot be sent as {media_type}; use "
            + ", ".join(f.media_type for f in formats.GRAPH_FORMATS)
        )
    return found


def _solutions(result: ox.QuerySolutions, fmt: ox.QueryResultsFormat, max_rows: int) -> bytes:
    """Serialised by the engine; rows counted only when the size leaves the cap in doubt
    (:func:`cmikg.engines.rows.more_than`)."""
    if fmt == ox.QueryResultsFormat.TSV:  # one line per row: counted as it is written
        sink = _Sink(max_lines=max_rows + 1)
        result.serialize(sink, format=fmt)
        return sink.value()
    sink = _Sink()
    result.serialize(sink, format=fmt)
    body = sink.value()
    if rows.more_than(body, fmt.media_type, max_rows, trusted=True):
        raise _TooMany
    return body


def _triples(result: Iterable, fmt: ox.RdfFormat, max_rows: int) -> bytes:
    """Triples are collected first (stopping past the cap), then serialised."""
    triples = list(islice(result, max_rows + 1))
    if len(triples) > max_rows:
        raise _TooMany
    sink = _Sink()
    ox.serialize(triples, sink, format=fmt, prefixes=PREFIXES)
    return sink.value()

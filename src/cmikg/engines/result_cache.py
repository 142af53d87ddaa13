r"""Finished answers shared by every worker of ``cmikg serve``: an SQLite file bounded in bytes.

The served data is read-only and versioned, so an answer is a pure function of the dataset
version (its SHA-256), the query text the engine sees, the dataset parameters
(``default-graph-uri``, ``named-graph-uri``) and the media type. :class:`CachingBackend`
keeps the bytes the engine produced under the SHA-256 of exactly those, and serves them
again without evaluating anything. It is filled on request, never in advance.

Why a file: gunicorn's HTTP workers are separate processes; a per-process cache would hold
one copy per worker and miss whenever a repeat lands on another worker. The file lives in
``/dev/shm`` (memory, not disk) when the system has it, is opened by every worker, and is
removed when the server stops.

The bound: keys and bodies together never exceed ``max_bytes`` (a fill that would pass it
first drops the oldest entries), and an answer larger than ``max_item_bytes`` is sent but not
kept. SQLite adds its page overhead on top (about 10%, its freed pages are reused, so the file
does not grow past the bound plus that overhead) and each connection keeps a page cache of
at most :data:`PAGE_CACHE_KIB`.

In front of the file, each worker keeps the answers it served most recently in memory
(:class:`cmikg.cache.BoundedCache`, at most :data:`LOCAL_MAX_BYTES`, or a quarter of the
file's bound when that is smaller): a repeat that lands on the same worker costs no SQLite
round trip. An answer is only ever put there after it was read from the file, so both
layers hold the same bytes for a key; and only answers asked for again take a worker's
memory: under a run of distinct queries, each answered once, the workers keep none.

Not cached: errors (a timeout may pass on a quieter machine), and queries whose answer
changes from one evaluation to the next (``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``).
That test errs on the safe side: any of those words anywhere in the text (a variable
``?now``, a comment) and any ``\u`` escape, which could spell one, mean "not cached". An allowed
``SERVICE`` call is answered before the engine sees the query (:mod:`cmikg.guard.federation`
inlines the remote answer), so its answer is part of the key, not a stale part of the value.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cmikg.cache import BoundedCache
from cmikg.engines.backend import QueryBackend, Result
from cmikg.engines.embedded import SPARQL_JSON

#: Default bound on the bytes of answers kept (keys included): 64 MiB.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Bound on the answers each worker also keeps in its own memory: 8 MiB.
LOCAL_MAX_BYTES = 8 * 1024 * 1024
#: SQLite's page cache per connection, in KiB.
PAGE_CACHE_KIB = 1024

_VOLATILE = re.compile(r"\b(NOW|RAND|UUID|STRUUID)\b|\\[uU]", re.IGNORECASE)
#: What every match of :data:`_VOLATILE` in an ASCII text holds, in capitals: substring tests
#: in C that let most queries skip the case-blind regular expression (ten times slower).
#: Not for other texts: that expression also matches letters such as U+0130 for ``I``.
_VOLATILE_HINTS = ("NOW", "RAND", "UUID", "\\U")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answer (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key BLOB NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS total (id INTEGER PRIMARY KEY CHECK (id = 0), bytes INTEGER NOT NULL);
INSERT OR IGNORE INTO total VALUES (0, 0);
"""


@dataclass
class CacheStats:
    """This process's hits, misses and fills (each worker counts its own)."""

    hits: int = 0
    misses: int = 0
    stored: int = 0
    not_cacheable: int = 0
    too_large: int = 0


class ResultCache:
    """The shared answer file: :meth:`get` and :meth:`put` from any thread of any worker."""

    def __init__(self, path: Path, max_bytes: int = DEFAULT_MAX_BYTES, max_item_bytes: int = 0):
        self.path = path
        self.max_bytes = max_bytes
        self.max_item_bytes = max_item_bytes or max(1, max_bytes // 8)
        self.stats = CacheStats()
        self._local = threading.local()
        db = self._connect()
        try:
            db.executescript(_SCHEMA)
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=True)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")  # a lost fill on a crash is only a later miss
        db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        return db

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections are not shared between threads or forks)."""
        db, pid = getattr(self._local, "db", None), getattr(self._local, "pid", 0)
        if db is None or pid != os.getpid():  # a fork inherits the parent's thread-local, not its use
            db = self._local.db = self._connect()
            self._local.pid = os.getpid()
        return db

    def get(self, key: bytes) -> bytes | None:
        row = self._db().execute("SELECT body FROM answer WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def put(self, key: bytes, body: bytes) -> bool:
        """Keep ``body`` if it fits the per-answer bound, dropping the oldest answers to stay under the total."""
        size = len(key) + len(body)
        if size > self.max_item_bytes:
            return False
        db = self._db()
        try:
            db.execute("BEGIN IMMEDIATE")
            cursor = db.execute("INSERT OR IGNORE INTO answer (key, size, body) VALUES (?, ?, ?)", (key, size, body))
            if cursor.rowcount:
                total = db.execute("UPDATE total SET bytes = bytes + ? WHERE id = 0 RETURNING bytes", (size,))
                excess = total.fetchone()[0] - self.max_bytes
                if excess > 0:
                    self._evict(db, excess)
            db.execute("COMMIT")
        except sqlite3.Error:  # a busy or full file: the answer is simply not kept
            if db.in_transaction:
                db.execute("ROLLBACK")
            return False
        return True

    def _evict(self, db: sqlite3.Connection, excess: int) -> None:
        """Drop the oldest answers, one by one, until ``excess`` bytes are freed."""
        freed = 0
        while freed < excess:
            oldest = db.execute("SELECT seq, size FROM answer ORDER BY seq LIMIT 64").fetchall()
            if not oldest:
                break
            for seq, size in oldest:
                if freed >= excess:
                    break
                db.execute("DELETE FROM answer WHERE seq = ?", (seq,))
                freed += size
        if freed:
            db.execute("UPDATE total SET bytes = bytes - ? WHERE id = 0", (freed,))

    def usage(self) -> tuple[int, int]:
        """Answers kept and their bytes (keys included), across all workers."""
        db = self._db()
        count = db.execute("SELECT COUNT(*) FROM answer").fetchone()[0]
        return count, db.execute("SELECT bytes FROM total WHERE id = 0").fetchone()[0]


def answer_key(
    version: str, query: str, media_type: str, default_graphs: Iterable[str], named_graphs: Iterable[str]
) -> bytes:
    """What determines an answer, hashed; the separators keep the parts from running together."""
    parts = [version, query, media_type, *default_graphs, "\x01", *named_graphs]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()


def is_cacheable(query: str) -> bool:
    """False for a query whose answer may change between evaluations of the same data (or may seem to)."""
    if query.isascii():
        upper = query.upper()
        if not any(hint in upper for hint in _VOLATILE_HINTS):
            return True
    return _VOLATILE.search(query) is None


class CachingBackend(QueryBackend):
    """An engine's answers kept in a :class:`ResultCache` and served again on a repeat."""

    def __init__(self, inner: QueryBackend, cache: ResultCache, dataset_version: str):
        self.inner = inner
        self.cache = cache
        self.dataset_version = dataset_version
        self.caps_rows = inner.caps_rows
        local_bytes = min(LOCAL_MAX_BYTES, max(1, cache.max_bytes // 4))
        self.local: BoundedCache[bytes] = BoundedCache(
            "answers (this worker)", max_bytes=local_bytes, max_entries=4096, max_item_bytes=max(1, local_bytes // 8)
        )

    def cached(
        self, query: str, media_type: str, default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = ()
    ) -> Result | None:
        """The kept answer to exactly this engine text, or None; evaluates nothing."""
        found = self._find(answer_key(self.dataset_version, query, media_type, default_graph_uris, named_graph_uris))
        return None if found is None else Result(found, media_type)

    def _find(self, key: bytes) -> bytes | None:
        body = self.local.get(self.dataset_version, key)
        if body is None:
            body = self.cache.get(key)
            if body is None:
                return None
            self.local.put(self.dataset_version, key, body)
        self.cache.stats.hits += 1
        return body

    def run(
        self,
        query: str,
        media_type: str,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        form: str = "",
    ) -> Result:
        default_graphs, named_graphs = tuple(default_graph_uris), tuple(named_graph_uris)
        key = answer_key(self.dataset_version, query, media_type, default_graphs, named_graphs)
        body = self._find(key)
        if body is not None:
            return Result(body, media_type)
        self.cache.stats.misses += 1
        result = self.inner.run(query, media_type, default_graphs, named_graphs, form)
        if not is_cacheable(query):
            self.cache.stats.not_cacheable += 1
        elif self.cache.put(key, result.body):
            self.cache.stats.stored += 1
        else:
            self.cache.stats.too_large += 1
        return result

    def select(self, query: str) -> list[dict[str, dict]]:
        return json.loads(self.run(query, SPARQL_JSON).body).get("results", {}).get("bindings", [])

    def triple_count(self) -> int:
        return self.inner.triple_count()

    def version(self) -> str:
        return self.inner.version()

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str):
        # extras of the wrapped backend (dataset digest, worker pool, start_workers)
        return getattr(self.inner, name)


def with_result_cache(backend: QueryBackend, max_bytes: int) -> QueryBackend:
    """``backend`` behind a result cache file shared by the processes forked from this one.

    ``max_bytes`` 0 turns the cache off. The file is removed when this process exits.
    """
    dataset = getattr(backend, "dataset", None)
    if max_bytes <= 0 or dataset is None:  # only a backend whose data is fixed and fingerprinted
        return backend
    folder = Path(tempfile.mkdtemp(prefix="cmikg-answers-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    atexit.register(shutil.rmtree, folder, True)
    cache = ResultCache(folder / "answers.sqlite", max_bytes)
    return CachingBackend(backend, cache, dataset.sha256)

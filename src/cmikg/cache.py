"""The one cache facility: least-recently-used, bounded in bytes and in entries, keyed by dataset version.

Every cache of the service is a :class:`BoundedCache` registered in :data:`CACHES`, so
the memory a process can spend on caches is the sum of their byte bounds, which
``docs/endpoint.md`` states. Why bytes and not only entries: keys and values come from
clients (query texts, Accept headers) and can be a megabyte each, so a bound in entries
alone lets a few hundred distinct requests hold gigabytes. A value larger than
``max_item_bytes`` is computed and returned but never kept.

Entries are keyed by the dataset version as well, so an answer computed for one version
is never served for another; a new version empties the cache.

A cache made with ``keep_repeats_only`` keeps a value only the second time it is put under
a key: the first time, it notes the key's hash and nothing else. Caches keyed by what
clients send (query texts) need it: under a stream of distinct queries, each asked once,
they would otherwise fill to their bound with values nobody asks for again, and every
HTTP worker would hold that memory for nothing. The notes are bounded by ``max_entries``
(about 100 bytes each, counted in the cache's bytes); a repeat whose note has been pushed
out meanwhile is simply noted again.
"""

from __future__ import annotations

import pickle
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

V = TypeVar("V")

#: What one note of a key seen once is counted as (a hash in an ordered dict: about 100 bytes).
SEEN_NOTE_BYTES = 100


def size_of(value: Any) -> int:
    """Bytes a key or value holds, roughly: strings and bytes by length, tuples by their parts."""
    if isinstance(value, str | bytes | bytearray):
        return sys.getsizeof(value)
    if isinstance(value, tuple | list):
        return sys.getsizeof(value) + sum(size_of(item) for item in value)
    measured = getattr(value, "size", None)
    if isinstance(measured, int):
        return measured
    return sys.getsizeof(value)


def pickled_size(value: Any) -> int:
    """Bytes of a value of nested objects (entries, rows), measured as its pickle."""
    if isinstance(value, str | bytes | bytearray | tuple):
        return size_of(value)
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return sys.getsizeof(value)


@dataclass
class BoundedCache(Generic[V]):
    """A thread-safe LRU map whose keys and values together stay under ``max_bytes``."""

    name: str
    max_bytes: int
    max_entries: int
    max_item_bytes: int = 0  # 0: an eighth of max_bytes
    sizer: Callable[[Any], int] = size_of
    keep_repeats_only: bool = False
    _entries: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _seen: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _bytes: int = 0
    _version: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not self.max_item_bytes:
            self.max_item_bytes = max(1, self.max_bytes // 8)
        CACHES.append(self)

    @property
    def bytes(self) -> int:
        """Bytes the entries take, and the notes of keys seen once."""
        return self._bytes + len(self._seen) * SEEN_NOTE_BYTES

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, version: str, key: Hashable) -> V | None:
        with self._lock:
            if version != self._version:
                return None
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, version: str, key: Hashable, value: V) -> V:
        """Keep ``value`` if it fits; returns it either way."""
        size = self.sizer(key) + self.sizer(value) + 100
        if size > self.max_item_bytes:
            return value
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._seen.clear()
                self._bytes = 0
                self._version = version
            if self.keep_repeats_only and key not in self._entries and not self._second_time(key):
                self._trim()  # the note counts in the bytes too
                return value
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            self._trim()
        return value

    def _trim(self) -> None:
        """Drop the least recent entries until the bounds hold (called with the lock held)."""
        while self._entries and (self.bytes > self.max_bytes or len(self._entries) > self.max_entries):
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped

    def _second_time(self, key: Hashable) -> bool:
        """True when ``key`` was noted before (the note is then used up); otherwise note it."""
        note = hash(key)
        if self._seen.pop(note, None) is not None:
            return True
        self._seen[note] = True
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)
        return False

    def get_or_make(self, version: str, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value, or ``make()`` kept for next time (errors are not cached)."""
        found = self.get(version, key)
        if found is not None:
            return found
        return self.put(version, key, make())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seen.clear()
            self._bytes = 0


#: Every cache in this process, for /health and for the stated bound on their memory.
CACHES: list[BoundedCache] = []


def total_bound() -> int:
    """The most bytes all caches of a process together may hold."""
    return sum(cache.max_bytes for cache in CACHES)

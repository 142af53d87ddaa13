"""How many client queries a process evaluates at once, so long queries cannot starve the rest.

Each HTTP worker runs a request thread for every query slot (below) plus
:data:`RESERVED_THREADS` more that no client query can hold (:func:`request_threads`):
pages, lookups, ``/health`` and refusals always find a thread, and a request never waits
in gunicorn's queue behind long queries.

Client-written queries (``/sparql``, the query page and its downloads) get ``threads - 1``
slots with the full time limit, and one client at most ``per_client`` of them. When those
slots are taken, a query gets one of :data:`EXPRESS_SLOTS` express slots with a short time
limit (:data:`EXPRESS_SECONDS`), so a simple query is answered at once while long queries
hold every other slot. The express slots are only for clients whose queries are short:
a client with another query running may not use one, nor may a client one of whose
queries ran past :data:`EXPRESS_SECONDS` (in any slot) in the last :data:`BAR_SECONDS`.
That record is shared by all HTTP workers of a server, so a client resending a runaway
takes an express slot once at most, not once per worker. When no slot the client may
use is free, the answer is 429 with ``Retry-After``.

A client is its address; an IPv6 client is its /64 network, which one host usually holds
whole. Behind a proxy every client has the proxy's address.
"""

from __future__ import annotations

import contextvars
import hashlib
import ipaddress
import mmap
import multiprocessing
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from cmikg.engines.backend import QueryError

#: Request threads per HTTP worker beyond the query threads, never held by a client query.
RESERVED_THREADS = 2
#: Express slots per HTTP worker.
EXPRESS_SLOTS = 2
#: Time limit of a query admitted to an express slot, in seconds.
EXPRESS_SECONDS = 1.0
#: Seconds a client refused with 429 is told to wait.
RETRY_AFTER_SECONDS = 2
#: Seconds after one of its queries ran past :data:`EXPRESS_SECONDS` that a client may not
#: use an express slot.
BAR_SECONDS = 30.0
#: Clients remembered as barred, in a table shared by the HTTP workers (16 bytes each):
#: when it is full, a new entry replaces the one whose bar ends soonest in its set.
BAR_TABLE_ENTRIES = 4096
_BAR_WAYS = 4
_ENTRY = struct.Struct("<Qd")

_LIMIT: contextvars.ContextVar[float | None] = contextvars.ContextVar("cmikg_time_limit", default=None)


def request_threads(threads: int) -> int:
    """Request threads per HTTP worker for ``threads`` (``--threads``): one for each
    long-query slot and express slot, and :data:`RESERVED_THREADS` more."""
    return max(1, threads - 1) + EXPRESS_SLOTS + RESERVED_THREADS


class TooBusy(QueryError):
    """Every query slot this client may use is taken: try again shortly."""

    status = 429
    retry_after = RETRY_AFTER_SECONDS


def time_limit(default: float) -> float:
    """The time limit of the query being evaluated on this thread (shorter in an express slot)."""
    found = _LIMIT.get()
    return default if found is None else min(found, default)


def client_key(address: str) -> str:
    """The client an address belongs to: itself, or its /64 network for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class BarTable:
    """Until when each client is barred from the express slots, in memory shared by every
    process forked after it was made (gunicorn's HTTP workers); bounded in entries."""

    def __init__(self, entries: int = BAR_TABLE_ENTRIES):
        self.sets = max(1, entries // _BAR_WAYS)
        self._memory = mmap.mmap(-1, self.sets * _BAR_WAYS * _ENTRY.size)
        self._lock = multiprocessing.Lock()

    @staticmethod
    def _key(client: str) -> int:
        return int.from_bytes(hashlib.blake2b(client.encode(), digest_size=8).digest(), "little") or 1

    def _slots(self, key: int) -> range:
        first = (key % self.sets) * _BAR_WAYS
        return range(first, first + _BAR_WAYS)

    def until(self, client: str) -> float:
        key = self._key(client)
        with self._lock:
            for slot in self._slots(key):
                found, until = _ENTRY.unpack_from(self._memory, slot * _ENTRY.size)
                if found == key:
                    return until
        return 0.0

    def bar(self, client: str, until: float) -> None:
        key = self._key(client)
        with self._lock:
            entries = [(slot, *_ENTRY.unpack_from(self._memory, slot * _ENTRY.size)) for slot in self._slots(key)]
            same = [slot for slot, found, _ in entries if found == key]
            slot = same[0] if same else min(entries, key=lambda entry: entry[2])[0]
            _ENTRY.pack_into(self._memory, slot * _ENTRY.size, key, until)


class Admission:
    """Per-process counters of running client queries, in total and per client."""

    def __init__(self, threads: int, per_client: int = 0, express_slots: int = EXPRESS_SLOTS):
        self.slots = max(1, threads - 1)
        self.per_client = per_client or max(1, (self.slots + 1) // 2)
        self.express_slots = express_slots
        self.running = 0
        self.express_running = 0
        self.clients: Counter[str] = Counter()
        self.refused = 0
        self.bars = BarTable()
        self._lock = threading.Lock()

    @property
    def express_busy(self) -> bool:
        return self.express_running >= self.express_slots

    @contextmanager
    def admit(self, address: str, full_limit: float) -> Iterator[float]:
        """Hold a slot while the query runs; yields its time limit; 429 when none is free."""
        client = client_key(address)
        express = self._take(client)
        limit = min(EXPRESS_SECONDS, full_limit) if express else full_limit
        token = _LIMIT.set(limit)
        started = time.monotonic()
        try:
            yield limit
        finally:
            _LIMIT.reset(token)
            self._release(client, express)
            if time.monotonic() - started >= EXPRESS_SECONDS:
                self.bars.bar(client, time.monotonic() + BAR_SECONDS)

    def _take(self, client: str) -> bool:
        with self._lock:
            running = self.clients[client]
            if running >= self.per_client:
                self.refused += 1
                raise TooBusy(
                    f"{running} queries from your address are running (at most {self.per_client} "
                    f"at once); try again in {RETRY_AFTER_SECONDS} s"
                )
            if self.running < self.slots:
                self.running += 1
                self.clients[client] += 1
                return False
            if not running and not self.express_busy and self.bars.until(client) < time.monotonic():
                self.express_running += 1
                self.clients[client] += 1
                return True
            self.refused += 1
            raise TooBusy(f"every query slot is taken by long queries; try again in {RETRY_AFTER_SECONDS} s")

    def _release(self, client: str, express: bool) -> None:
        with self._lock:
            if express:
                self.express_running -= 1
            else:
                self.running -= 1
            self.clients[client] -= 1
            if self.clients[client] <= 0:
                del self.clients[client]

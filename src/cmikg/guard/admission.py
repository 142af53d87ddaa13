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
takes an express slot once at most, not once per worker. One express slot is kept for
clients known to send short queries (one of theirs was answered within
:data:`EXPRESS_SECONDS` in the last :data:`SHORT_SECONDS`): new clients arriving together,
each holding an express slot for its first second, cannot take them all. When no slot the
client may use is free, the answer is 429 with ``Retry-After``.

A client is its address; an IPv6 client is its /64 network, which one host usually holds
whole. Behind a proxy every client has the proxy's address.
"""

from __future__ import annotations

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

from cmikg.engines.backend import QueryError, limited_to

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
#: Seconds after one of its queries was answered within :data:`EXPRESS_SECONDS` that a
#: client may use the express slot kept for clients known to send short queries.
SHORT_SECONDS = 600.0
#: Clients remembered, in a table shared by the HTTP workers (24 bytes each): when it is
#: full, a new entry replaces the one whose record ends soonest in its set.
BAR_TABLE_ENTRIES = 4096
_BAR_WAYS = 4
_ENTRY = struct.Struct("<Qdd")


def request_threads(threads: int) -> int:
    """Request threads per HTTP worker for ``threads`` (``--threads``): one for each
    long-query slot and express slot, and :data:`RESERVED_THREADS` more."""
    return max(1, threads - 1) + EXPRESS_SLOTS + RESERVED_THREADS


class TooBusy(QueryError):
    """Every query slot this client may use is taken: try again shortly."""

    status = 429
    retry_after = RETRY_AFTER_SECONDS


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
    """Until when each client is barred from the express slots, and until when it is known
    to send short queries, in memory shared by every process forked after it was made
    (gunicorn's HTTP workers); bounded in entries."""

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

    def record(self, client: str) -> tuple[float, float]:
        """Until when ``client`` is barred, and until when it is known to send short queries."""
        key = self._key(client)
        with self._lock:
            for slot in self._slots(key):
                found, barred, short = _ENTRY.unpack_from(self._memory, slot * _ENTRY.size)
                if found == key:
                    return barred, short
        return 0.0, 0.0

    def until(self, client: str) -> float:
        return self.record(client)[0]

    def bar(self, client: str, until: float) -> None:
        self._update(client, barred=until)

    def mark_short(self, client: str, until: float) -> None:
        self._update(client, short=until)

    def _update(self, client: str, barred: float | None = None, short: float | None = None) -> None:
        key = self._key(client)
        with self._lock:
            entries = [(slot, *_ENTRY.unpack_from(self._memory, slot * _ENTRY.size)) for slot in self._slots(key)]
            same = [entry for entry in entries if entry[1] == key]
            if same:
                slot, _, old_barred, old_short = same[0]
            else:
                slot = min(entries, key=lambda entry: max(entry[2], entry[3]))[0]
                old_barred = old_short = 0.0
            _ENTRY.pack_into(
                self._memory,
                slot * _ENTRY.size,
                key,
                old_barred if barred is None else barred,
                old_short if short is None else short,
            )


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
        started = time.monotonic()
        try:
            with limited_to(limit):
                yield limit
        finally:
            self._release(client, express)
            now = time.monotonic()
            if now - started >= EXPRESS_SECONDS:
                self.bars.bar(client, now + BAR_SECONDS)
            elif self.bars.record(client)[1] < now + SHORT_SECONDS - 60:  # refreshed once a minute at most
                self.bars.mark_short(client, now + SHORT_SECONDS)

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
            if not running and self._may_take_express(client):
                self.express_running += 1
                self.clients[client] += 1
                return True
            self.refused += 1
            raise TooBusy(f"every query slot is taken by long queries; try again in {RETRY_AFTER_SECONDS} s")

    def _may_take_express(self, client: str) -> bool:
        if self.express_busy:
            return False
        barred, short = self.bars.record(client)
        now = time.monotonic()
        if barred >= now:
            return False
        return self.express_running < self.express_slots - 1 or short >= now

    def _release(self, client: str, express: bool) -> None:
        with self._lock:
            if express:
                self.express_running -= 1
            else:
                self.running -= 1
            self.clients[client] -= 1
            if self.clients[client] <= 0:
                del self.clients[client]

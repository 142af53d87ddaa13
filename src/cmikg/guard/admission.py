"""How many client queries a process evaluates at once, so long queries cannot starve the rest.

Each HTTP worker has ``threads`` request threads. Client-written queries (``/sparql``, the
query page and its downloads) get ``threads - 1`` slots with the full time limit, and
one client (one address) at most ``per_client`` of them. When those slots are taken, a
query gets the one express slot with a short time limit (:data:`EXPRESS_SECONDS`): a
simple query is still answered at once while runaways hold every other slot, and a long
one is stopped quickly (503), and its client may not use the express slot for
:data:`BAR_SECONDS`, so a client resending a runaway cannot keep it from others. When
the express slot is taken too (or barred), the answer is 429 with ``Retry-After``.
Pages, lookups and ``/health`` are never counted, so there is always a thread for them:
at most ``threads - 1`` long queries run per process, plus one short one.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from cmikg.engines.backend import QueryError, QueryTimeout

#: Time limit of a query admitted to the express slot, in seconds.
EXPRESS_SECONDS = 1.0
#: Seconds a client refused with 429 is told to wait.
RETRY_AFTER_SECONDS = 2
#: Seconds a client whose query ran out of time in the express slot may not use it again.
BAR_SECONDS = 10.0
#: Most clients remembered as barred (the oldest are forgotten first).
MAX_BARRED = 1024

_LIMIT: contextvars.ContextVar[float | None] = contextvars.ContextVar("cmikg_time_limit", default=None)


class TooBusy(QueryError):
    """Every query slot this client may use is taken: try again shortly."""

    status = 429
    retry_after = RETRY_AFTER_SECONDS


def time_limit(default: float) -> float:
    """The time limit of the query being evaluated on this thread (shorter in the express slot)."""
    found = _LIMIT.get()
    return default if found is None else min(found, default)


class Admission:
    """Per-process counters of running client queries, in total and per client address."""

    def __init__(self, threads: int, per_client: int = 0):
        self.slots = max(1, threads - 1)
        self.per_client = per_client or max(1, (self.slots + 1) // 2)
        self.running = 0
        self.express_busy = False
        self.clients: Counter[str] = Counter()
        self.refused = 0
        self.barred: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def admit(self, client: str, full_limit: float) -> Iterator[float]:
        """Hold a slot while the query runs; yields its time limit; 429 when none is free."""
        express = self._take(client)
        token = _LIMIT.set(min(EXPRESS_SECONDS, full_limit) if express else full_limit)
        try:
            yield _LIMIT.get() or full_limit
        except QueryTimeout:
            if express:
                self._bar(client)
            raise
        finally:
            _LIMIT.reset(token)
            self._release(client, express)

    def _take(self, client: str) -> bool:
        with self._lock:
            if self.clients[client] >= self.per_client:
                self.refused += 1
                raise TooBusy(
                    f"{self.clients[client]} queries from your address are running (at most {self.per_client} "
                    f"at once); try again in {RETRY_AFTER_SECONDS} s"
                )
            if self.running < self.slots:
                self.running += 1
                self.clients[client] += 1
                return False
            if not self.express_busy and self.barred.get(client, 0.0) < time.monotonic():
                self.express_busy = True
                self.clients[client] += 1
                return True
            self.refused += 1
            raise TooBusy(f"every query slot is taken by long queries; try again in {RETRY_AFTER_SECONDS} s")

    def _bar(self, client: str) -> None:
        with self._lock:
            self.barred[client] = time.monotonic() + BAR_SECONDS
            self.barred.move_to_end(client)
            while len(self.barred) > MAX_BARRED:
                self.barred.popitem(last=False)

    def _release(self, client: str, express: bool) -> None:
        with self._lock:
            if express:
                self.express_busy = False
            else:
                self.running -= 1
            self.clients[client] -= 1
            if self.clients[client] <= 0:
                del self.clients[client]

"""The benchmark's HTTP client: one request, and a bounded closed loop of them.

The loop runs each client in its own process (fork), so the client's Python does not
serialise requests on one interpreter lock, and keeps one keep-alive connection per client,
as a real application would. It is bounded three ways: a duration, a cap on requests per
client, and a per-request timeout; requests in flight at the deadline are let finish.
"""

from __future__ import annotations

import http.client
import multiprocessing
import time
from dataclasses import dataclass, field, replace
from statistics import median
from urllib.parse import urlencode, urlsplit

from querymix import BenchQuery, with_marker

SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
MAX_REQUESTS_PER_CLIENT = 200_000


@dataclass(frozen=True)
class Endpoint:
    """Where a system answers SPARQL and how it wants the query sent."""

    url: str
    #: "form" (application/x-www-form-urlencoded POST) or "direct" (application/sparql-query POST)
    encoding: str = "form"

    def request_parts(self, query: BenchQuery) -> tuple[bytes, dict[str, str]]:
        accept = GRAPH_ACCEPT if query.returns_graph else SELECT_ACCEPT
        if self.encoding == "direct":
            return query.text.encode("utf-8"), {
                "Content-Type": "application/sparql-query; charset=utf-8",
                "Accept": accept,
            }
        return urlencode({"query": query.text}).encode("ascii"), {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": accept,
        }


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    seconds: float


class Connection:
    """One keep-alive HTTP connection to an endpoint, reopened when the server closes it."""

    def __init__(self, endpoint: Endpoint, timeout: float):
        parts = urlsplit(endpoint.url)
        self.endpoint, self.timeout = endpoint, timeout
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path or "/"
        self.conn: http.client.HTTPConnection | None = None

    def send(self, query: BenchQuery) -> Reply:
        body, headers = self.endpoint.request_parts(query)
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                return self._once(body, headers, started)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _once(self, body: bytes, headers: dict, started: float) -> Reply:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.request("POST", self.path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Reply(response.status, response.getheader("Content-Type", ""), data, time.perf_counter() - started)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def ask(endpoint: Endpoint, query: BenchQuery, timeout: float) -> Reply:
    """One request on a fresh connection; a transport failure becomes status 0."""
    connection = Connection(endpoint, timeout)
    started = time.perf_counter()
    try:
        return connection.send(query)
    except (OSError, http.client.HTTPException) as exc:
        return Reply(0, "", f"{type(exc).__name__}: {exc}".encode(), time.perf_counter() - started)
    finally:
        connection.close()


@dataclass
class LoopResult:
    """What a closed loop measured: per-query latencies of good answers, and failures."""

    names: list[str]
    elapsed: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    failure_example: dict[str, str] = field(default_factory=dict)

    @property
    def completed(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def queries_per_second(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    def merge(self, other: LoopResult) -> LoopResult:
        """Two loops of the same mix as one (rounds of a run): times and counts add up."""
        merged = LoopResult(self.names, self.elapsed + other.elapsed)
        for part in (self, other):
            for name, values in part.latencies.items():
                merged.latencies.setdefault(name, []).extend(values)
            for name, count in part.failures.items():
                merged.failures[name] = merged.failures.get(name, 0) + count
            for name, example in part.failure_example.items():
                merged.failure_example.setdefault(name, example)
        return merged

    def median(self, name: str) -> float | None:
        values = self.latencies.get(name) or []
        return median(values) if values else None

    def p95(self, name: str) -> float | None:
        return self.quantile(name, 0.95)

    def p99(self, name: str) -> float | None:
        return self.quantile(name, 0.99)

    def quantile(self, name: str, q: float) -> float | None:
        values = sorted(self.latencies.get(name) or [])
        if not values:
            return None
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    def all_latencies(self) -> list[float]:
        return [v for values in self.latencies.values() for v in values]


def closed_loop(
    endpoint: Endpoint, queries: list[BenchQuery], clients: int, duration: float, timeout: float, distinct: bool = False
) -> LoopResult:
    """``clients`` processes each send the mix round-robin (from a different offset) for
    ``duration`` seconds, one request at a time. With ``distinct``, every request's text is
    new (see :func:`distinct_text`), so that no cache can answer it."""
    context = multiprocessing.get_context("fork")
    start_at = time.monotonic() + 0.5
    queue = context.Queue()
    workers = [
        context.Process(
            target=_client,
            args=(endpoint, queries, i * len(queries) // clients, start_at, duration, timeout, queue, distinct, i),
            daemon=True,
        )
        for i in range(clients)
    ]
    for worker in workers:
        worker.start()
    outcomes = [queue.get(timeout=duration + timeout + 60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
        if worker.is_alive():
            worker.kill()
    return _merge(queries, outcomes, start_at)


def distinct_text(query: BenchQuery, client: int, request: int) -> BenchQuery:
    """The query with a literal no other request has, in a filter true for every solution
    (see :func:`querymix.with_marker`): the answer stays the same, while every cache sees a
    new query. A comment would not do: cmikg's guard drops comments from the text that keys
    its result cache, so a varied comment is a cache hit."""
    return replace(query, text=with_marker(query.text, f"request {client}-{request}"))


def _client(
    endpoint: Endpoint,
    queries: list[BenchQuery],
    offset: int,
    start_at: float,
    duration: float,
    timeout: float,
    queue,
    distinct: bool = False,
    client: int = 0,
) -> None:
    connection = Connection(endpoint, timeout)
    samples: list[tuple[int, float, int, str]] = []
    time.sleep(max(0.0, start_at - time.monotonic()))
    deadline = start_at + duration
    index = offset
    while time.monotonic() < deadline and len(samples) < MAX_REQUESTS_PER_CLIENT:
        position = index % len(queries)
        try:
            query = distinct_text(queries[position], client, index) if distinct else queries[position]
            reply = connection.send(query)
            problem = "" if reply.status == 200 else f"HTTP {reply.status}: {reply.body[:160]!r}"
            samples.append((position, reply.seconds, reply.status, problem))
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            samples.append((position, 0.0, 0, f"{type(exc).__name__}: {exc}"))
        index += 1
    connection.close()
    queue.put((samples, time.monotonic()))


def _merge(queries: list[BenchQuery], outcomes: list, start_at: float) -> LoopResult:
    names = [q.name for q in queries]
    result = LoopResult(names, max(end for _, end in outcomes) - start_at)
    for samples, _ in outcomes:
        for position, seconds, status, problem in samples:
            name = names[position]
            if status == 200:
                result.latencies.setdefault(name, []).append(seconds)
            else:
                result.failures[name] = result.failures.get(name, 0) + 1
                result.failure_example.setdefault(name, problem)
    return result

"""Counters for operators at /metrics (Prometheus text format), shared by every HTTP worker.

gunicorn serves from several forked processes; counters kept in one process would show
one worker's share. The numbers live in a small shared-memory array created before the
fork, so whichever worker answers /metrics reports the whole server.
"""

from __future__ import annotations

import multiprocessing
import time
from bisect import bisect_left
from itertools import accumulate

from flask import Blueprint, Response, current_app

from cmikg.engines.backend import QueryError, QueryRefused, QueryTimeout
from cmikg.sparql.formats import TEXT

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STATUSES = (200, 304, 400, 403, 404, 405, 406, 413, 415, 500, 502, 503)
COUNTERS = (
    ("queries", "in_flight", "timeouts", "refused", "seconds_sum")
    + tuple(f"status_{s}" for s in STATUSES)
    + ("status_other",)
    + tuple(f"bucket_{i}" for i in range(len(BUCKETS)))
)

bp = Blueprint("metrics", __name__)


class Metrics:
    """Query counters and a latency histogram in memory shared across processes."""

    def __init__(self) -> None:
        self._index = {name: i for i, name in enumerate(COUNTERS)}
        self._values = multiprocessing.RawArray("d", len(COUNTERS))
        self._lock = multiprocessing.Lock()
        self.started = time.time()

    def _add(self, *names: str, amount: float = 1.0) -> None:
        with self._lock:
            for name in names:
                self._values[self._index[name]] += amount

    def begin(self) -> None:
        """A query starts being evaluated."""
        self._add("in_flight")

    def observe(self, seconds: float, status: int, evaluated: bool) -> None:
        """One answered request to the endpoint: its latency and HTTP status."""
        status_name = f"status_{status}" if status in STATUSES else "status_other"
        index = self._index
        slot = bisect_left(BUCKETS, seconds)  # counted once here, made cumulative when rendered
        with self._lock:
            values = self._values
            values[index["queries"]] += 1
            values[index[status_name]] += 1
            if slot < len(BUCKETS):
                values[index[f"bucket_{slot}"]] += 1
            values[index["seconds_sum"]] += seconds
            if evaluated:
                values[index["in_flight"]] -= 1

    def error(self, exc: QueryError) -> None:
        if isinstance(exc, QueryTimeout):
            self._add("timeouts")
        elif isinstance(exc, QueryRefused):
            self._add("refused")

    def value(self, name: str) -> float:
        return self._values[self._index[name]]

    def render(self, version: str, triples: int) -> str:
        """The Prometheus text exposition (format 0.0.4)."""
        v = self.value
        lines = [
            "# HELP cmikg_queries_total Requests carrying a query answered by the SPARQL endpoint.",
            "# TYPE cmikg_queries_total counter",
            f"cmikg_queries_total {v('queries'):.0f}",
            "# HELP cmikg_queries_in_flight Queries being evaluated now.",
            "# TYPE cmikg_queries_in_flight gauge",
            f"cmikg_queries_in_flight {v('in_flight'):.0f}",
            "# HELP cmikg_query_responses_total Endpoint responses by HTTP status.",
            "# TYPE cmikg_query_responses_total counter",
            *(f'cmikg_query_responses_total{{status="{s}"}} {v(f"status_{s}"):.0f}' for s in STATUSES),
            f'cmikg_query_responses_total{{status="other"}} {v("status_other"):.0f}',
            "# HELP cmikg_query_errors_total Endpoint responses with a 4xx or 5xx status.",
            "# TYPE cmikg_query_errors_total counter",
            f"cmikg_query_errors_total {sum(v(f'status_{s}') for s in STATUSES if s >= 400):.0f}",
            "# HELP cmikg_query_timeouts_total Queries stopped at the time limit (worker killed and replaced).",
            "# TYPE cmikg_query_timeouts_total counter",
            f"cmikg_query_timeouts_total {v('timeouts'):.0f}",
            "# HELP cmikg_queries_refused_total Updates and SERVICE calls refused by the safety checks.",
            "# TYPE cmikg_queries_refused_total counter",
            f"cmikg_queries_refused_total {v('refused'):.0f}",
            "# HELP cmikg_query_duration_seconds Time to answer a query, from request to complete body.",
            "# TYPE cmikg_query_duration_seconds histogram",
            *(
                f'cmikg_query_duration_seconds_bucket{{le="{bound:g}"}} {total:.0f}'
                for bound, total in zip(
                    BUCKETS, accumulate(v(f"bucket_{i}") for i in range(len(BUCKETS))), strict=False
                )
            ),
            f'cmikg_query_duration_seconds_bucket{{le="+Inf"}} {v("queries"):.0f}',
            f"cmikg_query_duration_seconds_sum {v('seconds_sum'):.6f}",
            f"cmikg_query_duration_seconds_count {v('queries'):.0f}",
            "# HELP cmikg_dataset_triples Triples in the served dataset.",
            "# TYPE cmikg_dataset_triples gauge",
            f"cmikg_dataset_triples {triples}",
            "# HELP cmikg_dataset_info The served dataset's version.",
            "# TYPE cmikg_dataset_info gauge",
            f'cmikg_dataset_info{{version="{_label(version)}"}} 1',
            "# HELP cmikg_uptime_seconds Seconds since the service started.",
            "# TYPE cmikg_uptime_seconds gauge",
            f"cmikg_uptime_seconds {time.time() - self.started:.0f}",
        ]
        return "\n".join(lines) + "\n"


def _label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@bp.get("/metrics")
def metrics() -> Response:
    backend = current_app.extensions["cmikg"]
    text = current_app.extensions["cmikg.metrics"].render(backend.version(), backend.triple_count())
    return Response(text, content_type=f"{TEXT.media_type}; version=0.0.4; charset=utf-8")  # Prometheus text format

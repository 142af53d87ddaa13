"""How many HTTP workers `cmikg serve` starts when --workers is not given: one per core, but
one for a large store held in memory, where every further HTTP worker's query process would
end up holding a private copy of the store for no throughput."""

from __future__ import annotations

import os

from cmikg.service import server


def test_a_small_store_gets_one_http_worker_per_core():
    assert server.default_http_workers(large_in_memory=False) == min(os.cpu_count() or 2, 8)


def test_a_large_store_in_memory_gets_one():
    assert server.default_http_workers(large_in_memory=True) == 1


def test_the_threshold_is_the_documented_one():
    text = (server.__file__.rsplit("/src/", 1)[0] + "/docs/endpoint.md").replace("//", "/")
    with open(text, encoding="utf-8") as docs:
        row = next(line for line in docs if line.startswith("| `--workers N`"))
    assert f"{server.ONE_HTTP_WORKER_FROM:,} triples" in row

"""The answers kept for repeated queries: bounded in bytes, shared by processes, never stale."""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path

import pytest
import requests

from cmikg.engines.backend import QueryBackend, Result
from cmikg.engines.result_cache import CachingBackend, ResultCache, answer_key, is_cacheable

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def key(i: int) -> bytes:
    return answer_key("v1", f"SELECT * WHERE {{ ?s ?p {i} }}", "text/csv", (), ())


def test_distinct_answers_never_hold_more_than_the_bound(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "answers.sqlite", max_bytes=10_000, max_item_bytes=2_000)
    for i in range(500):
        assert cache.put(key(i), b"x" * 1_000)
        kept, used = cache.usage()
        assert used <= 10_000
    assert kept == 9  # 9 answers of 1032 bytes fit in 10000, a tenth would not
    assert cache.get(key(499)) == b"x" * 1_000, "the newest answer is kept"
    assert cache.get(key(0)) is None, "the oldest answers were dropped"


def test_an_answer_over_the_per_answer_bound_is_not_kept(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "answers.sqlite", max_bytes=10_000, max_item_bytes=2_000)
    assert not cache.put(key(1), b"x" * 5_000)
    assert cache.get(key(1)) is None
    assert cache.usage() == (0, 0)


def test_the_key_covers_version_query_format_and_dataset() -> None:
    base = answer_key("v1", COUNT, "text/csv", (), ())
    assert base == answer_key("v1", COUNT, "text/csv", (), ())
    assert base != answer_key("v2", COUNT, "text/csv", (), ())
    assert base != answer_key("v1", COUNT + " ", "text/csv", (), ())
    assert base != answer_key("v1", COUNT, "application/sparql-results+json", (), ())
    assert base != answer_key("v1", COUNT, "text/csv", ("https://example.org/g",), ())
    assert answer_key("v1", COUNT, "text/csv", ("https://example.org/g",), ()) != answer_key(
        "v1", COUNT, "text/csv", (), ("https://example.org/g",)
    )


def _fill(path: str) -> None:
    ResultCache(Path(path), max_bytes=10_000).put(key(7), b"from another process")


def test_a_process_reads_what_another_kept(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "answers.sqlite", max_bytes=10_000)
    assert cache.get(key(7)) is None
    child = multiprocessing.get_context("fork").Process(target=_fill, args=(str(cache.path),))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert cache.get(key(7)) == b"from another process"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (NOW() AS ?t) WHERE {}",
        "SELECT ?x WHERE { BIND(rand() AS ?x) }",
        "SELECT (STRUUID() AS ?u) WHERE {}",
        "SELECT (uuid () AS ?u) WHERE {}",
        "SELECT (N\\u004FW() AS ?t) WHERE {}",
    ],
)
def test_answers_that_change_between_evaluations_are_not_kept(query: str) -> None:
    assert not is_cacheable(query)


def test_the_quick_test_decides_as_the_regular_expression_does() -> None:
    """The substring shortcut may only skip the expression where the expression finds nothing."""
    from cmikg.engines.result_cache import _VOLATILE

    rng = random.Random(7)
    alphabet = ["now", "NOW", "rand", "uuid", "StrUuid", "uu", "d", "no", "w"]
    alphabet += ["\\u", "\\U", "\\", "İ", "ı", "ſ", "_", " ", "é"]
    texts = ["?uuİd", "(uuİd())", "ſtruuid", "nOw", "?x_now", "\\U0041"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(5000)]
    for text in texts:
        assert is_cacheable(text) == (_VOLATILE.search(text) is None), text


def test_ordinary_queries_are_kept() -> None:
    assert is_cacheable(COUNT)
    assert is_cacheable("SELECT ?label WHERE { ?s rdfs:label ?label FILTER(CONTAINS(?label, 'Cuba')) }")


@pytest.mark.server
def test_the_server_answers_a_repeat_from_the_cache_and_the_same(endpoint) -> None:
    first = endpoint.query(COUNT + " # repeat test")
    before = requests.get(f"{endpoint.base}/health", timeout=30).json()["result_cache"]
    again = [endpoint.query(COUNT + " # repeat test") for _ in range(4)]
    after = requests.get(f"{endpoint.base}/health", timeout=30).json()["result_cache"]
    assert first.status_code == 200
    assert all(r.status_code == 200 and r.content == first.content for r in again)
    assert after["answers"] == before["answers"], "repeats add no answer: they were found"
    assert after["bytes"] <= after["max_bytes"]


@pytest.mark.server
def test_now_is_evaluated_afresh_for_every_request(endpoint) -> None:
    query = "SELECT (STR(NOW()) AS ?t) WHERE {}"
    times = {endpoint.select(query)[0]["t"]["value"] for _ in range(3)}
    assert len(times) == 3


class _Counting(QueryBackend):
    """An engine that answers every query with its text, counting evaluations."""

    def __init__(self) -> None:
        self.evaluated = 0

    def run(self, query, media_type, default_graph_uris=(), named_graph_uris=(), form=""):
        self.evaluated += 1
        return Result(query.encode("utf-8"), media_type)

    def select(self, query: str) -> list[dict[str, dict]]:
        return []

    def triple_count(self) -> int:
        return 0

    def version(self) -> str:
        return "v1"


def test_a_worker_keeps_in_memory_only_answers_asked_for_again(tmp_path: Path) -> None:
    inner = _Counting()
    backend = CachingBackend(inner, ResultCache(tmp_path / "answers.sqlite", max_bytes=100_000), "v1")
    for i in range(50):  # distinct queries, each answered once: kept in the shared file only
        assert backend.run(f"ASK {{ FILTER({i} = {i}) }}", "text/csv").body == f"ASK {{ FILTER({i} = {i}) }}".encode()
    assert len(backend.local) == 0
    assert backend.cache.usage()[0] == 50
    repeat = "ASK { FILTER(7 = 7) }"
    assert backend.run(repeat, "text/csv").body == repeat.encode()  # from the file, then kept here
    assert len(backend.local) == 1
    assert inner.evaluated == 50, "a repeat is never evaluated again"

"""Bounds that hold whatever clients send: caches in bytes, query slots per process."""

from __future__ import annotations

import os
import time

import pytest

from cmikg.cache import CACHES, BoundedCache, total_bound
from cmikg.engines.backend import QueryTimeout, time_limit
from cmikg.guard.admission import EXPRESS_SECONDS, Admission, BarTable, TooBusy, client_key
from cmikg.guard.backend import READINGS, read


def test_distinct_large_queries_never_grow_the_reading_cache_past_its_bound():
    READINGS.clear()
    for i in range(450):
        read(f"SELECT ?x WHERE {{ VALUES ?x {{ {i} }} }}" + " " * 900_000)
    assert READINGS.bytes <= READINGS.max_bytes
    assert len(READINGS) == 0  # a 900 kB query is read each time, never kept
    for i in range(5000):  # each asked twice, so each is kept
        read(f"SELECT ?x WHERE {{ VALUES ?x {{ {i} }} }}" + " " * 2000)
        read(f"SELECT ?x WHERE {{ VALUES ?x {{ {i} }} }}" + " " * 2000)
    assert READINGS.bytes <= READINGS.max_bytes and len(READINGS) <= READINGS.max_entries
    assert len(READINGS) > READINGS.max_entries // 2


def test_a_cache_of_client_texts_keeps_a_value_only_once_it_is_asked_for_again():
    cache: BoundedCache[bytes] = BoundedCache(
        "test", max_bytes=100_000, max_entries=50, max_item_bytes=5000, keep_repeats_only=True
    )
    cache.put("v1", "a", b"x")
    assert cache.get("v1", "a") is None and len(cache) == 0
    cache.put("v1", "a", b"x")
    assert cache.get("v1", "a") == b"x"
    for i in range(10_000):  # a stream of texts each sent once keeps no value, and notes stay bounded
        cache.put("v1", f"distinct {i}", b"y" * 1000)
    assert len(cache) == 1 and cache.get("v1", "a") == b"x"
    assert len(cache._seen) == 50 and cache.bytes <= 1 + 50 * 100 + 200
    cache.put("v1", "distinct 9999", b"y")  # the latest note still counts
    assert cache.get("v1", "distinct 9999") == b"y"
    cache.put("v1", "distinct 0", b"y")  # its note was pushed out long ago: noted again
    assert cache.get("v1", "distinct 0") is None
    cache.put("v2", "b", b"z")  # a new version forgets the notes with the values
    assert len(cache) == 0 and len(cache._seen) == 1


def test_the_notes_of_keys_seen_once_count_in_a_cache_bound() -> None:
    cache: BoundedCache[bytes] = BoundedCache(
        "test", max_bytes=10_000, max_entries=50, max_item_bytes=5000, keep_repeats_only=True
    )
    for i in range(20):  # kept: about 8 kB of values
        cache.put("v1", f"kept {i}", b"x" * 300)
        cache.put("v1", f"kept {i}", b"x" * 300)
    assert len(cache) == 20
    for i in range(50):  # 50 notes of 100 bytes push the oldest values out
        cache.put("v1", f"once {i}", b"y")
        assert cache.bytes <= cache.max_bytes
    assert 0 < len(cache) < 20 and cache.get("v1", "kept 19") is not None


def test_a_cache_is_emptied_by_a_new_dataset_version_and_evicts_the_least_recent():
    cache: BoundedCache[bytes] = BoundedCache("test", max_bytes=10_000, max_entries=100, max_item_bytes=5000)
    cache.put("v1", "a", b"x" * 3000)
    cache.put("v1", "b", b"x" * 3000)
    assert cache.get("v1", "a") is not None  # "a" is now the most recent
    cache.put("v1", "c", b"x" * 3000)
    cache.put("v1", "d", b"x" * 3000)
    assert cache.get("v1", "b") is None and cache.get("v1", "a") is not None
    assert cache.bytes <= 10_000
    assert cache.get("v2", "a") is None
    cache.put("v2", "e", b"y")
    assert cache.get("v1", "a") is None and len(cache) == 1


def test_slots_then_the_express_slots_then_429_and_a_runaway_is_barred():
    admission = Admission(threads=3, per_client=5, express_slots=2)
    with admission.admit("d", 10.0):  # answered at once: "d" is known to send short queries
        pass
    with admission.admit("a", 10.0) as first, admission.admit("b", 10.0) as second:
        assert first == second == 10.0
        with admission.admit("c", 10.0) as express:  # a new client: the open express slot
            assert express == EXPRESS_SECONDS and time_limit(10.0) == EXPRESS_SECONDS
            with pytest.raises(TooBusy), admission.admit("e", 10.0):  # new too: not the slot kept
                pass
            with admission.admit("d", 10.0) as kept:
                assert kept == EXPRESS_SECONDS
                with pytest.raises(TooBusy), admission.admit("f", 10.0):
                    pass
        with pytest.raises(TooBusy), admission.admit("a", 10.0):  # "a" already runs a query
            pass
        stopped_after(admission, "c", EXPRESS_SECONDS)
        with pytest.raises(TooBusy), admission.admit("c", 10.0):  # barred from the express slots
            pass
        with admission.admit("e", 10.0) as other:
            assert other == EXPRESS_SECONDS
    assert admission.running == 0 and admission.express_running == 0 and not admission.clients
    assert time_limit(10.0) == 10.0


def stopped_after(admission: Admission, client: str, seconds: float) -> None:
    """A query of ``client`` that ran ``seconds`` and was stopped at its time limit."""
    with pytest.raises(QueryTimeout), admission.admit(client, 10.0):
        time.sleep(seconds)
        raise QueryTimeout("stopped")


def test_a_long_query_in_a_full_slot_bars_its_client_from_the_express_slots_in_every_worker():
    admission = Admission(threads=2, per_client=1)
    with admission.admit("127.0.0.2", 10.0) as limit:  # the one full slot
        assert limit == 10.0
        time.sleep(EXPRESS_SECONDS)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # another HTTP worker forked from the same master
        outcome = b"?"
        try:
            with admission.admit("127.0.0.3", 10.0):
                try:
                    with admission.admit("127.0.0.2", 10.0):
                        outcome = b"admitted"
                except TooBusy:
                    outcome = b"refused"
        finally:
            os.write(write, outcome)
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"refused"
    with admission.admit("127.0.0.4", 10.0), admission.admit("127.0.0.5", 10.0) as express:
        assert express == EXPRESS_SECONDS  # a client with no long query still gets one


def test_an_ipv6_client_is_its_network():
    assert client_key("2001:db8:1:2::a") == client_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1" and client_key("192.0.2.1") == "192.0.2.1"
    admission = Admission(threads=5, per_client=1)
    with admission.admit("2001:db8::1", 10.0), pytest.raises(TooBusy, match="from your address"):
        with admission.admit("2001:db8::2", 10.0):
            pass


def test_the_bar_table_stays_its_size_whatever_the_number_of_clients():
    table = BarTable(entries=64)
    size = len(table._memory)
    for i in range(10_000):
        table.bar(f"10.0.{i // 256}.{i % 256}", 1e12 + i)
    assert len(table._memory) == size
    assert table.until("10.0.39.15") == 1e12 + 9999  # the latest is kept


def test_one_client_may_hold_only_its_share():
    admission = Admission(threads=5)
    assert admission.per_client == 2
    with admission.admit("a", 10.0), admission.admit("a", 10.0):
        with pytest.raises(TooBusy, match="from your address"), admission.admit("a", 10.0):
            pass
        with admission.admit("b", 10.0):
            pass


def test_a_stream_of_distinct_queries_leaves_no_reading_or_permalink_behind(client):
    from cmikg.sparql.protocol import PERMALINKS

    READINGS.clear()
    PERMALINKS.clear()
    for i in range(30):
        response = client.get("/sparql", query_string={"query": f"ASK {{ FILTER({i} = {i}) }}"})
        assert response.status_code == 200 and response.headers["Link"]
    assert len(READINGS) == 0 and len(PERMALINKS) == 0
    repeat = "ASK { FILTER(7 = 7) }"
    first = client.get("/sparql", query_string={"query": repeat})  # the second time this text is sent
    assert READINGS.get("", repeat) is not None and len(PERMALINKS) == 1
    again = client.get("/sparql", query_string={"query": repeat})
    assert again.headers["Link"] == first.headers["Link"] and again.data == first.data
    caches = client.get("/health").get_json()["caches"]  # this process's caches, as /health states them
    assert caches["max_bytes"] == total_bound() == sum(cache.max_bytes for cache in CACHES)
    assert caches["bytes"] == sum(cache.bytes for cache in CACHES) and caches["bytes"] <= caches["max_bytes"]
    assert caches["entries"] >= 2  # the repeat's reading and permalink at least

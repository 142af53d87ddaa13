"""Bounds that hold whatever clients send: caches in bytes, query slots per process."""

from __future__ import annotations

import pytest

from cmikg.cache import BoundedCache
from cmikg.engines.backend import QueryTimeout
from cmikg.guard.admission import EXPRESS_SECONDS, Admission, TooBusy, time_limit
from cmikg.guard.backend import READINGS, read


def test_distinct_large_queries_never_grow_the_reading_cache_past_its_bound():
    READINGS.clear()
    for i in range(450):
        read(f"SELECT ?x WHERE {{ VALUES ?x {{ {i} }} }}" + " " * 900_000)
    assert READINGS.bytes <= READINGS.max_bytes
    assert len(READINGS) == 0  # a 900 kB query is read each time, never kept
    for i in range(5000):
        read(f"SELECT ?x WHERE {{ VALUES ?x {{ {i} }} }}" + " " * 2000)
    assert READINGS.bytes <= READINGS.max_bytes and len(READINGS) <= READINGS.max_entries


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


def test_slots_then_the_express_slot_then_429_and_a_runaway_is_barred():
    admission = Admission(threads=3, per_client=5)
    with admission.admit("a", 10.0) as first, admission.admit("b", 10.0) as second:
        assert first == second == 10.0
        with admission.admit("c", 10.0) as express:
            assert express == EXPRESS_SECONDS and time_limit(10.0) == EXPRESS_SECONDS
            with pytest.raises(TooBusy), admission.admit("d", 10.0):
                pass
        with pytest.raises(QueryTimeout), admission.admit("c", 10.0):
            raise QueryTimeout("stopped")
        with pytest.raises(TooBusy), admission.admit("c", 10.0):  # barred from the express slot
            pass
        with admission.admit("e", 10.0) as other:
            assert other == EXPRESS_SECONDS
    assert admission.running == 0 and not admission.express_busy and not admission.clients
    assert time_limit(10.0) == 10.0


def test_one_client_may_hold_only_its_share():
    admission = Admission(threads=5)
    assert admission.per_client == 2
    with admission.admit("a", 10.0), admission.admit("a", 10.0):
        with pytest.raises(TooBusy, match="from your address"), admission.admit("a", 10.0):
            pass
        with admission.admit("b", 10.0):
            pass

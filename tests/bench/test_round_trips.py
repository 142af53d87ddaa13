"""The machine facts the report gives: what one hop between two processes costs here."""

from __future__ import annotations

import os

import pytest

from tests.bench.scripts import bench_module


@pytest.mark.parametrize("same_cpu", [True, False])
def test_a_round_trip_is_timed_and_leaves_nothing_behind(same_cpu: bool) -> None:
    process = bench_module("process")
    before = os.sched_getaffinity(0)
    children = _children()
    figures = process.pipe_round_trips(same_cpu=same_cpu, count=200)
    if len(before) < 2:
        assert figures is None
        return
    latency, cpu = figures
    assert 0 < latency < 1e6 and 0 <= cpu < 1e6
    assert os.sched_getaffinity(0) == before  # the benchmark's own cores are given back
    assert _children() == children  # the echo process was stopped and reaped


def _children() -> set[str]:
    tasks = f"/proc/{os.getpid()}/task"
    return {pid for tid in os.listdir(tasks) for pid in open(f"{tasks}/{tid}/children").read().split()}

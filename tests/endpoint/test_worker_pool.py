"""The query worker pool starts workers as the load needs them, never more than its size,
keeps those it started, and still stops a job past its deadline. A job is lowered to the
least CPU priority once it has used LONG_QUERY_SECONDS of CPU, not merely waited that long."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cmikg.engines import workers
from cmikg.engines.backend import BackendUnavailable, QueryTimeout
from cmikg.engines.workers import LONG_QUERY_NICENESS, LONG_QUERY_SECONDS, WorkerPool


def _sleep_then_pid(seconds: float) -> int:
    """The job every test sends: hold the worker for a while, then say which process ran it."""
    time.sleep(seconds)
    return os.getpid()


def _started(handler, size: int):
    """A pool of ``handler`` with one warm worker, closed when the test ends."""
    pool = WorkerPool(handler, size=size, sandbox=False, warm=1)
    pool.start()
    yield pool
    pool.close()


@pytest.fixture
def pool():
    yield from _started(_sleep_then_pid, size=3)


def test_one_worker_is_started_at_once(pool):
    assert pool.running == 1
    assert pool.stats.started == 1


def test_sequential_jobs_share_one_worker(pool):
    pids = {pool.call(0.0, timeout=10) for _ in range(6)}
    assert len(pids) == 1
    assert pool.running == 1 and pool.stats.started == 1


def test_concurrent_jobs_start_workers_up_to_the_size(pool):
    with ThreadPoolExecutor(5) as threads:
        pids = list(threads.map(lambda _: pool.call(0.4, timeout=10), range(5)))
    assert len(pids) == 5, "every job is answered, those past the size by a worker freed meanwhile"
    assert len(set(pids)) == 3
    assert pool.running == 3 and pool.stats.started == 3
    # the workers are kept: the same load again starts none
    with ThreadPoolExecutor(3) as threads:
        again = set(threads.map(lambda _: pool.call(0.2, timeout=10), range(3)))
    assert again <= set(pids)
    assert pool.stats.started == 3


def test_a_job_past_its_deadline_is_stopped_and_its_worker_replaced(pool, caplog):
    first = pool.call(0.0, timeout=10)
    with pytest.raises(QueryTimeout):
        pool.call(30.0, timeout=0.5)
    # the operator's log says the job was stopped, and that it had used almost no CPU
    (record,) = [r for r in caplog.records if r.name == "cmikg.engines.workers"]
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith("stopped at its 0.5 s limit after 0.0")
    assert record.getMessage().endswith("s of CPU: 30.0")
    assert pool.stats.killed == 1
    assert pool.running == 1, "the replacement takes the killed worker's place"
    after = pool.call(0.0, timeout=10)
    assert after != first
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)


def _hold_then_priority(job: tuple[str, float]) -> int:
    """Spin on the CPU or sleep for a while, then say at which priority the worker ran."""
    how, seconds = job
    if how == "spin":
        until = time.process_time() + seconds
        while time.process_time() < until:
            pass
    else:
        time.sleep(seconds)
    return os.getpriority(os.PRIO_PROCESS, 0)


@pytest.fixture
def priority_pool():
    yield from _started(_hold_then_priority, size=1)


def test_a_job_that_only_waits_keeps_its_priority(priority_pool):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert priority_pool.call(("sleep", 3 * LONG_QUERY_SECONDS), timeout=10) == base


def test_a_job_that_uses_the_cpu_is_lowered_and_its_worker_restored(priority_pool):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert priority_pool.call(("spin", 3 * LONG_QUERY_SECONDS), timeout=10) == LONG_QUERY_NICENESS
    assert priority_pool.call(("spin", 0.0), timeout=10) == base, "the next job runs at the normal priority"
    assert priority_pool.stats.started == 1


#: What the warm-up job left in the worker process that ran it.
_WARMED: list[str] = []


def _warm_then_answer(job):
    """The warm-up job ("warm", MARKER) hangs in the first worker that sees MARKER missing,
    as a worker that inherited a held lock would, and is noted in every other; a query job
    answers with its process and whether that process ran the warm-up."""
    if isinstance(job, tuple) and job[0] == "warm":
        if not os.path.exists(job[1]):
            open(job[1], "w").close()
            time.sleep(3600)
        _WARMED.append("warm")
        return None
    return os.getpid(), _WARMED == ["warm"]


def test_a_fresh_worker_runs_the_warm_up_before_any_job(tmp_path):
    (tmp_path / "hung-once").touch()  # present: no worker hangs
    pool = WorkerPool(_warm_then_answer, size=2, sandbox=False, warm=1, warm_up=("warm", str(tmp_path / "hung-once")))
    pool.start()
    try:
        pid, warmed = pool.call("query", timeout=10)
        assert warmed and pid != os.getpid()
        assert pool.stats.started == 1 and pool.stats.crashed == 0
    finally:
        pool.close()


def test_a_worker_that_never_reports_ready_is_replaced_before_any_job(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(workers, "READY_SECONDS", 0.5)
    pool = WorkerPool(_warm_then_answer, size=2, sandbox=False, warm=1, warm_up=("warm", str(tmp_path / "hang")))
    pool.start()  # the first fork hangs in its warm-up; the second is ready
    try:
        pid, warmed = pool.call("query", timeout=10)
        assert warmed
        assert pool.stats.started == 2 and pool.stats.crashed == 1 and pool.running == 1
        assert "did not report ready" in caplog.text
    finally:
        pool.close()


def _never_ready(job):
    if job == "warm":
        time.sleep(3600)
    return os.getpid()


def test_a_pool_whose_workers_never_become_ready_answers_503(monkeypatch):
    monkeypatch.setattr(workers, "READY_SECONDS", 0.2)
    pool = WorkerPool(_never_ready, size=2, sandbox=False, warm=0, warm_up="warm")
    try:
        with pytest.raises(BackendUnavailable, match="no query worker could be started"):
            pool.call("query", timeout=5)
        assert pool.stats.started == workers.READY_ATTEMPTS and pool.stats.crashed == workers.READY_ATTEMPTS
    finally:
        pool.close()

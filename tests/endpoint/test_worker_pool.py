"""The query pool keeps one query process per HTTP worker and evaluates each job in a thread
of it, one lane per request thread; a job past its deadline has the process killed and
replaced, and the jobs running beside it are sent again and answered. A job is lowered to
the least CPU priority once it has used LONG_QUERY_SECONDS of CPU, not merely waited that
long, and only its own thread is lowered."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cmikg.engines import workers
from cmikg.engines.backend import BackendUnavailable, QueryTimeout
from cmikg.engines.workers import LONG_QUERY_NICENESS, LONG_QUERY_SECONDS, WorkerPool


def _sleep_then_where(seconds: float) -> tuple[int, int]:
    """The job most tests send: hold a lane for a while, then say which process and thread ran it."""
    time.sleep(seconds)
    return os.getpid(), threading.get_native_id()


def _started(handler, size: int):
    """A pool of ``handler`` with its process started, closed when the test ends."""
    pool = WorkerPool(handler, size=size, sandbox=False, warm=1)
    pool.start()
    yield pool
    pool.close()


@pytest.fixture
def pool():
    yield from _started(_sleep_then_where, size=3)


def test_one_process_is_started_at_once(pool):
    assert pool.running == 1
    assert pool.stats.started == 1


def test_sequential_jobs_share_one_process(pool):
    where = {pool.call(0.0, timeout=10) for _ in range(6)}
    assert len({pid for pid, _ in where}) == 1
    assert pool.running == 1 and pool.stats.started == 1


def test_concurrent_jobs_run_side_by_side_in_threads_of_one_process(pool):
    clock = time.monotonic()
    with ThreadPoolExecutor(5) as threads:
        where = list(threads.map(lambda _: pool.call(0.4, timeout=10), range(5)))
    took = time.monotonic() - clock
    assert len(where) == 5, "every job is answered, those past the size in a lane freed meanwhile"
    assert len({pid for pid, _ in where}) == 1 and where[0][0] != os.getpid()
    assert len({tid for _, tid in where}) == 3, "one thread per lane, as many lanes as the size"
    assert 0.8 <= took < 2.0, f"three at a time, so two rounds of 0.4 s: took {took:.2f} s"
    assert pool.running == 1 and pool.stats.started == 1


def test_with_one_lane_per_process_concurrent_jobs_start_processes_up_to_the_size():
    pool = WorkerPool(_sleep_then_where, size=3, sandbox=False, warm=1, lanes_per_process=1)
    pool.start()
    try:
        with ThreadPoolExecutor(5) as threads:
            where = list(threads.map(lambda _: pool.call(0.4, timeout=10), range(5)))
        assert len({pid for pid, _ in where}) == 3
        assert pool.running == 3 and pool.stats.started == 3
        with pytest.raises(QueryTimeout):
            pool.call(30.0, timeout=0.5)
        assert pool.running == 3 and pool.stats.killed == 1, "the killed process is replaced, the others kept"
    finally:
        pool.close()


def test_a_job_past_its_deadline_is_stopped_and_its_process_replaced(pool, caplog):
    first, _ = pool.call(0.0, timeout=10)
    with pytest.raises(QueryTimeout):
        pool.call(30.0, timeout=0.5)
    # the operator's log says the job was stopped, and that it had used almost no CPU
    (record,) = [r for r in caplog.records if r.name == "cmikg.engines.workers"]
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith("stopped at its 0.5 s limit after 0.0")
    assert record.getMessage().endswith("s of CPU: 30.0")
    assert pool.stats.killed == 1
    assert pool.running == 1, "the replacement takes the killed process's place"
    after, _ = pool.call(0.0, timeout=10)
    assert after != first
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)


def test_jobs_beside_a_runaway_are_sent_again_and_answered(pool):
    first, _ = pool.call(0.0, timeout=10)
    with ThreadPoolExecutor(3) as threads:
        neighbours = [threads.submit(pool.call, 1.0, 10) for _ in range(2)]
        time.sleep(0.1)
        runaway = threads.submit(pool.call, 30.0, 0.5)
        with pytest.raises(QueryTimeout):
            runaway.result()
        answered = [job.result() for job in neighbours]
    assert all(pid != first for pid, _ in answered), "answered by the fresh process"
    assert pool.stats.killed == 1 and pool.stats.resent == 2 and pool.stats.crashed == 0
    assert pool.running == 1


def _crash_or_answer(job):
    """("crash", MARKER) kills its process unless MARKER exists (it is made first, so the job
    sent again is answered); ("crash", None) kills every process it reaches; a number sleeps."""
    if isinstance(job, tuple):
        marker = job[1]
        if marker is None or not os.path.exists(marker):
            if marker is not None:
                open(marker, "w").close()
            os._exit(70)
        return "answered after a crash"
    time.sleep(job)
    return os.getpid()


@pytest.fixture
def crash_pool():
    yield from _started(_crash_or_answer, size=3)


def test_a_crash_is_survived_by_every_job_that_was_running(crash_pool, tmp_path):
    first = crash_pool.call(0.0, timeout=10)
    with ThreadPoolExecutor(2) as threads:
        neighbour = threads.submit(crash_pool.call, 0.6, 10)
        time.sleep(0.2)
        culprit = threads.submit(crash_pool.call, ("crash", str(tmp_path / "crashed")), 10)
        assert culprit.result() == "answered after a crash"
        assert neighbour.result() != first
    assert crash_pool.stats.crashed == 1 and crash_pool.stats.resent == 2 and crash_pool.stats.killed == 0


def test_a_job_that_crashes_every_process_fails_alone(crash_pool):
    with pytest.raises(BackendUnavailable, match="query process stopped while evaluating this query"):
        crash_pool.call(("crash", None), timeout=10)
    assert crash_pool.stats.crashed == workers.CRASH_RETRIES + 1
    assert crash_pool.call(0.0, timeout=10) > 0, "the next job is answered"


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


@pytest.fixture
def wide_priority_pool():
    yield from _started(_hold_then_priority, size=2)


def test_a_job_that_only_waits_keeps_its_priority(priority_pool):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert priority_pool.call(("sleep", 3 * LONG_QUERY_SECONDS), timeout=10) == base


def test_a_job_that_uses_the_cpu_is_lowered_and_its_worker_restored(priority_pool):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert priority_pool.call(("spin", 3 * LONG_QUERY_SECONDS), timeout=10) == LONG_QUERY_NICENESS
    assert priority_pool.call(("spin", 0.0), timeout=10) == base, "the next job runs at the normal priority"
    assert priority_pool.stats.started == 1


def test_only_the_long_jobs_thread_is_lowered(wide_priority_pool):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    with ThreadPoolExecutor(2) as threads:
        long = threads.submit(wide_priority_pool.call, ("spin", 4 * LONG_QUERY_SECONDS), 10)
        time.sleep(2 * LONG_QUERY_SECONDS)  # the long job has been lowered by now
        assert wide_priority_pool.call(("sleep", 0.0), timeout=10) == base, "its neighbour keeps its priority"
        assert long.result() == LONG_QUERY_NICENESS
    assert wide_priority_pool.stats.started == 1


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
        with pytest.raises(BackendUnavailable, match="no query process could be started"):
            pool.call("query", timeout=5)
        assert pool.stats.started == workers.READY_ATTEMPTS and pool.stats.crashed == workers.READY_ATTEMPTS
    finally:
        pool.close()

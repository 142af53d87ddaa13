"""A long-lived query process per HTTP worker, evaluating each job in a thread of its own;
killed and replaced only when a query runs past its deadline.

Why a process: a query in the engine cannot be interrupted from Python, and a thread
cannot be killed, so the only way to truly stop a runaway query is to kill the process
evaluating it. Why long-lived and forked: starting a process per query would cost more
than most queries; forking a process that already holds the store shares the store's
memory copy-on-write, and a replacement is ready in milliseconds.

Why threads in one process, not a process per concurrent job: the engine writes to the
store's pages as it reads them (reference counts), so every process that evaluates
queries ends up with a private copy of the pages it has read, the whole store after a few
scans. A process per job held one copy per concurrent job (1.2 GiB for 4 at 1M triples);
threads share one (0.3 GiB), and pyoxigraph releases the GIL while it evaluates, so they
run on every core (docs/benchmark.md, Profiling, has the measurements).

A pool can also keep one lane per process (``lanes_per_process=1``), forking another as
jobs need: the on-disk store is served so, since its pages are shared through the page
cache and concurrent threads on one read-only RocksDB store gave short answers at 10M
triples.

The price of threads is that stopping a runaway stops the jobs running beside it. Those are sent
again to the fresh process at once, with what is left of their own time limits: a job is
only ever failed for its own deadline, or after its process crashed twice under it.

Each process is sandboxed where the kernel allows it (a new, empty network namespace), so
the engine cannot open a connection even if a SERVICE clause slipped past the checks:
federation is done by :mod:`cmikg.guard.federation`, outside the workers.
"""

from __future__ import annotations

import ctypes
import logging
import math
import os
import pickle
import queue
import resource
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

from cmikg.engines.backend import BackendUnavailable, QueryTimeout

log = logging.getLogger(__name__)

#: Address space a query process may add to what it inherits; past it, the process fails
#: (its jobs are sent again once, see :class:`WorkerPool`).
MEMORY_BUDGET_BYTES = 2 << 30
#: A job that has used this many seconds of CPU has its thread lowered to the least CPU
#: priority, so short queries keep the cores while long ones run out their time limit.
#: CPU time, not time waited: on a busy machine a short query can wait that long for a core,
#: and lowering it then would leave it behind every other query for no work of its own.
LONG_QUERY_SECONDS = 0.5
LONG_QUERY_NICENESS = 19
#: Seconds a fresh process has to run its warm-up job and report every thread ready; one
#: that does not is killed and another forked, and no job is ever handed to it.
READY_SECONDS = 5.0
#: Forks tried for one fresh process before the request is answered 503.
READY_ATTEMPTS = 3
#: Times a job is sent again after its process crashed under it (a crash cannot say which
#: of the jobs running then caused it).
CRASH_RETRIES = 1
#: The shortest wait between two looks at a running job's CPU time.
_CPU_CHECK_SECONDS = 0.05
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000

Handler = Callable[[Any], Any]


@dataclass
class PoolStats:
    """Counters for /metrics and /health, kept per HTTP worker process."""

    started: int = 0
    killed: int = 0
    crashed: int = 0
    #: Jobs sent again because their process was stopped for another job, or crashed.
    resent: int = 0
    sandboxed: bool | None = None
    last_replace_seconds: float = 0.0  # kill, reap and fork a fresh process, ready to answer


class QueryProcess:
    """One child process with a thread per lane, each evaluating the jobs sent on its pipe."""

    def __init__(self, pid: int, conns: list[Connection]):
        self.pid = pid
        self.lanes = [Lane(self, conn) for conn in conns]
        #: Why the pool killed it: "deadline" (its other jobs are sent again as they were) or
        #: "crash" (sent again, counted against :data:`CRASH_RETRIES`); "" while it runs.
        self.stopped_by = ""
        #: Takes no new job; killed once its last lane is back.
        self.retired = False
        self.in_use = 0
        self._reaped = False

    @classmethod
    def start(cls, handler: Handler, lanes: int, sandbox: bool, warm_up: Any = None) -> QueryProcess:
        pairs = [Pipe(duplex=True) for _ in range(lanes)]
        pid = os.fork()
        if pid == 0:  # the child never returns into the caller's code
            status = 1
            try:
                for parent, _ in pairs:
                    parent.close()
                _child_main([child for _, child in pairs], handler, sandbox, warm_up)
                status = 0
            finally:
                os._exit(status)
        for _, child in pairs:
            child.close()
        return cls(pid, [parent for parent, _ in pairs])

    def ready(self, seconds: float) -> bool | None:
        """Whether the sandbox took (None: not every thread reported ready within ``seconds``)."""
        deadline = time.monotonic() + seconds
        sandboxed = None
        for lane in self.lanes:
            try:
                if not lane.conn.poll(max(0.0, deadline - time.monotonic())):
                    return None
                sandboxed, lane.tid = pickle.loads(lane.conn.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError, TypeError, ValueError):
                return None
        return bool(sandboxed)

    def kill(self) -> None:
        """Stop the process and reap it. Its lanes stay open until their callers give them
        back: a caller waiting on one sees the pipe's end, never a closed descriptor whose
        number a new pipe may already have taken."""
        if self._reaped:
            return
        self._reaped = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass

    @property
    def alive(self) -> bool:
        return not self._reaped


class Lane:
    """A request thread's line to one thread of a query process: one job at a time."""

    def __init__(self, process: QueryProcess, conn: Connection):
        self.process = process
        self.conn = conn
        self.tid = 0
        # one poll object for the lane's life: Connection.poll builds a selector per call
        self._answer = select.poll()
        self._answer.register(conn.fileno(), select.POLLIN)
        self.niced = False
        #: CPU seconds the thread had used when it sent its last answer.
        self.cpu = 0.0

    def call(self, job: Any, timeout: float) -> Any:
        """Send a job and wait for its answer; ``TimeoutError`` once ``timeout`` passes. A job
        that has used :data:`LONG_QUERY_SECONDS` of CPU runs on at the lowest CPU priority."""
        self.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        deadline = time.monotonic() + timeout
        wait = LONG_QUERY_SECONDS
        while not self._ready(min(wait, deadline - time.monotonic())):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(self.job_cpu(), self.niced)
            used = LONG_QUERY_SECONDS if self.niced else self.job_cpu()
            if used >= LONG_QUERY_SECONDS:
                if not self.niced:
                    self.lower_priority()
                wait = left
            else:
                wait = max(LONG_QUERY_SECONDS - used, _CPU_CHECK_SECONDS)
        answer, self.cpu = pickle.loads(self.conn.recv_bytes())
        return answer

    def _ready(self, seconds: float) -> bool:
        """True once the answer (or the end of the pipe: a dead process) can be read."""
        return bool(self._answer.poll(max(0, math.ceil(seconds * 1000))))

    def job_cpu(self) -> float:
        """CPU seconds the running job has used so far (all the time waited, if /proc cannot tell)."""
        try:
            with open(f"/proc/{self.process.pid}/task/{self.tid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            # /proc counts whole clock ticks, the thread's own clock finer: never below 0
            return max(0.0, (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS - self.cpu)
        except (OSError, IndexError, ValueError):
            return LONG_QUERY_SECONDS

    def lower_priority(self) -> None:
        """On Linux a thread has a niceness of its own: only this job's thread is lowered."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.tid, LONG_QUERY_NICENESS)
            self.niced = True
        except OSError:
            pass

    def restore_priority(self) -> bool:
        """Back to normal priority after a long job; False when the system does not allow it
        (then the process is retired and another forked)."""
        if not self.niced:
            return True
        try:
            os.setpriority(os.PRIO_PROCESS, self.tid, os.getpriority(os.PRIO_PROCESS, 0))
            self.niced = False
            return True
        except OSError:
            return False


def _child_main(conns: list[Connection], handler: Handler, sandbox: bool, warm_up: Any = None) -> None:
    for number in (
        signal.SIGTERM,
        signal.SIGINT,
        signal.SIGHUP,
        signal.SIGQUIT,
        signal.SIGUSR1,
        signal.SIGUSR2,
        signal.SIGWINCH,
        signal.SIGCHLD,
        signal.SIGTTIN,
        signal.SIGTTOU,
    ):
        signal.signal(number, signal.SIG_DFL)
    _close_other_fds(conn.fileno() for conn in conns)
    ok = _enter_sandbox() if sandbox else False
    _limit_memory()
    if warm_up is not None:  # a child that cannot answer this never reports ready, and is replaced
        handler(warm_up)
    threads = [threading.Thread(target=_serve_lane, args=(conn, handler, ok), daemon=True) for conn in conns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # every lane's pipe closed: the HTTP worker that owned us is gone


def _serve_lane(conn: Connection, handler: Handler, sandboxed: bool) -> None:
    conn.send_bytes(pickle.dumps((sandboxed, threading.get_native_id())))
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            reply = handler(pickle.loads(message))
        except BaseException as exc:  # noqa: BLE001 - the worker must answer, whatever happened
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send_bytes(pickle.dumps((reply, time.thread_time()), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return


def _close_other_fds(keep: Iterable[int]) -> None:
    """Drop inherited sockets and files (the listener, other processes' pipes)."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _enter_sandbox() -> bool:
    """A new network namespace has no interface but a downed loopback: nothing to connect to."""
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0 or libc.unshare(_CLONE_NEWNET) == 0


def _limit_memory() -> None:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        used = pages * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = used + MEMORY_BUDGET_BYTES
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):
        pass


def _log_stopped(job: Any, timeout: float, cpu: float = -1.0, niced: bool = False) -> None:
    """One line for the operator per job stopped at its deadline, with the CPU it had used:
    a runaway has used most of its time; a job that used little was kept off the cores."""
    text = " ".join(str(job).split())
    priority = ", at the least CPU priority" if niced else ""
    log.warning("stopped at its %g s limit after %.2f s of CPU%s: %.200s", timeout, cpu, priority, text)


@dataclass
class WorkerPool:
    """Query processes for the HTTP worker that owns the pool, ``size`` lanes in all,
    ``lanes_per_process`` in each (None: all in one); a caller borrows a lane per job.

    The first process is started at once (``warm=1``) or by the first job (``warm=0``),
    another only when a job finds no lane idle, and each is kept. A job past its deadline
    has its process killed and a fresh one forked; the jobs that were running beside it see
    their lane close and are sent again. A crash (the process ran out of its memory budget,
    say) is handled the same way, but a job is sent again after :data:`CRASH_RETRIES`
    crashes at most.

    The pool belongs to the process that started its query processes: after a fork
    (gunicorn's HTTP workers are forked from the master) the child starts its own.
    """

    handler: Handler
    size: int = 4
    sandbox: bool = True
    stats: PoolStats = field(default_factory=PoolStats)
    warm: int = 1
    #: A job each fresh process runs before it reports ready (None: none). A process forked
    #: from a threaded one can inherit a lock another thread held at that instant and hang on
    #: its first use; such a process is caught here, before any query is handed to it.
    warm_up: Any = None
    lanes_per_process: int | None = None

    def __post_init__(self) -> None:
        self._owner = -1
        self._idle: queue.LifoQueue[Lane] = queue.LifoQueue()
        self._lock = threading.Lock()
        #: Processes lent from; retired ones are killed once their last lane is back.
        self._live: list[QueryProcess] = []
        self._retired: list[QueryProcess] = []

    def start(self) -> None:
        """Start the first query process now (gunicorn calls this right after forking an HTTP worker)."""
        with self._lock:
            if self._owner == os.getpid():
                return
            self._idle = queue.LifoQueue()
            self.stats = PoolStats()
            self._live, self._retired = [], []
            self._owner = os.getpid()
            if self.warm > 0:
                self._install(self._spawn())

    @property
    def running(self) -> int:
        """Query processes this HTTP worker has started and not yet reaped."""
        if self._owner != os.getpid():
            return 0
        return sum(1 for p in (*self._live, *self._retired) if p.alive)

    def call(self, job: Any, timeout: float) -> Any:
        """Run ``job`` in a lane; past ``timeout`` seconds its process is killed and replaced."""
        if self._owner != os.getpid():
            self.start()
        deadline = time.monotonic() + timeout
        crashes = 0
        while True:
            lane = self._borrow(deadline - time.monotonic())
            try:
                answer = lane.call(job, deadline - time.monotonic())
            except TimeoutError as stopped:
                _log_stopped(job, timeout, *stopped.args)
                self._stop(lane.process, killed=True)
                raise QueryTimeout(f"the query ran past the time limit of {timeout:g} s and was stopped") from None
            except (EOFError, OSError, pickle.UnpicklingError):
                if lane.process.stopped_by != "deadline":  # it crashed under this job
                    crashes += 1
                    self._stop(lane.process, killed=False)
                    if crashes > CRASH_RETRIES:
                        raise BackendUnavailable(
                            "the query process stopped while evaluating this query "
                            "(it may have needed too much memory); it has been replaced"
                        ) from None
                self.stats.resent += 1
                if deadline <= time.monotonic():
                    raise QueryTimeout(f"the query ran past the time limit of {timeout:g} s and was stopped") from None
                continue
            finally:
                self._give_back(lane)
            if not lane.restore_priority():
                self._retire(lane.process)
            return answer

    def _lanes(self) -> int:
        return sum(len(p.lanes) for p in self._live)

    def _borrow(self, timeout: float) -> Lane:
        """An idle lane of a live process, a new process while the pool has fewer lanes
        than its size, or the next lane freed."""
        until = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                lane = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    grow = self._lanes() < self.size
                    if grow:
                        self._install(self._spawn())
                if grow:
                    continue
                try:
                    lane = self._idle.get(timeout=max(0.0, until - time.monotonic()))
                except queue.Empty:
                    raise BackendUnavailable(f"every query lane stayed busy for {timeout:g} s; try again") from None
            with self._lock:
                if lane.process in self._live:
                    lane.process.in_use += 1
                    return lane
            lane.conn.close()  # a lane of a process since replaced

    def _give_back(self, lane: Lane) -> None:
        with self._lock:
            process = lane.process
            process.in_use -= 1
            if process in self._live:
                self._idle.put(lane)
                return
            lane.conn.close()
            if process.retired and process.in_use == 0:
                process.kill()
                if process in self._retired:
                    self._retired.remove(process)

    def _stop(self, process: QueryProcess, killed: bool) -> None:
        """Kill ``process`` (every job in it then sees its lane close) and, if it was lent
        from, fork its replacement. Called by each job that found it dead: once counted."""
        clock = time.perf_counter()
        with self._lock:
            if process.stopped_by:
                return
            process.stopped_by = "deadline" if killed else "crash"
            process.kill()
            if killed:
                self.stats.killed += 1
            else:
                self.stats.crashed += 1
            if process in self._retired:
                self._retired.remove(process)
            if process in self._live:
                self._live.remove(process)
                self._install(self._spawn(len(process.lanes)))
        self.stats.last_replace_seconds = time.perf_counter() - clock

    def _retire(self, process: QueryProcess) -> None:
        """No new job for ``process`` (a thread it cannot bring back to normal priority);
        a fresh one takes its place and it is killed once its last job is answered."""
        with self._lock:
            if process not in self._live:
                return
            process.retired = True
            self._live.remove(process)
            self._retired.append(process)
            self._install(self._spawn(len(process.lanes)))
            if process.in_use == 0:
                process.kill()
                self._retired.remove(process)

    def _install(self, process: QueryProcess) -> None:
        """Lend from ``process`` too; idle lanes of processes no longer lent from are closed
        (their busy ones are closed as they come back)."""
        kept = []
        while True:
            try:
                lane = self._idle.get_nowait()
            except queue.Empty:
                break
            if lane.process in self._live:
                kept.append(lane)
            else:
                lane.conn.close()
        self._live.append(process)
        for lane in (*reversed(kept), *process.lanes):
            self._idle.put(lane)

    def _spawn(self, lanes: int | None = None) -> QueryProcess:
        """A fresh process whose every thread has reported ready within :data:`READY_SECONDS`."""
        if lanes is None:
            lanes = min(self.lanes_per_process or self.size, self.size - self._lanes())
        for _ in range(READY_ATTEMPTS):
            process = QueryProcess.start(self.handler, lanes, self.sandbox, self.warm_up)
            self.stats.started += 1
            sandboxed = process.ready(READY_SECONDS)
            if sandboxed is not None:
                self.stats.sandboxed = sandboxed
                return process
            log.warning("a fresh query process did not report ready within %g s; replaced", READY_SECONDS)
            process.kill()
            self.stats.crashed += 1
        raise BackendUnavailable(
            f"no query process could be started ({READY_ATTEMPTS} tried, none ready within {READY_SECONDS:g} s)"
        )

    def close(self) -> None:
        if self._owner != os.getpid():
            return
        with self._lock:
            for process in (*self._live, *self._retired):
                process.kill()
                for lane in process.lanes:
                    lane.conn.close()
            self._live, self._retired = [], []
            self._idle = queue.LifoQueue()
        self._owner = -1

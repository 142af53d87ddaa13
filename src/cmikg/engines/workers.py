"""Long-lived query worker processes, killed and replaced only when a query runs past its deadline.

Why processes: a query in the engine cannot be interrupted from Python, and a thread
cannot be killed, so the only way to truly stop a runaway query is to kill the process
evaluating it. Why long-lived and forked: starting a process per query would cost more
than most queries; forking a process that already holds the store shares the store's
memory copy-on-write, so a worker costs little and a replacement is ready in milliseconds.

Each worker is sandboxed where the kernel allows it (a new, empty network namespace), so
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
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

from cmikg.engines.backend import BackendUnavailable, QueryTimeout

log = logging.getLogger(__name__)

#: Address space a worker may add to what it inherits; a query that needs more fails alone.
MEMORY_BUDGET_BYTES = 2 << 30
#: A query that has used this many seconds of CPU has its worker lowered to the least CPU
#: priority, so short queries keep the cores while long ones run out their time limit.
#: CPU time, not time waited: on a busy machine a short query can wait that long for a core,
#: and lowering it then would leave it behind every other query for no work of its own.
LONG_QUERY_SECONDS = 0.5
LONG_QUERY_NICENESS = 19
#: Seconds a fresh worker has to run its warm-up job and report ready; one that does not is
#: killed and another forked, and no job is ever handed to it.
READY_SECONDS = 5.0
#: Forks tried for one fresh worker before the request is answered 503.
READY_ATTEMPTS = 3
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
    sandboxed: bool | None = None
    last_replace_seconds: float = 0.0  # kill, reap and fork a fresh worker, ready to answer


class Worker:
    """One child process evaluating jobs sent over a pipe, one at a time."""

    def __init__(self, pid: int, conn: Connection):
        self.pid = pid
        self.conn = conn
        # one poll object for the worker's life: Connection.poll builds a selector per call
        self._answer = select.poll()
        self._answer.register(conn.fileno(), select.POLLIN)
        self.niced = False
        #: CPU seconds the process had used when it sent its last answer.
        self.cpu = 0.0

    @classmethod
    def start(cls, handler: Handler, sandbox: bool, warm_up: Any = None) -> Worker:
        parent, child = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:  # the child never returns into the caller's code
            status = 1
            try:
                parent.close()
                _child_main(child, handler, sandbox, warm_up)
                status = 0
            finally:
                os._exit(status)
        child.close()
        return cls(pid, parent)

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
        """True once the answer (or the end of the pipe: a dead worker) can be read."""
        return bool(self._answer.poll(max(0, math.ceil(seconds * 1000))))

    def job_cpu(self) -> float:
        """CPU seconds the running job has used so far (all the time waited, if /proc cannot tell)."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS - self.cpu
        except (OSError, IndexError, ValueError):
            return LONG_QUERY_SECONDS

    def lower_priority(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, self.pid, LONG_QUERY_NICENESS)
            self.niced = True
        except OSError:
            pass

    def restore_priority(self) -> bool:
        """Back to normal priority after a long job; False when the system does not allow it
        (then the worker is replaced, which costs a fork)."""
        if not self.niced:
            return True
        try:
            os.setpriority(os.PRIO_PROCESS, self.pid, os.getpriority(os.PRIO_PROCESS, 0))
            self.niced = False
            return True
        except OSError:
            return False

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.conn.close()


def _child_main(conn: Connection, handler: Handler, sandbox: bool, warm_up: Any = None) -> None:
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
    _close_other_fds(conn.fileno())
    ok = _enter_sandbox() if sandbox else False
    _limit_memory()
    if warm_up is not None:  # a child that cannot answer this never reports ready, and is replaced
        handler(warm_up)
    conn.send_bytes(pickle.dumps(ok))
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the HTTP worker that owned us is gone
        try:
            reply = handler(pickle.loads(message))
        except BaseException as exc:  # noqa: BLE001 - the worker must answer, whatever happened
            reply = ("error", f"{type(exc).__name__}: {exc}")
        used = os.times()
        conn.send_bytes(pickle.dumps((reply, used.user + used.system), protocol=pickle.HIGHEST_PROTOCOL))


def _close_other_fds(keep: int) -> None:
    """Drop inherited sockets and files (the listener, other workers' pipes)."""
    os.closerange(3, keep)
    os.closerange(keep + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


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
    """Up to ``size`` workers for one process; a caller borrows one per job.

    Workers are started as they are needed: ``warm`` at once, then one more whenever a job
    finds none idle, up to ``size``, and kept from then on. Every worker is a process with
    its own private pages (a Python heap, the engine's buffers), so a pool sized for the
    busiest moment but filled only as far as the load goes costs the memory of the load it
    has really seen; the last one used is lent first, so the fewest stay warm.

    The pool belongs to the process that started its workers: after a fork (gunicorn's
    HTTP workers are forked from the master) the child starts its own set lazily.
    """

    handler: Handler
    size: int = 4
    sandbox: bool = True
    stats: PoolStats = field(default_factory=PoolStats)
    warm: int = 1
    #: A job each fresh worker runs before it reports ready (None: none). A process forked
    #: from a threaded one can inherit a lock another thread held at that instant and hang on
    #: its first use; such a worker is caught here, before any query is handed to it.
    warm_up: Any = None

    def __post_init__(self) -> None:
        self._owner = -1
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._count = 0

    def start(self) -> None:
        """Start the warm workers now (gunicorn calls this right after forking an HTTP worker)."""
        with self._lock:
            if self._owner == os.getpid():
                return
            self._idle = queue.LifoQueue()
            self.stats = PoolStats()
            self._count = 0
            for _ in range(min(self.warm, self.size)):
                self._idle.put(self._spawn())
                self._count += 1
            self._owner = os.getpid()

    @property
    def running(self) -> int:
        """Workers this process has started and not lost."""
        return self._count if self._owner == os.getpid() else 0

    def _borrow(self, timeout: float) -> Worker:
        """An idle worker, a new one while the pool is below its size, or the next one freed."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = self._count < self.size
            if grow:
                self._count += 1
        if grow:
            try:
                return self._spawn()
            except BaseException:
                with self._lock:
                    self._count -= 1
                raise
        try:
            return self._idle.get(timeout=timeout)
        except queue.Empty:
            raise BackendUnavailable(f"every query worker stayed busy for {timeout:g} s; try again") from None

    def _spawn(self) -> Worker:
        """A fresh worker that has reported ready within :data:`READY_SECONDS`."""
        for _ in range(READY_ATTEMPTS):
            worker = Worker.start(self.handler, self.sandbox, self.warm_up)
            self.stats.started += 1
            try:
                if worker.conn.poll(READY_SECONDS):
                    self.stats.sandboxed = pickle.loads(worker.conn.recv_bytes())
                    return worker
            except (EOFError, OSError, pickle.UnpicklingError):
                pass
            log.warning("a fresh query worker did not report ready within %g s; replaced", READY_SECONDS)
            worker.kill()
            self.stats.crashed += 1
        raise BackendUnavailable(
            f"no query worker could be started ({READY_ATTEMPTS} tried, none ready within {READY_SECONDS:g} s)"
        )

    def call(self, job: Any, timeout: float) -> Any:
        """Run ``job`` in a worker; past ``timeout`` seconds the worker is killed and replaced."""
        if self._owner != os.getpid():
            self.start()
        worker = self._borrow(timeout)
        try:
            answer = worker.call(job, timeout)
            if not worker.restore_priority():
                worker = self._replace(worker, killed=False, counted=False)
            return answer
        except TimeoutError as stopped:
            _log_stopped(job, timeout, *stopped.args)
            worker = self._replace(worker, killed=True)
            raise QueryTimeout(f"the query ran past the time limit of {timeout:g} s and was stopped") from None
        except (EOFError, OSError, pickle.UnpicklingError):
            worker = self._replace(worker, killed=False)
            raise BackendUnavailable(
                "the query worker stopped while evaluating this query "
                "(it may have needed too much memory); it has been replaced"
            ) from None
        finally:
            self._idle.put(worker)

    def _replace(self, worker: Worker, killed: bool, counted: bool = True) -> Worker:
        clock = time.perf_counter()
        worker.kill()
        if killed:
            self.stats.killed += 1
        elif counted:
            self.stats.crashed += 1
        fresh = self._spawn()
        self.stats.last_replace_seconds = time.perf_counter() - clock
        return fresh

    def close(self) -> None:
        if self._owner != os.getpid():
            return
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
        self._owner = -1

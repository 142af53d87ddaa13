"""Server processes for the benchmark: start, time, measure, and always stop.

Every server runs in its own session (process group), so stopping it stops the workers it
forked too. Each started process is remembered until stopped, and :func:`stop_all` runs at
exit and on SIGTERM/SIGINT, so an error or Ctrl-C never leaves a server behind.
Memory is read from /proc: the resident set (RSS) of every process in the tree, and the
proportional set (PSS) that splits pages shared after fork among the processes sharing them.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_LIVE: dict[int, subprocess.Popen] = {}
#: The process that started the servers: forked client processes must not stop them.
_OWNER = os.getpid()


@dataclass
class ProcessMemory:
    """The memory of one process, in KiB, from /proc/PID/status and smaps_rollup."""

    pid: int
    ppid: int
    command: str
    rss: int
    pss: int
    private: int


def start(args: list[str], log: Path, env: dict | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """Start ``args`` in a new session with output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    _LIVE[process.pid] = process
    return process


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM to the whole group, then SIGKILL after ``grace`` seconds."""
    _LIVE.pop(process.pid, None)
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            _reap_group(process.pid)
            return
        except subprocess.TimeoutExpired:
            continue


def _reap_group(pgid: int) -> None:
    """Kill what is left of a group whose leader exited (orphaned workers)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all() -> None:
    if os.getpid() != _OWNER:
        return
    for process in list(_LIVE.values()):
        stop(process, grace=3.0)


def _on_signal(signum, frame) -> None:
    if os.getpid() != _OWNER:
        os._exit(128 + signum)
    stop_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    """Stop every started server at exit, on SIGTERM, and on Ctrl-C."""
    atexit.register(stop_all)
    # Also for SIGINT, even when the shell started the run with it ignored (background jobs).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)


def wait_until(check: Callable[[], bool], process: subprocess.Popen, log: Path, timeout: float, what: str) -> None:
    """Poll ``check`` until it is true; fail early if the process exits, late on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before answering; last output:\n{tail(log)}")
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not answer within {timeout:.0f} s; last output:\n{tail(log)}")


def tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, parents first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            above = parent(int(entry.name))
            if above is not None:
                children.setdefault(above, []).append(int(entry.name))
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop(0)
        found.append(current)
        frontier.extend(sorted(children.get(current, [])))
    return found


def parent(pid: int) -> int | None:
    """The parent process of ``pid``, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def memory(pid: int) -> ProcessMemory | None:
    """RSS, PSS and private memory of one process (None once it has gone)."""
    try:
        status = _fields(Path(f"/proc/{pid}/status").read_text())
        rollup = _fields(Path(f"/proc/{pid}/smaps_rollup").read_text())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    private = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
    return ProcessMemory(pid, parent(pid) or 0, command.strip(), status.get("VmRSS", 0), rollup.get("Pss", 0), private)


def _fields(text: str) -> dict[str, int]:
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            values[key] = int(parts[0])
    return values


def tree_memory(pid: int) -> list[ProcessMemory]:
    return [m for m in (memory(p) for p in tree(pid)) if m is not None]


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time (user + system) of ``pid`` and each descendant, each including the children it
    has reaped: a query worker replaced during a loop still counts, in its parent."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[member] = sum(int(f) for f in fields[11:15]) / tick
    return found


def machine_busy_seconds() -> float:
    """CPU time all cores have spent on anything but idling and waiting for I/O (/proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time each process has used so far (from /proc/PID/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def pipe_round_trips(same_cpu: bool, count: int = 3000) -> tuple[float, float] | None:
    """A 100-byte message to a forked process and back over a pipe, ``count`` times, with
    both processes held on one core or on two: (median microseconds of a round trip,
    microseconds of CPU this side used per round trip). None with fewer than 2 usable cores.

    Every request crosses several such hops (client to HTTP worker, its threads, the query
    worker and back); what one costs depends on the machine, most of all on a virtual one,
    where waking a process on an idle core goes through the hypervisor."""
    from multiprocessing import Pipe
    from statistics import median

    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    ours, theirs = Pipe()
    mine = os.sched_getaffinity(0)
    child = os.fork()
    if child == 0:  # the echo: never returns into the benchmark
        try:
            os.sched_setaffinity(0, {cpus[0] if same_cpu else cpus[1]})
            while (message := theirs.recv_bytes()) != b"":
                theirs.send_bytes(message)
        finally:
            os._exit(0)
    try:
        os.sched_setaffinity(0, {cpus[0]})
        payload, times = b"x" * 100, []
        cpu = time.process_time()
        for _ in range(count):
            started = time.perf_counter()
            ours.send_bytes(payload)
            ours.recv_bytes()
            times.append(time.perf_counter() - started)
        cpu = time.process_time() - cpu
        return median(times) * 1e6, cpu / count * 1e6
    finally:
        ours.send_bytes(b"")
        os.waitpid(child, 0)
        os.sched_setaffinity(0, mine)

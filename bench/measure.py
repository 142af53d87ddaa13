"""The two phases measured for each system at each size.

1. *Check*: start the server (the start-up figure), ask every query once, compare with the
   reference system's answers, read the idle memory, stop. A query that times out leaves
   some servers busy with it (rdflib-endpoint computes on its only event loop), so the
   server is restarted before the next query.
2. *Load*, in two rounds (every system in order, then in reverse order, each round half
   the duration, so that a slow drift of the shared machine's load weighs on all alike):
   start again, run a closed loop over the *common mix* (the queries every system
   at this size answered correctly, so that every system does the same work), then one over
   its *standard* part (bench/queries: the short queries a web service mostly gets, which
   the long analytical example queries would otherwise drown), sampling the process
   tree's memory while they run; stop.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field

import process
from answers import Answer, difference, parse
from client import LoopResult, ask, closed_loop, distinct_text
from dataset import Dataset
from querymix import BenchQuery
from systems import Running, System

#: Loops whose every request is a new query text (no cache can answer them); the
#: "repeated" mix sends the same texts again and again, as the pages and the gallery do.
DISTINCT_MIXES = ("all", "standard")


@dataclass
class Limits:
    """The knobs of both phases."""

    clients: int
    duration: float
    timeout: float
    check_budget: float
    work: object  # Path of bench/data


@dataclass
class SystemRun:
    """Everything measured for one system at one size."""

    system: str
    size: str
    triples: int
    startup_seconds: float | None = None
    notes: list[str] = field(default_factory=list)
    error: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    answer_sizes: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: seconds each query took in the correctness pass (alone on the machine)
    check_seconds: dict[str, float] = field(default_factory=dict)
    differences: dict[str, str] = field(default_factory=dict)
    #: DESCRIBE answers unlike the reference's: SPARQL 1.1 Query (section 16.4) leaves the
    #: description to each service, so they differ without being wrong; like a difference,
    #: such a query is left out of every loop, since the systems would not do the same work
    chosen: dict[str, str] = field(default_factory=dict)
    idle_memory: dict = field(default_factory=dict)
    processes: list[dict] = field(default_factory=list)
    #: per mix ("all", "standard"): the LoopFigures of its closed loops, as a dict
    loops: dict[str, dict] = field(default_factory=dict)
    #: the server's /health after its loops (cmikg: the result cache's state), when it has one
    health: dict = field(default_factory=dict)
    #: per mix: the raw loop result and peak memory so far (rounds are merged into it)
    raw_loops: dict[str, tuple[LoopResult, dict]] = field(default_factory=dict)

    def record(self) -> dict:
        """Plain data for the report (the reference's answers are not kept)."""
        self.loops = {mix: asdict(_figures(result, peak)) for mix, (result, peak) in self.raw_loops.items()}
        return {k: v for k, v in vars(self).items() if k not in ("answers", "raw_loops")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(system: System, data: Dataset, limits: Limits) -> Running:
    return system.launch(data, free_port(), limits.work)


def check_phase(
    system: System, data: Dataset, queries: list[BenchQuery], limits: Limits, expected: dict[str, Answer] | None
) -> SystemRun:
    """Start-up, answers (compared with ``expected``; None: this is the reference), idle memory."""
    run = SystemRun(system.name, data.name, data.triples)
    print(f"  {system.name}: starting", flush=True)
    try:
        running = start(system, data, limits)
    except Exception as exc:  # a system that does not start is reported, not fatal
        run.error = f"did not start: {exc}"
        print(f"  {system.name}: {run.error}", flush=True)
        return run
    run.startup_seconds, run.notes = running.startup_seconds, list(running.notes)
    print(f"  {system.name}: answered after {running.startup_seconds:.2f} s; checking answers", flush=True)
    try:
        running = _check(run, running, system, data, queries, limits, expected)
        run.idle_memory = memory_totals(running.process.pid)
    except Exception as exc:  # reported as a failure of this system; the others still run
        run.error = f"failed while checked: {type(exc).__name__}: {exc}"
        print(f"  {system.name}: {run.error}", flush=True)
    finally:
        process.stop(running.process)
    return run


def _check(
    run: SystemRun,
    running: Running,
    system: System,
    data: Dataset,
    queries: list[BenchQuery],
    limits: Limits,
    expected: dict[str, Answer] | None,
) -> Running:
    """Each query once. The reference keeps its answers; other systems keep only the sizes
    and what differs (answers at 1M triples are large)."""
    deadline = time.monotonic() + limits.check_budget
    for query in queries:
        left = deadline - time.monotonic()
        if left <= 1:
            run.differences[query.name] = (
                f"not checked: the correctness pass used up its {limits.check_budget:.0f} s on the queries before it"
            )
            continue
        reply = ask(running.endpoint, query, min(limits.timeout, left))
        got = parse(reply.status, reply.content_type, reply.body, query)
        run.check_seconds[query.name] = reply.seconds
        if reply.status == 0:  # timed out: the server may still be busy with it
            got.error = f"no answer within {min(limits.timeout, left):.0f} s ({got.error})"
            process.stop(running.process)
            running = start(system, data, limits)
        run.answer_sizes[query.name] = (got.kind, got.size)
        _compare(run, query, got, expected)
        if expected is None and got.kind != "error" and query.name not in run.differences:
            _check_variant(run, running, query, got, limits)
    return running


def _check_variant(run: SystemRun, running: Running, query: BenchQuery, plain: Answer, limits: Limits) -> None:
    """The reference answers the text the no-cache loops send (a varied literal) as it
    answers the query itself; a query where it does not is left out of every loop."""
    variant = distinct_text(query, 0, 0)
    reply = ask(running.endpoint, variant, limits.timeout)
    found = difference(plain, parse(reply.status, reply.content_type, reply.body, variant), query)
    if found:
        run.differences[query.name] = f"the reference answers the varied text differently: {found}"


def _compare(run: SystemRun, query: BenchQuery, got: Answer, expected: dict[str, Answer] | None) -> None:
    if expected is None:
        run.answers[query.name] = got
        if got.kind == "error":
            run.differences[query.name] = f"the reference itself failed: {got.error}"
        return
    reference = expected.get(query.name)
    if reference is not None and reference.kind != "error":
        found = difference(reference, got, query)
        if found:
            (run.chosen if query.form == "DESCRIBE" and got.kind != "error" else run.differences)[query.name] = found


@dataclass
class LoopFigures:
    """What one closed loop measured."""

    qps: float
    completed: int
    elapsed: float
    latency: dict[str, dict]
    failures: dict[str, int]
    failure_example: dict[str, str]
    peak_memory: dict
    #: median, p95 and p99 over every request of the loop, whatever its query
    overall: dict = field(default_factory=dict)
    #: CPU ms per answered request: the server's process tree, and the rest of the machine
    #: (the load generator's clients, mostly); with the loop's length, the cores in use
    cpu: dict = field(default_factory=dict)


def load_phase(
    run: SystemRun,
    system: System,
    data: Dataset,
    mixes: dict[str, list[BenchQuery]],
    durations: dict[str, float],
    limits: Limits,
) -> None:
    """One closed loop per mix (for its duration) on one start of the server, memory
    sampled while each runs."""
    if run.error or not any(mixes.values()):
        return
    try:
        running = start(system, data, limits)
    except Exception as exc:  # a second start can fail too (port, memory)
        run.error = f"did not start for the loop: {exc}"
        return
    try:
        for name, mix in mixes.items():
            if mix:
                print(
                    f"  {system.name}: closed loop on the {name} mix ({len(mix)} queries), "
                    f"{limits.clients} clients, {durations[name]:.0f} s",
                    flush=True,
                )
                warm_up(running, mix, limits, distinct=name in DISTINCT_MIXES)
                result, peak = _loop(running, mix, durations[name], limits, distinct=name in DISTINCT_MIXES)
                if name in run.raw_loops:
                    before, peak_before = run.raw_loops[name]
                    result = before.merge(result)
                    peak = _merge_samples(peak_before, peak)
                run.raw_loops[name] = (result, peak)
        run.processes = [asdict(m) for m in process.tree_memory(running.process.pid)]
        run.health = _health(running)
    except Exception as exc:  # reported as a failure of this system; the others still run
        run.error = f"failed in the loop: {type(exc).__name__}: {exc}"
        print(f"  {system.name}: {run.error}", flush=True)
    finally:
        process.stop(running.process)


def warm_up(running: Running, mix: list[BenchQuery], limits: Limits, distinct: bool = False) -> None:
    """Each query of a mix sent once before its loop, untimed, on every system alike.

    A server that has been up for a while has seen the gallery's queries before, and has
    read the parts of its store the queries read; the loop measures that steady state.
    Without this, a loop on a large graph sends each query only two or three times per
    round on a server restarted for every round, so what is measured is mostly first
    evaluations: uncached answers, and for cmikg in memory a fresh query process copying the
    store's pages as its first scans touch them (at 10M triples, 162 against 118 to 136 ms
    of server CPU per query; docs/benchmark.md). For a mix of distinct texts (``distinct``)
    each warm-up text is new as well, and no text of the loop repeats it: no cache can
    answer the loop from the warm-up.
    """
    for position, query in enumerate(mix):
        ask(running.endpoint, distinct_text(query, -1, position) if distinct else query, limits.timeout)


def _health(running: Running) -> dict:
    """The /health document beside the endpoint, or {} for a server without one."""
    url = running.endpoint.url.rsplit("/", 1)[0] + "/health"
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return json.loads(reply.read())
    except (OSError, ValueError):
        return {}


def memory_totals(pid: int) -> dict:
    tree = process.tree_memory(pid)
    return {"rss_kib": sum(m.rss for m in tree), "pss_kib": sum(m.pss for m in tree), "processes": len(tree)}


#: Keys of a loop's samples that add up over rounds (CPU seconds); the others are peaks.
SUMMED = ("server_cpu_s", "machine_cpu_s")


def _merge_samples(before: dict, now: dict) -> dict:
    return {k: v + before.get(k, 0) if k in SUMMED else max(v, before.get(k, 0)) for k, v in now.items()}


def _loop(
    running: Running, mix: list[BenchQuery], duration: float, limits: Limits, distinct: bool = False
) -> tuple[LoopResult, dict]:
    """The closed loop, with the server's peak memory sampled meanwhile, and the CPU the
    server's processes and the whole machine used during it (the rest is mostly the clients)."""
    peak: dict = {"rss_kib": 0, "pss_kib": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            now = memory_totals(running.process.pid)
            for key in peak:
                peak[key] = max(peak[key], now[key])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    server_before, machine_before = process.tree_cpu_seconds(running.process.pid), process.machine_busy_seconds()
    try:
        result = closed_loop(running.endpoint, mix, limits.clients, duration, limits.timeout, distinct)
    finally:
        stop.set()
        sampler.join()
    server_after = process.tree_cpu_seconds(running.process.pid)
    peak["machine_cpu_s"] = process.machine_busy_seconds() - machine_before
    peak["server_cpu_s"] = sum(v - server_before.get(pid, 0.0) for pid, v in server_after.items())
    return result, peak


def _figures(result: LoopResult, peak: dict) -> LoopFigures:
    latency = {
        name: {
            "median": result.median(name),
            "p95": result.p95(name),
            "p99": result.p99(name),
            "count": len(result.latencies.get(name, [])),
        }
        for name in result.names
    }
    every = sorted(result.all_latencies())
    overall = {
        "median": every[len(every) // 2] if every else None,
        "p95": every[min(len(every) - 1, round(0.95 * (len(every) - 1)))] if every else None,
        "p99": every[min(len(every) - 1, round(0.99 * (len(every) - 1)))] if every else None,
        "count": len(every),
    }
    memory = {k: v for k, v in peak.items() if k not in SUMMED}
    done = max(1, result.completed)
    server, machine = peak.get("server_cpu_s", 0.0), peak.get("machine_cpu_s", 0.0)
    cpu = {
        "server_ms_per_query": 1000 * server / done,
        "rest_ms_per_query": 1000 * max(0.0, machine - server) / done,
        "cores_busy": machine / result.elapsed if result.elapsed > 0 else 0.0,
    }
    return LoopFigures(
        result.queries_per_second,
        result.completed,
        result.elapsed,
        latency,
        result.failures,
        result.failure_example,
        memory,
        overall,
        cpu,
    )


def common_mix(queries: list[BenchQuery], runs: list[SystemRun]) -> list[BenchQuery]:
    """The queries every measured system answered, and answered the same."""
    bad = {name for run in runs if not run.error for name in (*run.differences, *run.chosen)}
    return [q for q in queries if q.name not in bad]


def loop_duration(mix: list[BenchQuery], reference: SystemRun | None, limits: Limits) -> float:
    """The base duration, stretched (up to 4x) so that each client runs the whole mix about
    twice over on the reference system (``clients`` times one pass alone: clients share the
    cores): a mix with a few slow queries otherwise measures little else. The same duration
    for every system at the size, so it stays a fixed-time loop."""
    if reference is None:
        return limits.duration
    one_pass = sum(reference.check_seconds.get(q.name, 0.0) for q in mix)
    return min(max(limits.duration, limits.clients * one_pass), 4 * limits.duration)


def startup_samples(system: System, data: Dataset, repeats: int, limits: Limits) -> list[float]:
    """``system`` started ``repeats`` times on ``data``: process start to first answer."""
    samples = []
    for _ in range(repeats):
        running = start(system, data, limits)
        samples.append(running.startup_seconds)
        process.stop(running.process)
    return samples


#: Second of the long run from which its memory growth is counted: by then every HTTP worker
#: has started the query workers the clients keep busy, which is the load's working set.
LONG_RUN_SETTLED = 10.0


def long_run(system: System, data: Dataset, mix: list[BenchQuery], seconds: float, limits: Limits) -> dict:
    """One closed loop of distinct queries for ``seconds`` on a fresh start, the process tree's
    PSS and the shared answer file sampled every second, with the caches' stated bounds from
    ``/health``: whether memory stays within the stated cache bounds however long the run.

    The answer file lives in /dev/shm and is read with read(), not mapped, so no process's
    PSS holds it: it is counted beside the tree, from ``/health``."""
    running = start(system, data, limits)
    samples: list[dict] = []
    stop = threading.Event()
    began = time.monotonic()

    def sample() -> None:
        while not stop.wait(1.0):
            totals = memory_totals(running.process.pid)
            answers = _health(running).get("result_cache", {}).get("bytes", 0)
            samples.append({"second": round(time.monotonic() - began, 1), **totals, "answer_file_bytes": answers})

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = closed_loop(running.endpoint, mix, limits.clients, seconds, limits.timeout, distinct=True)
    finally:
        stop.set()
        sampler.join()
    try:
        health = _health(running)
        http_workers = len([p for p in process.tree(running.process.pid) if process.parent(p) == running.process.pid])
    finally:
        process.stop(running.process)
    return {
        "seconds": seconds,
        "settled_at": LONG_RUN_SETTLED,
        "completed": result.completed,
        "failures": result.failures,
        "samples": samples,
        "http_workers": http_workers,
        "caches_max_bytes_per_worker": health.get("caches", {}).get("max_bytes"),
        "answer_file_max_bytes": health.get("result_cache", {}).get("max_bytes"),
    }

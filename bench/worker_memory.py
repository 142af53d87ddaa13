"""Memory per worker of `cmikg serve` on a large graph: in-memory store versus a shared
read-only on-disk store, measured side by side in one run.

    python bench/worker_memory.py [--size 1m] [--rounds 3]

Each mode is started on the same dump (bench/data/sets/SIZE/dist, made by `bench/run.py`),
sent heavy queries from 4 clients (a COUNT over everything and a GROUP BY, which touch every
page of the store; each text new, so that each is evaluated), then the private and proportional memory (PSS) of every
process of the server is read from /proc. Private memory is what a worker does not share.

Then the engine alone, without the server: the dump loaded into pyoxigraph's in-memory
store, a process forked from the loader (as every query worker is), and in it the COUNT
over everything, twice: its time and the child's private memory before and after. That
shows what reading does to pages inherited copy-on-write: if the engine writes to the
pages it reads, the child's first scan copies them (slower, and private from then on).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from process import install_cleanup, memory, start, stop, tree_memory, wait_until  # noqa: E402
from querymix import with_marker  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"]


def measure(dist: Path, mode: str, port: int, rounds: int, work: Path) -> dict:
    args = [
        sys.executable,
        "-m",
        "cmikg",
        "--project",
        str(ROOT),
        "--dist",
        str(dist),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--timeout",
        "60",
        # the 4 clients below all come from 127.0.0.1, as in bench/run.py's loops
        "--max-client-queries",
        "4",
        "--threads",
        "5",
    ]
    if mode == "disk":
        args += ["--disk-store", str(work / "store")]
    clock = time.perf_counter()
    log = work / f"{mode}.log"
    server = start(args, log)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{base}/health", timeout=5).ok
        except requests.RequestException:
            return False

    wait_until(healthy, server, log, timeout=600, what=f"cmikg serve ({mode})")
    started = time.perf_counter() - clock
    try:

        def ask(query: str) -> float:
            t = time.perf_counter()
            requests.post(f"{base}/sparql", data={"query": query}, timeout=120).raise_for_status()
            return time.perf_counter() - t

        with ThreadPoolExecutor(4) as pool:
            # each text new (a literal that varies), so every request is evaluated, none a cache hit
            texts = [with_marker(query, f"request {i}") for i, query in enumerate(HEAVY * 8 * rounds)]
            latencies = list(pool.map(ask, texts))
        processes = tree_memory(server.pid)
    finally:
        stop(server)
    workers = [p for p in processes if p.pid != server.pid]
    return {
        "mode": mode,
        "start": started,
        "median": statistics.median(latencies),
        "processes": len(processes),
        "master_pss": next(p.pss for p in processes if p.pid == server.pid),
        "worker_private": sorted(p.private for p in workers),
        "total_pss": sum(p.pss for p in processes),
    }


def forked_scan(ntriples: Path) -> dict:
    """The store loaded here; a forked child scans it twice: times and the child's private MiB."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)

    def scan() -> float:
        clock = time.perf_counter()
        store.query(HEAVY[0]).serialize(format=ox.QueryResultsFormat.JSON)
        return time.perf_counter() - clock

    parent = statistics.median(scan() for _ in range(3))
    loaded = memory(os.getpid())
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child reports through the pipe and never returns
        try:
            before = memory(os.getpid())
            first, second = scan(), scan()
            after = memory(os.getpid())
            os.write(write, repr((first, second, before.private, after.private)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        first, second, before, after = eval(pipe.read())  # noqa: S307 (our own child's repr of four numbers)
    os.waitpid(pid, 0)
    return {
        "store_kib": loaded.private if loaded else 0,
        "parent": parent,
        "first": first,
        "second": second,
        "private_before": before,
        "private_after": after,
    }


def threads_against_processes(ntriples: Path, lanes: int, seconds: float) -> dict:
    """The mix (every text new) for ``seconds`` on one loaded store: in ``lanes`` threads of one
    forked child, then in ``lanes`` forked children, as cmikg's query processes did before;
    queries/s and the children's PSS, for each in turn."""
    import itertools
    import threading

    from querymix import load_mix

    from cmikg.engines.embedded import evaluate
    from cmikg.engines.store import EmbeddedStore

    store = EmbeddedStore.load(ntriples).store
    mix = [q for q in load_mix(ROOT)[0] if q.name not in _SLOW_AT_SCALE]
    numbers = itertools.count()

    def loop(first: int, until: float) -> int:
        done = 0
        while time.monotonic() < until:
            query = mix[(first + done * lanes) % len(mix)]
            media = "application/n-triples" if query.returns_graph else "application/sparql-results+json"
            job = (with_marker(query.text, f"m{next(numbers)}"), media, (), (), 10_000, "urn:x:", query.form)
            kind, body = evaluate(store, job)
            if kind != "ok":
                raise RuntimeError(f"{query.name}: {kind} {body!r}")
            done += 1
        return done

    def child(work: Callable[[], int], write: int) -> None:
        try:
            done = work()
            os.write(write, f"{done} {memory(os.getpid()).pss}\n".encode())
        finally:
            os._exit(0)

    def run(mode: str) -> tuple[float, float]:
        until = time.monotonic() + seconds
        read, write = os.pipe()
        if mode == "threads":

            def threaded() -> int:
                counts = [0] * lanes
                threads = [
                    threading.Thread(target=lambda k=k: counts.__setitem__(k, loop(k, until))) for k in range(lanes)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                return sum(counts)

            works = [threaded]
        else:
            works = [lambda k=k: loop(k, until) for k in range(lanes)]
        pids = []
        for work in works:
            pid = os.fork()
            if pid == 0:
                child(work, write)
            pids.append(pid)
        os.close(write)
        for pid in pids:
            os.waitpid(pid, 0)
        with os.fdopen(read) as pipe:
            lines = [line.split() for line in pipe.read().splitlines()]
        return sum(int(done) for done, _ in lines) / seconds, sum(int(pss) for _, pss in lines) / 1024

    rounds: dict[str, list[tuple[float, float]]] = {"threads": [], "processes": []}
    for mode in ("threads", "processes", "threads", "processes"):
        rounds[mode].append(run(mode))
    return rounds


#: Queries of the mix that run past the time limit (or the row cap) at 1M triples and more.
_SLOW_AT_SCALE = {"queries/claims-resting-only-on-state-media", "queries/entities-without-wikidata-ids"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1m")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lane-seconds", type=float, default=15.0, help="each round of threads against processes")
    args = parser.parse_args()
    install_cleanup()
    dist = ROOT / "bench" / "data" / "sets" / args.size / "dist"
    if not (dist / "cmikg.nt").is_file():
        print(f"{dist}/cmikg.nt is missing: run `python bench/run.py` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="cmikg-memory-") as folder:
        # the second disk run reuses the store the first one loaded: that is a normal restart
        results = [
            measure(dist, mode, 18200 + i, args.rounds, Path(folder))
            for i, mode in enumerate(("memory", "disk", "disk"))
        ]
        results[2]["mode"] = "disk, store reused"
        results[1]["mode"] = "disk, store loaded"
    mib = lambda kib: f"{kib / 1024:.0f}"  # noqa: E731
    print(f"{args.size}: {sum(1 for _ in open(dist / 'cmikg.nt', 'rb')):,} triples")
    print(
        "mode                start s  heavy query median s  processes  master PSS MiB  worker private MiB (min/median/max)  total PSS MiB"  # noqa: E501 (a table header)
    )
    for r in results:
        private = r["worker_private"]
        print(
            f"{r['mode']:<19} {r['start']:>7.2f}  {r['median']:>20.2f}  {r['processes']:>9}  {mib(r['master_pss']):>14}  "  # noqa: E501
            f"{mib(private[0]):>6} / {mib(statistics.median(private)):>6} / {mib(private[-1]):>6}"
            f"{'':>14}{mib(r['total_pss']):>8}"
        )
    scan = forked_scan(dist / "cmikg.nt")
    print(
        f"engine alone: the loader's private memory {mib(scan['store_kib'])} MiB; COUNT over everything "
        f"{scan['parent']:.3f} s in the loader, in a forked child {scan['first']:.3f} s the first time and "
        f"{scan['second']:.3f} s the second; the child's private memory {mib(scan['private_before'])} MiB "
        f"before, {mib(scan['private_after'])} MiB after"
    )
    lanes = threads_against_processes(dist / "cmikg.nt", 4, args.lane_seconds)
    for mode, rounds in lanes.items():
        print(
            f"the mix, every text new, in 4 {mode} for {args.lane_seconds:g} s (two alternate rounds): "
            + ", ".join(f"{rate:.1f} queries/s with {pss:.0f} MiB of PSS" for rate, pss in rounds)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Memory per worker of `cmikg serve` on a large graph: in-memory store versus a shared
read-only on-disk store, measured side by side in one run.

    python bench/worker_memory.py [--size 1m] [--rounds 3]

Each mode is started on the same dump (bench/data/sets/SIZE/dist, made by `bench/run.py`),
sent the same heavy queries from 4 clients (a COUNT over everything and a GROUP BY, which
touch every page of the store), then the private and proportional memory (PSS) of every
process of the server is read from /proc. Private memory is what a worker does not share.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from process import install_cleanup, start, stop, tree_memory, wait_until  # noqa: E402

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
            latencies = list(pool.map(ask, HEAVY * 8 * rounds))
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1m")
    parser.add_argument("--rounds", type=int, default=3)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

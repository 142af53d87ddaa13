"""Figures for the endpoint's defences (docs/endpoint.md): a simple query's latency while
runaway queries fill every request thread, and the HTTP workers' memory before and after
450 distinct large queries.

    python bench/defences.py [--dist DIST] [--runaways 8] [--tries 40] [--large 450]

Starts ``cmikg serve`` (2 workers x 4 query threads, the default 10 s limit) on 127.0.0.1. The
runaway clients each send from their own loopback address (127.0.0.2, 127.0.0.3, ...),
as distinct clients would, and resend as soon as they are answered; the simple query is
sent from 127.0.0.1, ``--tries`` times, each time with its own LIMIT so that every try is
evaluated (never answered from the result cache). Prints the median, 95th percentile and
worst latency; nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(port: int, query: str, source: str = "127.0.0.1", timeout: float = 60) -> int:
    """POST a query from a given loopback address; the status code."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(
            "POST",
            "/sparql",
            urlencode({"query": query}),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def start(dist: Path, port: int) -> subprocess.Popen:
    args = [sys.executable, "-m", "cmikg", "--project", str(ROOT), "--dist", str(dist), "serve"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--threads", "4"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if post(port, "ASK {}", timeout=5) == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start")


def http_workers(master: int) -> list[int]:
    """gunicorn's HTTP workers: the master's children that are Python processes."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == master:
                found.append(int(entry.name))
    return found


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def runaway_figures(port: int, runaways: int, tries: int) -> None:
    stop = threading.Event()
    statuses: Counter[int] = Counter()

    def hammer(source: str) -> None:
        while not stop.is_set():
            statuses[post(port, RUNAWAY, source)] += 1

    threads = [threading.Thread(target=hammer, args=(f"127.0.0.{i + 2}",), daemon=True) for i in range(runaways)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)  # every thread is now held by a runaway
    latencies, simple = [], Counter()
    for number in range(tries):
        clock = time.perf_counter()
        simple[post(port, f"{SIMPLE} LIMIT {1000 + number}")] += 1
        latencies.append(time.perf_counter() - clock)
        time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    print(f"runaway clients: {runaways}; their answers: {dict(statuses)}")
    print(
        f"simple query while they run: {len(latencies)} sent, statuses {dict(simple)}, "
        f"median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms, worst {max(latencies) * 1000:.0f} ms"
    )


def percentile(values: list[float], rank: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-len(ordered) * rank // 100)) - 1))]


def memory_figures(port: int, master: int, count: int, size: int) -> None:
    workers = http_workers(master)
    before = {pid: rss_mib(pid) for pid in workers}
    statuses: Counter[int] = Counter()
    pad = " " * size
    for i in range(count):
        statuses[post(port, f"SELECT ?x WHERE {{ VALUES ?x {{ {i} }} }}{pad}LIMIT 1")] += 1
    after = {pid: rss_mib(pid) for pid in workers}
    print(f"{count} distinct queries of {size / 1000:.0f} kB: statuses {dict(statuses)}")
    for pid in workers:
        print(f"  HTTP worker {pid}: RSS {before[pid]:.0f} MiB before, {after[pid]:.0f} MiB after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--runaways", type=int, default=8)
    parser.add_argument("--tries", type=int, default=40, help="simple queries sent while the runaways run")
    parser.add_argument("--large", type=int, default=450)
    parser.add_argument("--size", type=int, default=900_000)
    args = parser.parse_args()
    port = free_port()
    process = start(args.dist, port)
    try:
        runaway_figures(port, args.runaways, args.tries)
        memory_figures(port, process.pid, args.large, args.size)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


if __name__ == "__main__":
    main()

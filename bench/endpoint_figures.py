"""Figures for docs/endpoint.md: the endpoint's throughput on the example queries next to the
Oxigraph server in memory, the server CPU each spends per query, and how fast a simple
query is answered while a runaway query is running and being stopped.

    python bench/endpoint_figures.py [--dist DIST] [--clients 4] [--seconds 10] [--rounds 3]

Both servers run on 127.0.0.1 from the same dist/cmikg.nt; rounds alternate between them so
that load from other programs on the machine falls on both alike. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"
JSON = "application/sparql-results+json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], probe: str, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(600):
        try:
            urllib.request.urlopen(probe, timeout=2).close()
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{args[0]} exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)
    raise TimeoutError(probe)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def post(conn: http.client.HTTPConnection, path: str, query: str) -> tuple[int, bytes]:
    conn.request(
        "POST", path, urlencode({"query": query}), {"Content-Type": "application/x-www-form-urlencoded", "Accept": JSON}
    )
    response = conn.getresponse()
    return response.status, response.read()


def _client(url: str, queries: list[str], offset: int, seconds: float, out) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    done = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end and done < 1_000_000:
        status, _ = post(conn, parts.path, queries[(offset + done) % len(queries)])
        done += 1
        errors += status != 200
    out.put((done, errors))


def tree_cpu(root: int) -> float:
    """User+system seconds of a process and all its descendants."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    members, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in table.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grew = True
    return sum(table[p][1] for p in members if p in table) / os.sysconf("SC_CLK_TCK")


def load(url: str, root: int, queries: list[str], clients: int, seconds: float) -> tuple[float, float, int]:
    """Closed loop: (queries per second, server CPU ms per query, errors)."""
    out = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_client, args=(url, queries, i * 7, seconds, out)) for i in range(clients)
    ]
    cpu, clock = tree_cpu(root), time.monotonic()
    for worker in workers:
        worker.start()
    results = [out.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed, used = time.monotonic() - clock, tree_cpu(root) - cpu
    done = sum(r[0] for r in results)
    return done / elapsed, used / max(done, 1) * 1000, sum(r[1] for r in results)


def latency(url: str, query: str, count: int = 20) -> float:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    times = []
    for _ in range(count):
        clock = time.perf_counter()
        status, _ = post(conn, parts.path, query)
        times.append(time.perf_counter() - clock)
        assert status == 200, status
    return statistics.median(times) * 1000


def during_runaway(url: str, timeout: float) -> dict[str, float]:
    """Simple-query latency while a runaway runs, and just after it is stopped."""
    parts = urlsplit(url)
    outcome: dict = {}

    def runaway() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout + 60)
        clock = time.perf_counter()
        outcome["status"], _ = post(conn, parts.path, RUNAWAY)
        outcome["stopped_after"] = time.perf_counter() - clock

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(min(1.0, timeout / 3))
    busy = latency(url, SIMPLE, 10)
    thread.join()
    after = latency(url, SIMPLE, 10)
    return {
        "simple query while the runaway runs (ms, median of 10)": busy,
        "simple query right after the runaway was stopped (ms, median of 10)": after,
        "runaway answered after (s)": outcome["stopped_after"],
        "runaway status": outcome["status"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=10.0, help="the endpoint's query time limit")
    args = parser.parse_args()
    queries = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    logs = Path(os.environ.get("TMPDIR", "/tmp"))
    port_c, port_o = free_port(), free_port()
    cmikg_url, ox_url = f"http://127.0.0.1:{port_c}/sparql", f"http://127.0.0.1:{port_o}/query"
    cmikg = start(
        [
            sys.executable,
            "-m",
            "cmikg",
            "--project",
            str(ROOT),
            "--dist",
            str(args.dist),
            "serve",
            "--port",
            str(port_c),
            "--timeout",
            str(args.timeout),
        ],
        cmikg_url,
        logs / "cmikg-serve.log",
    )
    ox = start([oxigraph, "serve", "--bind", f"127.0.0.1:{port_o}"], ox_url, logs / "oxigraph.log")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port_o, timeout=300)
        conn.request(
            "POST", "/store?default", (args.dist / "cmikg.nt").read_bytes(), {"Content-Type": "application/n-triples"}
        )
        assert conn.getresponse().status in (200, 201, 204)
        for url, pid in ((cmikg_url, cmikg.pid), (ox_url, ox.pid)):
            load(url, pid, queries, 1, 1.0)  # warm up
        rows = {"cmikg": [], "oxigraph": []}
        for _ in range(args.rounds):
            rows["oxigraph"].append(load(ox_url, ox.pid, queries, args.clients, args.seconds))
            rows["cmikg"].append(load(cmikg_url, cmikg.pid, queries, args.clients, args.seconds))
        print(f"{len(queries)} example queries, {args.clients} clients, {args.rounds} x {args.seconds:g} s each\n")
        print("| server | queries/s (median) | server CPU ms/query (median) | errors |")
        print("| --- | --- | --- | --- |")
        for name, runs in rows.items():
            print(
                f"| {name} | {statistics.median(r[0] for r in runs):.0f} | "
                f"{statistics.median(r[1] for r in runs):.2f} | {sum(r[2] for r in runs)} |"
            )
        ratio = statistics.median(r[0] for r in rows["cmikg"]) / statistics.median(r[0] for r in rows["oxigraph"])
        print(f"\nratio cmikg / oxigraph: {ratio:.2f}")
        print(f"\nsimple query alone: {latency(cmikg_url, SIMPLE):.2f} ms (median of 20)")
        for key, value in during_runaway(cmikg_url, args.timeout).items():
            print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    finally:
        stop(cmikg)
        stop(ox)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

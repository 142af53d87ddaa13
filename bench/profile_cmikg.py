"""Where ``cmikg serve``'s time goes, next to the Oxigraph server: per-request cost, CPU per
query by process, and py-spy on every process under the benchmark's load.

    python bench/profile_cmikg.py [--size 100k] [--mix standard|all] [--seconds 20]

First, each query alone from one client (the fixed cost of a request); then the closed loop
against the Oxigraph server and ``cmikg serve`` with the CPU time each process used read
from /proc (CPU milliseconds per query, by role: engine workers, HTTP workers); then
the loop again with py-spy.

Uses the benchmark's data (run bench/run.py once first to make it). py-spy samples the
whole process tree (gunicorn arbiter, HTTP workers, query workers). Prints the share of busy
samples per process role and, per role, the functions with the most time of their own and
the frames with the most inclusive time; keeps the raw stacks in bench/data/profile/ (load them in
speedscope or flamegraph.pl for a picture).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dataset  # noqa: E402
import process  # noqa: E402
from client import Connection, closed_loop  # noqa: E402
from measure import free_port  # noqa: E402
from querymix import load_mix  # noqa: E402
from systems import SYSTEMS  # noqa: E402

ROOT = HERE.parent
WORK = HERE / "data"
#: Leaf frames of a thread waiting, not working, that py-spy does not always tell apart: a
#: blocking pipe read (a query worker waiting for its next job), a thread pool's queue.
IDLE = re.compile(
    r"\b(wait|select|poll|epoll|accept|recv_into|sleep|acquire)\b|Connection\._recv\b"
    r"|_worker \(concurrent/futures/thread\.py"
)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    process.install_cleanup()
    data = find_dataset(args.size)
    queries, _ = load_mix(ROOT)
    mix = [q for q in queries if args.mix == "all" or q.name.startswith("bench/")]
    out = WORK / "profile" / f"cmikg-{args.size}-{args.mix}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"{len(mix)} queries, {args.clients} clients, {args.seconds:.0f} s per loop, {args.size}")
    for name in ("oxigraph-mem", "cmikg"):
        print_sequential(name, sequential_latency(name, data, mix, args.repeats))
    for name in ("oxigraph-mem", "cmikg"):
        result, cpu = measured_loop(name, data, mix, args)
        print_cpu(name, result, cpu)
    result, _ = measured_loop("cmikg", data, mix, args, spy_output=out)
    print(
        f"\nunder py-spy ({args.rate} samples/s per process): {result.queries_per_second:.1f} queries/s; "
        f"stacks in {out}"
    )
    summarise(out, process_roles_seen, args.top)
    return 0


#: pid -> role of every cmikg process seen while profiling (workers may be replaced).
process_roles_seen: dict[int, str] = {}


def measured_loop(name: str, data: dataset.Dataset, mix, args: argparse.Namespace, spy_output: Path | None = None):
    """One closed loop against ``name``; CPU seconds used per process role meanwhile."""
    running = SYSTEMS[name].launch(data, free_port(), WORK)
    try:
        spy = _start_spy(running.process.pid, args, spy_output) if spy_output else None
        result: dict = {}
        loop = threading.Thread(
            target=lambda: result.update(
                loop=closed_loop(running.endpoint, mix, args.clients, args.seconds, 60.0, args.distinct)
            )
        )
        roles = process_roles(running.process.pid)
        before = process.cpu_seconds(list(roles))
        loop.start()
        time.sleep(1.0)
        process_roles_seen.update(process_roles(running.process.pid))
        loop.join()
        roles.update(process_roles(running.process.pid))
        after = process.cpu_seconds(list(roles))
        if spy is not None:
            _, err = spy.communicate(timeout=args.seconds + 60)
            if spy.returncode != 0:
                raise SystemExit(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
    finally:
        process.stop(running.process)
    cpu: Counter = Counter()
    for pid, used in after.items():
        cpu[roles.get(pid, "other")] += used - before.get(pid, 0.0)
    return result["loop"], cpu


def _start_spy(pid: int, args: argparse.Namespace, out: Path) -> subprocess.Popen:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            str(args.rate),
            "--duration",
            str(int(args.seconds) + 2),
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def sequential_latency(name: str, data: dataset.Dataset, mix, repeats: int) -> dict[str, float]:
    """Median latency of each query from one client, alone: the fixed cost of a request."""
    running = SYSTEMS[name].launch(data, free_port(), WORK)
    try:
        connection = Connection(running.endpoint, 60.0)
        found = {q.name: median(connection.send(q).seconds for _ in range(repeats)) for q in mix}
        connection.close()
    finally:
        process.stop(running.process)
    return found


def print_sequential(name: str, latency: dict[str, float]) -> None:
    print(f"\n{name}, one client, median of each query alone (ms):")
    print("  " + ", ".join(f"{q.split('/')[-1]} {1000 * s:.2f}" for q, s in latency.items()))


def print_cpu(name: str, result, cpu: Counter) -> None:
    """Throughput and CPU milliseconds per query, by process role."""
    n = max(1, result.completed)
    parts = ", ".join(f"{role} {1000 * seconds / n:.2f}" for role, seconds in cpu.most_common())
    print(
        f"\n{name}: {result.queries_per_second:.1f} queries/s; CPU ms per query: "
        f"{1000 * sum(cpu.values()) / n:.2f} in all ({parts})"
    )


def find_dataset(size: str) -> dataset.Dataset:
    dist = WORK / (dataset.SEED_NAME if size == "seed" else f"sets/{size}") / "dist"
    if not (dist / "cmikg.nt").is_file():
        raise SystemExit(f"{dist}/cmikg.nt is missing: run `python bench/run.py --sizes {size}` first")
    return dataset.describe(size, ROOT, dist)


def summarise(raw: Path, roles: dict[int, str], top: int) -> None:
    """Busy samples per process role; per role, the functions with the most time of their
    own and the frames with the most inclusive time (below the frames every sample shares)."""
    stacks: dict[str, Counter] = {}
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not count.isdigit() or len(frames) < 2 or IDLE.search(frames[-1]):
            continue
        pids = [int(m.group(1)) for f in frames if (m := re.match(r"process (\d+)", f))]
        role = roles.get(pids[-1], "other") if pids else "other"  # nested: parent first
        code = tuple(_short(f) for f in frames if not f.startswith("process "))
        if code:
            stacks.setdefault(role, Counter())[code] += int(count)
    total = sum(sum(c.values()) for c in stacks.values())
    if not total:
        print("no busy samples")
        return
    print(f"\nbusy samples: {total}")
    _print(
        "share of busy samples by process role", Counter({r: sum(c.values()) for r, c in stacks.items()}), total, top
    )
    for role, counter in sorted(stacks.items(), key=lambda item: -sum(item[1].values())):
        own, inclusive = Counter(), Counter()
        for frames, n in counter.items():
            own[frames[-1]] += n
            for frame in set(frames):
                inclusive[frame] += n
        everywhere = {f for f, n in inclusive.items() if n >= 0.95 * sum(counter.values())}
        _print(f"{role}: own time", own, total, top)
        _print(
            f"{role}: inclusive time (frames in fewer than 95% of its samples)",
            Counter({f: n for f, n in inclusive.items() if f not in everywhere}),
            total,
            top,
        )


def process_roles(pid: int) -> dict[int, str]:
    """gunicorn arbiter, its HTTP workers, their query workers: by depth in the tree."""
    tree = {m.pid: m.ppid for m in process.tree_memory(pid)}
    names = {0: "server", 1: "HTTP worker", 2: "query worker"}
    roles = {}
    for child in tree:
        depth, current = 0, child
        while current != pid and current in tree:
            current, depth = tree[current], depth + 1
        roles[child] = names.get(depth, f"depth {depth}")
    return roles


def _short(frame: str) -> str:
    frame = re.sub(r"/[^ ]*/site-packages/", "", frame)
    return re.sub(r"/[^ ]*/src/", "", frame)[:120]


def _print(title: str, counter: Counter, total: int, top: int) -> None:
    print(f"\n{title} (% of all busy samples):")
    for key, n in counter.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {key}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k", choices=["seed", "100k", "1m"])
    parser.add_argument("--mix", default="standard", choices=["standard", "all"])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--distinct", action="store_true", help="a new query text for every request, as the no-cache loops send"
    )
    parser.add_argument(
        "--rate", type=int, default=50, help="samples per second per process (more distorts the load on 2 cores)"
    )
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=100, help="requests per query for the one-client medians")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())

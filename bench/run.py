"""Side-by-side benchmark: cmikg serve, the Oxigraph server (in memory and on disk) and
rdflib-endpoint, serving the same data, one after another, on 127.0.0.1.

    python bench/run.py            # full: seed, 100k and 1M triples (about 15 minutes)
    python bench/run.py --quick    # 100k triples, short loops (a few minutes)

Writes bench/RESULTS.md (ratios to the Oxigraph server in memory, measured in the same run)
and keeps generated data, stores, logs and raw figures under bench/data/ (git-ignored).
See docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dataset  # noqa: E402  (bench/ is not a package: its modules import each other by name)
import process  # noqa: E402
import report  # noqa: E402
from generate import DEFAULT_SEED  # noqa: E402
from measure import (  # noqa: E402
    Limits,
    SystemRun,
    check_phase,
    common_mix,
    load_phase,
    long_run,
    loop_duration,
    startup_samples,
)
from querymix import BenchQuery, load_mix  # noqa: E402
from scaled_build import scaled_build  # noqa: E402
from systems import REFERENCE, SYSTEMS, needs_disk_store  # noqa: E402

ROOT = HERE.parent
WORK = HERE / "data"
SIZES = {"seed": None, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
#: The lookup of one entity's description, as an entity page sends it.
LOOKUP = "bench/point-lookup"


@dataclass
class Plan:
    """What one invocation measures, and how long it may take."""

    mode: str
    sizes: list[str]
    duration: float
    clients: int
    timeout: float
    budget: float
    startup_repeats: int
    rdflib_max_triples: int
    systems: list[str]
    check_budget: float
    #: the command line as given, so that the report names what reproduces it
    command: str = ""


class Deadline:
    """The hard cap on the whole run: phases that would start after it are skipped."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def make_plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    sizes = args.sizes or (["100k"] if quick else ["seed", "100k", "1m"])
    return Plan(
        "quick" if quick else "full",
        sizes,
        args.duration or (10.0 if quick else 15.0),
        args.clients,
        args.timeout,
        args.max_minutes * 60 if args.max_minutes else (8 * 60 if quick else 20 * 60),
        1 if quick else 3,
        args.rdflib_max_triples,
        args.systems or list(SYSTEMS),
        args.check_budget,
        " ".join(["python", "bench/run.py", *map(shlex.quote, args.argv)]),
    )


def cmikg_available() -> tuple[bool, str]:
    """``cmikg serve`` is benchmarked once its module exists and its command answers."""
    if not (ROOT / "src" / "cmikg" / "service" / "app.py").is_file():
        return False, "src/cmikg/service/app.py does not exist yet"
    done = subprocess.run(
        [sys.executable, "-m", "cmikg", "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0:
        return False, f"`cmikg serve --help` failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return True, ""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    process.install_cleanup()
    deadline = Deadline(plan.budget)
    WORK.mkdir(parents=True, exist_ok=True)
    limits = Limits(plan.clients, plan.duration, plan.timeout, plan.check_budget, WORK)
    for name in ("cmikg", "cmikg-disk", "cmikg-1w"):
        SYSTEMS[name].clients = plan.clients  # type: ignore[attr-defined]
    started = time.time()
    machine = report.machine(ROOT)

    seed, datasets = prepare_data(plan, args)
    queries, skipped = load_mix(ROOT)
    print(f"queries: {len(queries)} ({len(skipped)} folders or files left out)", flush=True)
    available, why_not = cmikg_available()
    notes = [f"not in the mix: {line}" for line in skipped]
    if not available:
        notes.append(f"cmikg serve not measured: {why_not}")

    runs: list[SystemRun] = []
    mixes: dict[str, list[str]] = {}
    durations: dict[str, dict[str, float]] = {}
    for name, data in datasets.items():
        print(f"size {name} ({data.triples} triples)", flush=True)
        size_runs, durations[name] = run_size(data, queries, plan, limits, available, deadline, notes)
        mixes[name] = [q.name for q in common_mix(queries, size_runs)]
        runs += size_runs
    extras = {
        "build": asdict(seed.build) if seed.build else None,
        "build_100k": scaled_build_100k(seed, args, deadline),
        "startup": cmikg_startups(datasets, seed.dataset, plan, limits, available, deadline),
        "long_run": cmikg_long_run(seed.dataset, queries, mixes.get("seed"), args, limits, available, deadline),
    }

    results = {
        "plan": asdict(plan),
        "generator_seed": args.seed,
        "started": started,
        "finished": time.time(),
        "seed": {"method": seed.method, "detail": seed.detail},
        "datasets": {n: {"triples": d.triples, "sha256": d.digest} for n, d in datasets.items()},
        "queries": [q.name for q in queries],
        "mixes": mixes,
        "durations": durations,
        "notes": notes,
        "extras": extras,
        "runs": [r.record() for r in runs],
        "machine": {**machine, "load_average_end": [round(x, 2) for x in os.getloadavg()]},
    }
    write_results(results, Path(args.output) if args.output else HERE / "RESULTS.md")
    return 0


def scaled_build_100k(seed: dataset.Seed, args: argparse.Namespace, deadline: Deadline) -> dict | None:
    """``cmikg build`` of a 100k-triple scale-up, every check on (full mode, or --scaled-build)."""
    if not args.scaled_build or deadline.left() < 600:
        return None
    print("cmikg build at 100k triples (SHACL, quotes, Wikidata checks, HermiT)", flush=True)
    run = scaled_build(ROOT, seed.dataset.ntriples, 100_000, WORK)
    print(f"  {'ok' if run.ok else 'FAILED'} in {run.wall_seconds:.1f} s: {run.phases}", flush=True)
    return asdict(run)


def prepare_data(plan: Plan, args: argparse.Namespace) -> tuple[dataset.Seed, dict[str, dataset.Dataset]]:
    print("data: seed", flush=True)
    seed = dataset.seed(ROOT, WORK, rebuild=args.rebuild or plan.mode == "full")
    print(f"  {seed.dataset.triples} triples ({seed.method}: {seed.detail})", flush=True)
    datasets = {
        name: seed.dataset if SIZES[name] is None else dataset.scaled(seed.dataset, name, SIZES[name], WORK, args.seed)
        for name in plan.sizes
    }
    for name, data in datasets.items():
        print(f"  {name}: {data.triples} triples", flush=True)
    return seed, datasets


def run_size(
    data: dataset.Dataset,
    queries: list[BenchQuery],
    plan: Plan,
    limits: Limits,
    cmikg_ok: bool,
    deadline: Deadline,
    notes: list[str],
) -> tuple[list[SystemRun], dict[str, float]]:
    """Both phases for every system at one size: answers first, then the loops on the
    queries all of them answered alike. Returns the runs and the loops' durations."""
    runs: list[SystemRun] = []
    expected = None if REFERENCE in plan.systems else {}  # {}: nothing to compare with
    for name in ordered_systems(plan):
        reason = skip_reason(name, data, plan, cmikg_ok, deadline)
        if reason:
            notes.append(f"{name} at {data.name}: not measured ({reason})")
            print(f"  {name}: skipped ({reason})", flush=True)
            continue
        runs.append(check_phase(SYSTEMS[name], data, queries, limits, expected))
        if name == REFERENCE:
            expected = runs[-1].answers if not runs[-1].error else {}
            runs[-1].answers = {}
    mix = common_mix(queries, runs)
    # "all" and "standard": every request a new text; "repeated": the gallery's queries
    # (queries/) and the pages' entity lookup sent again and again, which a cache may answer
    repeated = [q for q in mix if q.name.startswith("queries/") or q.name == LOOKUP]
    mixes = {"all": mix, "standard": [q for q in mix if q.name.startswith("bench/")], "repeated": repeated}
    reference = next((r for r in runs if r.system == REFERENCE and not r.error), None)
    durations = {name: loop_duration(m, reference, limits) for name, m in mixes.items()}
    half = {name: seconds / 2 for name, seconds in durations.items()}
    for order in (runs, runs[::-1]):
        for run in order:
            if deadline.left() < sum(half.values()) + 30:
                run.error = run.error or f"loop not run: the run's time cap ({plan.budget / 60:.0f} min) was near"
                continue
            load_phase(run, SYSTEMS[run.system], data, mixes, half, limits)
    return runs, durations


def cmikg_startups(
    datasets: dict[str, dataset.Dataset],
    seed: dataset.Dataset,
    plan: Plan,
    limits: Limits,
    available: bool,
    deadline: Deadline,
) -> dict[str, list[float]]:
    """Repeated start-ups of ``cmikg serve`` at seed size and (full mode) at 1M triples."""
    found: dict[str, list[float]] = {}
    if not available:
        return found
    for name in ("seed", "1m") if plan.mode == "full" else ("seed",):
        data = seed if name == "seed" else datasets.get(name)
        if data is not None and deadline.left() > 60:
            print(f"cmikg serve start-up at {name}, {plan.startup_repeats} time(s)", flush=True)
            found[name] = startup_samples(SYSTEMS["cmikg"], data, plan.startup_repeats, limits)
    return found


def cmikg_long_run(
    seed: dataset.Dataset,
    queries: list[BenchQuery],
    mix: list[str] | None,
    args: argparse.Namespace,
    limits: Limits,
    available: bool,
    deadline: Deadline,
) -> dict | None:
    """``cmikg serve`` on the real graph under ``--long-run`` seconds of distinct queries (the
    seed's common mix), its memory sampled every second; None when not asked for or not run."""
    if not available or args.long_run <= 0 or not mix or deadline.left() < args.long_run + 60:
        return None
    chosen = [q for q in queries if q.name in set(mix)]
    print(f"cmikg serve at seed: {args.long_run:.0f} s of distinct queries, memory sampled", flush=True)
    return long_run(SYSTEMS["cmikg"], seed, chosen, args.long_run, limits)


def write_results(results: dict, out: Path) -> None:
    (WORK / f"results-{results['plan']['mode']}.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    out.write_text(report.markdown(results), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}", flush=True)
    failures = sum(len(r["differences"]) + bool(r["error"]) for r in results["runs"])
    print(f"correctness: {'all systems agree' if not failures else f'{failures} FAILURE(S), see the report'}")


def ordered_systems(plan: Plan) -> list[str]:
    """The reference first, so that every other system can be compared as it finishes."""
    return sorted(plan.systems, key=lambda s: s != REFERENCE)


def _one_http_worker_from() -> int:
    from cmikg.service.server import ONE_HTTP_WORKER_FROM

    return ONE_HTTP_WORKER_FROM


def skip_reason(system: str, data: dataset.Dataset, plan: Plan, cmikg_ok: bool, deadline: Deadline) -> str:
    if system.startswith("cmikg") and not cmikg_ok:
        return "cmikg serve is not available yet"
    if system == "cmikg-disk" and needs_disk_store(data):
        return "at this size cmikg itself is served with --disk-store (its store would not fit in memory)"
    if system == "cmikg-1w" and data.triples >= _one_http_worker_from():
        return f"from {_one_http_worker_from():,} triples cmikg itself runs one HTTP worker"
    if system == "rdflib-endpoint" and data.triples > plan.rdflib_max_triples:
        return (
            f"{data.triples} triples is above --rdflib-max-triples {plan.rdflib_max_triples}: "
            "rdflib's in-memory store would take minutes to load and answer"
        )
    if deadline.left() < 3 * plan.duration + 60:
        return f"the run's time cap ({plan.budget / 60:.0f} min) is nearly reached"
    return ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k triples only, 10 s loops")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), help="sizes to run (default: by mode)")
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS), help="systems to run (default: all)")
    parser.add_argument("--duration", type=float, help="seconds of closed loop per system and size")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    parser.add_argument("--max-minutes", type=float, help="hard cap on the whole run (default 8 quick, 20 full)")
    parser.add_argument(
        "--rdflib-max-triples",
        type=int,
        default=200_000,
        help="largest dataset given to rdflib-endpoint (default 200000)",
    )
    parser.add_argument(
        "--check-budget",
        type=float,
        default=240.0,
        help="seconds the correctness pass may take per system and size (default 240)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the seed even in quick mode")
    parser.add_argument(
        "--scaled-build", action="store_true", help="also time `cmikg build` on a 100k-triple scale-up (minutes)"
    )
    parser.add_argument(
        "--long-run",
        type=float,
        default=60.0,
        help="seconds of distinct queries on cmikg at seed, memory sampled (default 60; 0: not run)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--output", help="where to write the report (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


if __name__ == "__main__":
    raise SystemExit(main())

"""bench/RESULTS.md: the machine, the data, correctness, ratios to the Oxigraph server in
memory (measured in the same run), the targets, and the absolute figures behind them.

Ratios are what carry from one machine to another; absolute times on a shared 2-core
machine do not, so the summary quotes ratios and the tables keep the raw figures only as
the evidence for them.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from importlib import metadata
from math import exp, log
from pathlib import Path

PACKAGES = (
    "cmikg",
    "pyoxigraph",
    "oxigraph",
    "rdflib",
    "rdflib-endpoint",
    "flask",
    "gunicorn",
    "fastapi",
    "uvicorn",
    "pyshacl",
    "owlready2",
)
REFERENCE = "oxigraph-mem"
#: The lookup of one entity's description (the latency target's lookup query).
LOOKUP = "bench/point-lookup"


def machine(root: Path) -> dict:
    """What the figures were measured on."""
    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "ram_gib": round(_meminfo("MemTotal") / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "packages": {p: _version(p) for p in PACKAGES},
    }
    info["pipe_round_trip_us"] = _round_trips()
    info["commit"] = _git(root, "rev-parse", "--short", "HEAD")
    info["tree"] = "with uncommitted changes" if _git(root, "status", "--porcelain") else "clean"
    return info


def _round_trips() -> dict | None:
    """What one hop between processes costs here, on one core and across two (see
    :func:`process.pipe_round_trips`); None with one usable core."""
    from process import pipe_round_trips

    same, other = pipe_round_trips(same_cpu=True), pipe_round_trips(same_cpu=False)
    if same is None or other is None:
        return None
    return {
        "same_core": round(same[0], 1),
        "same_core_cpu": round(same[1], 1),
        "other_core": round(other[0], 1),
        "other_core_cpu": round(other[1], 1),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    return done.stdout.strip()


# --- the report ---------------------------------------------------------------------------


def markdown(results: dict) -> str:
    sections = [
        _header(results),
        _machine(results["machine"]),
        _data(results),
        _correctness(results),
        _summary(results),
        _targets(results),
        _cores(results),
        _growth(results),
        _latency(results),
        _startup_memory(results),
        _cmikg_extras(results),
        _long_run(results),
        _notes(results),
    ]
    return without_local_paths("\n\n".join(s for s in sections if s) + "\n")


#: The checkout the report was made in: messages that quote a file in it (a server's error
#: naming a store file, say) are given the path inside the project instead.
_PROJECT = Path(__file__).resolve().parents[1]


def without_local_paths(text: str, root: Path = _PROJECT) -> str:
    """``text`` with this machine's path to the project dropped, so the report names files
    as the project does (``bench/data/...``) and reads the same on any machine."""
    return text.replace(f"{root}{os.sep}", "")


def _command(plan: dict) -> str:
    """The command line the run was given; reports from before it was kept name the mode."""
    return plan.get("command") or f"python bench/run.py{' --quick' if plan['mode'] == 'quick' else ''}"


def _header(results: dict) -> str:
    plan = results["plan"]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(results["started"]))
    minutes = (results["finished"] - results["started"]) / 60
    return (
        f"# Benchmark results\n\n"
        f"`{_command(plan)}`, {when}, {minutes:.1f} min. "
        f"Mode **{plan['mode']}**: sizes {', '.join(plan['sizes'])}; closed loops of {plan['clients']} "
        f"clients, the same fixed duration for every system at a size (at least {plan['duration']:.0f} s; "
        f"see each table), round-robin over the common mix: "
        f"the queries (of {len(results['queries'])}) that every system at that size answered, and "
        f"answered alike, so that all do the same work (see Correctness for the others); each in two "
        f"rounds of half the duration, all systems in order then in reverse order, each loop after one untimed pass "
        f"over its mix on the same start of the server (for the no-cache mixes, with texts of its own). "
        f"Ratios are to the **Oxigraph server in "
        f"memory** measured in the same run; absolute figures are from a shared, noisy machine and "
        f"are given only as evidence for the ratios."
    )


def _machine(m: dict) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v != "not installed")
    return (
        f"## Machine\n\n- CPU: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable)\n"
        f"- RAM: {m['ram_gib']} GiB; load average (1, 5, 15 min) at start {m['load_average']}, at the end "
        f"{m.get('load_average_end', 'n/a')}\n"
        f"- OS: {m['os']}\n- Python {m['python']}; {packages}\n"
        f"{_hop(m.get('pipe_round_trip_us'))}"
        f"- cmikg commit {m['commit']} ({m['tree']})"
    )


def _hop(trip: dict | None) -> str:
    if not trip:
        return ""
    return (
        f"- A 100-byte message to another process and back over a pipe (`process.pipe_round_trips`, "
        f"median of 3,000): {trip['same_core']:,.0f} µs with both on one core, {trip['other_core']:,.0f} µs "
        f"across two; {trip['same_core_cpu']:,.0f} and {trip['other_core_cpu']:,.0f} µs of the sender's "
        "CPU per round trip. A request to cmikg crosses several such hops (client, HTTP worker, its "
        "threads, query worker and back).\n"
    )


def _data(results: dict) -> str:
    rows = [[name, f"{d['triples']:,}", d["sha256"][:16]] for name, d in results["datasets"].items()]
    return (
        f"## Data\n\nSeed: **{results['seed']['method']}**: {results['seed']['detail']}. Larger sizes are "
        f"deterministic scale-ups of the seed by `bench/generate.py` (seed {results['generator_seed']}"
        f"; same classes, predicates, claim/reference pattern, labels and Wikidata links).\n\n"
        + _table(["dataset", "triples", "sha256 (first 16)"], rows)
    )


def _correctness(results: dict) -> str:
    lines = [
        "## Correctness",
        "",
        "Every query once per system, compared with the Oxigraph server in memory: rows as multisets, "
        "order only under ORDER BY (ties may permute), graphs up to blank-node renaming.",
    ]
    problems = []
    for run in results["runs"]:
        if run["error"]:
            problems.append(f"- **FAILURE** {run['system']} at {run['size']}: {run['error']}")
        for query, what in sorted(run["differences"].items()):
            problems.append(f"- **FAILURE** {run['system']} at {run['size']}, `{query}`: {what}")
        for mix, loop in run["loops"].items():
            for query, count in sorted(loop["failures"].items()):
                problems.append(
                    f"- **FAILURE** {run['system']} at {run['size']}, `{query}`: {count} request(s) "
                    f"failed in the {mix} loop, e.g. {loop['failure_example'].get(query, '')[:200]}"
                )
    chosen = [
        f"- {run['system']} at {run['size']}, `{query}`: {what}"
        for run in results["runs"]
        for query, what in sorted(run.get("chosen", {}).items())
    ]
    lines.append("")
    lines.extend(problems or ["All systems returned the same answers to every query at every size."])
    if chosen:
        lines += [
            "",
            "DESCRIBE answers that differ from the reference's: SPARQL 1.1 Query (section 16.4) leaves "
            "the description to each service, so these are not failures; they are left out of the loops "
            "all the same, since the systems would not do the same work.",
            "",
            *chosen,
        ]
    for size, mix in results["mixes"].items():
        left_out = [q for q in results["queries"] if q not in mix]
        lines.append(
            f"\nCommon mix at {size}: {len(mix)} of {len(results['queries'])} queries"
            + (f"; left out: {', '.join(f'`{q}`' for q in left_out)}." if left_out else ".")
        )
    return "\n".join(lines)


def _runs_at(results: dict, size: str) -> dict[str, dict]:
    return {r["system"]: r for r in results["runs"] if r["size"] == size and not r["error"]}


def _ratio(value, base) -> float | None:
    if value is None or base in (None, 0):
        return None
    return value / base


def _geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return exp(sum(log(v) for v in values) / len(values)) if values else None


def _figure(run: dict | None, mix: str, key: str):
    loop = run and run["loops"].get(mix)
    return loop[key] if loop else None


def median_ratios(run: dict, reference: dict, mix: str = "all") -> list[float]:
    mine, theirs = run["loops"].get(mix, {}).get("latency", {}), reference["loops"].get(mix, {}).get("latency", {})
    return [r for q in mine if (r := _ratio(mine[q]["median"], theirs.get(q, {}).get("median")))]


def _peak(run: dict, key: str) -> int | None:
    values = [loop["peak_memory"].get(key) for loop in run["loops"].values()]
    return max((v for v in values if v), default=None)


def _summary(results: dict) -> str:
    lines = [
        "## Ratios to the Oxigraph server in memory",
        "",
        "Throughput (queries/s over the common mix, and over its standard part alone): higher is better. "
        "Latency (geometric mean over the common mix of each query's median ratio), start-up and "
        "peak memory of the process tree: lower is better.",
    ]
    for size in results["plan"]["sizes"]:
        runs = _runs_at(results, size)
        base = runs.get(REFERENCE)
        if base is None:
            lines.append(f"\n{size}: the reference did not run.")
            continue
        rows = [
            [
                name,
                _x(_ratio(_figure(r, "all", "qps"), _figure(base, "all", "qps"))),
                _x(_ratio(_figure(r, "standard", "qps"), _figure(base, "standard", "qps"))),
                _x(_geomean(median_ratios(r, base))),
                _x(_ratio(r["startup_seconds"], base["startup_seconds"])),
                _x(_ratio(_peak(r, "rss_kib"), _peak(base, "rss_kib"))),
                _x(_ratio(_peak(r, "pss_kib"), _peak(base, "pss_kib"))),
            ]
            for name, r in runs.items()
        ]
        lines += [
            "",
            f"**{size}** ({results['datasets'][size]['triples']:,} triples)",
            "",
            _table(
                [
                    "system",
                    "queries/s (mix)",
                    "queries/s (standard)",
                    "median latency",
                    "start-up",
                    "peak RSS",
                    "peak PSS",
                ],
                rows,
            ),
        ]
    return "\n".join(lines)


def _targets(results: dict) -> str:
    """Every target of the run in one table: what is wanted, what was measured, met or not."""
    rows: list[list[str]] = []
    for size in results["plan"]["sizes"]:
        rows += _size_targets(results, size)
    rows += [
        _target(
            "`cmikg build` of the real graph, every check on", "<= 10 s", _build_seconds(results), _at_most(10), "s"
        ),
        _target("`cmikg build` at 100k triples, every check on", "reported", _scaled_build(results), None, "s"),
    ]
    rows += _long_run_targets(results.get("extras", {}).get("long_run"))
    return (
        "## Targets\n\nRatios are cmikg to the Oxigraph server in memory at the same size, in the same run. "
        "*No cache hits*: the mix and its standard part with a new query text for every request "
        "(a filter on a literal that varies, true for every solution), so no cache can answer; "
        "cmikg's per-address limit is raised to the number of clients, every other limit is at its default. "
        "*Repeated*: the gallery's queries and "
        "the entity lookup sent again and again, so cmikg's result cache answers after the first time "
        "(the Oxigraph server has no result cache). Latency of the mix: the median and p99 over every "
        "request of the no-cache mix; of the lookup: `bench/point-lookup` in that same loop.\n\n"
        + _table(["target", "wanted", "measured", "verdict"], rows)
    )


#: The ways cmikg is served in the run, as the targets' rows name them.
CMIKG_SYSTEMS = {"cmikg": "", "cmikg-disk": " (--disk-store)", "cmikg-1w": " (--workers 1)"}


def _size_targets(results: dict, size: str) -> list[list[str]]:
    runs = _runs_at(results, size)
    cores = results["machine"].get("usable_cores") or 1
    rows: list[list[str]] = []
    for system, label in CMIKG_SYSTEMS.items():
        if system in runs or system == "cmikg":
            rows += _system_targets(runs.get(system), runs.get(REFERENCE), f"{size}{label}", cores)
    return rows


def _system_targets(cmikg: dict | None, ox: dict | None, size: str, cores: int) -> list[list[str]]:
    rows = [
        _target(f"{size}: throughput, no cache hits, {label}", ">= 1.0x", _qps_ratio(cmikg, ox, mix), _at_least(1), "x")
        for mix, label in (("all", "mix"), ("standard", "standard part"))
    ]
    rows.append(
        _target(
            f"{size}: throughput, repeated queries", ">= 5.0x", _qps_ratio(cmikg, ox, "repeated"), _at_least(5), "x"
        )
    )
    rows.append(
        _target(
            f"{size}: the most the clients could measure on repeated queries (see Where the cores went)",
            "reported",
            _ceiling_ratio(cmikg, ox, cores),
            None,
            "x",
        )
    )
    lookup_loop = _lookup_loop(cmikg, ox)
    lookup_label = "" if lookup_loop == "all" else " (standard-part loop: the mix loop never reached it)"
    for key, wanted, bound in (("median", "<= 1.0x", 1.0), ("p99", "<= 1.5x", 1.5)):
        rows.append(
            _target(
                f"{size}: latency {key}, lookup{lookup_label}",
                wanted,
                _lookup_ratio(cmikg, ox, key, lookup_loop),
                _at_most(bound),
                "x",
            )
        )
        rows.append(
            _target(f"{size}: latency {key}, mix", wanted, _overall_ratio(cmikg, ox, key), _at_most(bound), "x")
        )
    memory_bound = {"seed": 4.0, "1m": 2.0}.get(size.split(" ")[0])
    pss = _ratio(_peak(cmikg, "pss_kib"), _peak(ox, "pss_kib")) if cmikg and ox else None
    rows.append(
        _target(
            f"{size}: peak PSS of the process tree",
            f"<= {memory_bound:.0f}x" if memory_bound else "reported",
            pss,
            _at_most(memory_bound) if memory_bound else None,
            "x",
        )
    )
    cache = (cmikg or {}).get("health", {}).get("result_cache")
    if cache:
        rows.append(
            [
                f"{size}: result cache after the run (shared file)",
                f"<= {cache['max_bytes']:,} bytes",
                f"{cache['bytes']:,} bytes in {cache['answers']:,} answers",
                "met" if cache["bytes"] <= cache["max_bytes"] else "**missed**",
            ]
        )
    return rows


def _at_least(bound: float):
    return lambda v: v >= bound


def _at_most(bound: float):
    return lambda v: v <= bound


def _ceiling_ratio(run: dict | None, reference: dict | None, cores: int) -> float | None:
    """The clients' ceiling on the repeated loop (cores / their CPU per request), as a ratio to
    the Oxigraph server's throughput there: above it, no figure for cmikg can be measured."""
    cpu = (_figure(run, "repeated", "cpu") or {}).get("rest_ms_per_query")
    return _ratio(1000 * cores / cpu, _figure(reference, "repeated", "qps")) if cpu else None


def _qps_ratio(run: dict | None, reference: dict | None, mix: str) -> float | None:
    return _ratio(_figure(run, mix, "qps"), _figure(reference, mix, "qps"))


def _lookup_ratio(run: dict | None, reference: dict | None, key: str, mix: str = "all") -> float | None:
    def value(r: dict | None):
        return (_figure(r, mix, "latency") or {}).get(LOOKUP, {}).get(key)

    return _ratio(value(run), value(reference))


def _lookup_loop(run: dict | None, reference: dict | None) -> str:
    """The loop whose lookups the target is read from: the no-cache mix, or, where that loop
    never reached the lookup for one of the two systems (a few requests in all, each client
    starting at its own point of the mix), the loop over the standard part, which is shorter."""

    def sampled(mix: str) -> bool:
        return all((_figure(r, mix, "latency") or {}).get(LOOKUP, {}).get("count") for r in (run, reference))

    return "standard" if not sampled("all") and sampled("standard") else "all"


def _overall_ratio(run: dict | None, reference: dict | None, key: str) -> float | None:
    return _ratio(
        (_figure(run, "all", "overall") or {}).get(key), (_figure(reference, "all", "overall") or {}).get(key)
    )


def _scaled_build(results: dict) -> float | None:
    build = results["extras"].get("build_100k")
    return build["wall_seconds"] if build and build["ok"] else None


def _target(name: str, wanted: str, value: float | None, ok, unit: str) -> list[str]:
    if value is None:
        return [name, wanted, "not measured", "-"]
    shown = f"{value:.2f}x" if unit == "x" else f"{value:.2f} s"
    if ok is None:
        return [name, wanted, shown, "-"]
    return [name, wanted, shown, "met" if ok(value) else "**missed**"]


def _startup(results: dict, size: str) -> float | None:
    samples = results["extras"]["startup"].get(size) or []
    if samples:
        return sorted(samples)[len(samples) // 2]
    run = _runs_at(results, size).get("cmikg")
    return run["startup_seconds"] if run else None


def _build_seconds(results: dict) -> float | None:
    build = results["extras"].get("build")
    return build["wall_seconds"] if build and build["ok"] else None


def _latency(results: dict) -> str:
    parts = [
        "## Latency per query",
        "",
        "Median / p95 in milliseconds under the closed loop, and the median's ratio to the Oxigraph "
        "server in memory. Latencies under a mixed closed loop include waiting for the CPU while "
        "other clients' queries run (2 cores, 4 clients).",
    ]
    for size in results["plan"]["sizes"]:
        runs = _runs_at(results, size)
        for mix in ("all", "standard"):
            names = [n for n in runs if mix in runs[n]["loops"]]
            if names:
                seconds = results["durations"].get(size, {}).get(mix, 0)
                parts += [
                    "",
                    f"**{size}, {'the common mix' if mix == 'all' else 'standard queries only'}**, "
                    f"{seconds:.0f} s per system",
                    "",
                    _latency_table(runs, names, mix),
                ]
    return "\n".join(parts)


def _latency_table(runs: dict[str, dict], names: list[str], mix: str) -> str:
    base = runs.get(REFERENCE, {}).get("loops", {}).get(mix, {}).get("latency", {})
    queries = list(runs[names[0]]["loops"][mix]["latency"])
    rows = []
    for query in queries:
        row = [f"`{query}`"]
        for name in names:
            lat = runs[name]["loops"][mix]["latency"].get(query, {})
            ratio = _ratio(lat.get("median"), base.get(query, {}).get("median"))
            row.append(f"{_ms(lat.get('median'))} / {_ms(lat.get('p95'))} ({_x(ratio)}, n={lat.get('count', 0)})")
        rows.append(row)
    loops = [runs[n]["loops"][mix] for n in names]
    rows.append(
        ["**queries/s**"] + [f"{loop['qps']:.2f} ({loop['completed']} in {loop['elapsed']:.1f} s)" for loop in loops]
    )
    return _table(["query"] + names, rows)


#: The loops, in the order the report shows them.
LOOP_NAMES = {"all": "mix, no cache hits", "standard": "standard part, no cache hits", "repeated": "repeated"}


def _cores(results: dict) -> str:
    """Where each loop's CPU went: the server's processes, and the rest of the machine (the
    load generator's clients, mostly). The clients' share bounds what this machine can
    measure: with every core given to them and a server that cost nothing, they could send
    at most (cores / their CPU per request) queries a second."""
    cores = results["machine"].get("usable_cores") or 1
    rows = []
    for size in results["plan"]["sizes"]:
        for name, run in _runs_at(results, size).items():
            for mix, label in LOOP_NAMES.items():
                cpu = (run["loops"].get(mix) or {}).get("cpu")
                if not cpu:
                    continue
                rest = cpu["rest_ms_per_query"]
                rows.append(
                    [
                        size,
                        name,
                        label,
                        f"{run['loops'][mix]['qps']:,.0f}",
                        f"{cpu['server_ms_per_query']:.2f}",
                        f"{rest:.2f}",
                        f"{cpu['cores_busy']:.2f}",
                        f"{1000 * cores / rest:,.0f}" if rest > 0 else "-",
                    ]
                )
    if not rows:
        return ""
    return (
        "## Where the cores went\n\nCPU per answered request during each loop, from /proc: the "
        "server's whole process tree (workers it reaped included), and the rest of the machine, "
        "which is mostly the load generator's clients (they run on the same cores). The last column "
        f"is the most queries/s these clients could send on the {cores} cores with a server that "
        "cost nothing: no system can be measured faster here.\n\n"
        + _table(
            [
                "size",
                "system",
                "loop",
                "queries/s",
                "server CPU ms/query",
                "rest ms/query",
                "cores busy",
                "clients' ceiling, queries/s",
            ],
            rows,
        )
    )


def _growth(results: dict) -> str:
    """How each system's throughput, latency, start-up and memory grow with the data: the
    figures at each size, and in brackets their ratio to the same system's at the smallest."""
    sizes = results["plan"]["sizes"]
    systems = sorted({r["system"] for r in results["runs"]}, key=lambda s: (s != REFERENCE, s))
    measures = (
        ("queries/s, no cache hits (mix)", lambda r: _figure(r, "all", "qps"), "{:,.0f}"),
        ("median latency ms (mix)", lambda r: _milliseconds(r, "median"), "{:.1f}"),
        ("p99 latency ms (mix)", lambda r: _milliseconds(r, "p99"), "{:.1f}"),
        ("start-up s", lambda r: r["startup_seconds"], "{:.2f}"),
        ("peak PSS MiB", lambda r: (_peak(r, "pss_kib") or 0) / 1024 or None, "{:,.0f}"),
    )
    rows = []
    for system in systems:
        for title, read, shown in measures:
            values = [read(run) if (run := _runs_at(results, size).get(system)) else None for size in sizes]
            first = next((v for v in values if v), None)
            cells = [
                "-" if v is None else shown.format(v) + (f" ({v / first:.3g}x)" if first and v is not first else "")
                for v in values
            ]
            rows.append([system, title, *cells])
    return (
        "## Growth with size\n\nEach system's own figures at each size; in brackets, the ratio to its figure "
        "at the smallest size it ran. Sizes that one system did not run, or ran with failures, show -.\n\n"
        + _table(["system", "measure", *sizes], rows)
    )


def _milliseconds(run: dict, key: str) -> float | None:
    seconds = (_figure(run, "all", "overall") or {}).get(key)
    return None if seconds is None else seconds * 1000


def _startup_memory(results: dict) -> str:
    rows = []
    for run in results["runs"]:
        if run["startup_seconds"] is None:
            continue
        rows.append(
            [
                run["size"],
                run["system"],
                f"{run['startup_seconds']:.2f}",
                _mib(run["idle_memory"].get("rss_kib")),
                _mib(_peak(run, "rss_kib")),
                _mib(_peak(run, "pss_kib")),
                str(run["idle_memory"].get("processes", "")),
                "; ".join(run["notes"]),
            ]
        )
    return (
        "## Start-up and memory\n\nStart-up: process start to the first answer over the loaded data. "
        "Memory: the server's whole process tree from /proc, idle after the correctness pass and at its "
        "peak during the loops (RSS counts pages shared after fork once per process; PSS splits them).\n\n"
        + _table(
            ["size", "system", "start-up s", "RSS idle MiB", "RSS peak MiB", "PSS peak MiB", "processes", "notes"], rows
        )
    )


def _build_line(what: str, build: dict, failed: str) -> str:
    """One timed build in words: outcome, wall time, and the build's own timing of each step.

    The steps overlap: HermiT and the writing of dist/ run beside the other checks, and
    ``hermit_wait`` and ``write_wait`` are the time the build still waited for them.
    """
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in build["phases"].items())
    outcome = "succeeded" if build["ok"] else failed
    return (
        f"`cmikg build` {what} {outcome}: {build['wall_seconds']:.1f} s wall "
        f"(command start to exit){'; steps: ' + phases if phases else ''}."
    )


def _long_run_growth(run: dict) -> tuple[dict, dict] | None:
    """The first sample from the settled second on, and the last one."""
    settled = [x for x in run.get("samples", []) if x["second"] >= run["settled_at"]]
    return (settled[0], settled[-1]) if len(settled) >= 2 else None


def _long_run_targets(run: dict | None) -> list[list[str]]:
    """Memory under a long run of distinct queries, against the caches' stated bounds."""
    ends = _long_run_growth(run) if run else None
    if not run or not ends or run.get("caches_max_bytes_per_worker") is None:
        return []
    first, last = ends
    grown = (last["pss_kib"] - first["pss_kib"]) * 1024 + last["answer_file_bytes"] - first["answer_file_bytes"]
    bound = run["answer_file_max_bytes"] + run["http_workers"] * run["caches_max_bytes_per_worker"]
    return [
        [
            f"seed: memory growth from second {first['second']:.0f} to {last['second']:.0f} of "
            f"{run['seconds']:.0f} s of distinct queries (tree PSS and answer file)",
            f"<= the caches' bound, {bound / 2**20:.0f} MiB",
            f"{grown / 2**20:+.1f} MiB",
            "met" if grown <= bound else "**missed**",
        ]
    ]


def _long_run(results: dict) -> str:
    """The long run's memory, second by second (every tenth sample)."""
    run = results.get("extras", {}).get("long_run")
    if not run or not run.get("samples"):
        return ""
    samples = run["samples"]
    shown = samples[9::10] if len(samples) >= 20 else samples
    if shown[-1] is not samples[-1]:
        shown.append(samples[-1])
    bound = (run.get("caches_max_bytes_per_worker") or 0) / 2**20
    failed = sum(run.get("failures", {}).values())
    return (
        f"## cmikg: memory under {run['seconds']:.0f} s of distinct queries\n\n"
        f"`cmikg serve` on the real graph, a fresh start, {run['completed']:,} requests of the seed's common mix, "
        f"every text new ({failed} failed), from the bench's clients; the process tree's PSS and the shared answer "
        "file (in /dev/shm, read with read(), so in no process's PSS) every second. The stated bounds: "
        f"{run['answer_file_max_bytes'] / 2**20:.0f} MiB for the answer file, {bound:.0f} MiB of caches per HTTP "
        f"worker ({run['http_workers']} workers), both from `/health`. Growth is counted from second "
        f"{run['settled_at']:.0f}, when the HTTP workers have started the query workers the load keeps busy.\n\n"
        + _table(
            ["second", "processes", "tree PSS MiB", "answer file MiB"],
            [
                [
                    f"{x['second']:.0f}",
                    str(x["processes"]),
                    f"{x['pss_kib'] / 1024:.0f}",
                    f"{x['answer_file_bytes'] / 2**20:.1f}",
                ]
                for x in shown
            ],
        )
    )


def _cmikg_extras(results: dict) -> str:
    lines = ["## cmikg: build, start-up, memory per worker"]
    build = results["extras"].get("build")
    if build:
        lines += ["", _build_line("of the real graph", build, "FAILED on the data (graph mid-edit)")]
    else:
        lines += ["", "`cmikg build` was not run (a quick run reuses the seed; `--rebuild` to time it)."]
    scaled = results["extras"].get("build_100k")
    if scaled:
        lines += ["", _build_line("of the 100k-triple scale-up (bench/scaled_build.py)", scaled, "FAILED")]
    else:
        lines += ["", "`cmikg build` at 100k triples was not run (`--scaled-build` to time it)."]
    for size, samples in results["extras"]["startup"].items():
        if samples:
            lines.append(
                f"\n`cmikg serve` start-up at {size}: "
                + ", ".join(f"{s:.2f} s" for s in samples)
                + f" ({len(samples)} start(s); median {sorted(samples)[len(samples) // 2]:.2f} s)."
            )
    lines.append(_workers(results))
    return "\n".join(lines)


def _workers(results: dict) -> str:
    """Every cmikg run's processes after its loops, side by side, then the processes of the
    largest run served from memory one by one: there the store is inherited copy-on-write,
    and a worker's private memory shows how much of it that worker has copied."""
    runs = [r for r in results["runs"] if r["system"] in CMIKG_SYSTEMS and r["processes"]]
    if not runs:
        return ""
    summary = [_worker_summary(run) for run in runs]
    in_memory = [r for r in runs if not _on_disk(r)]
    run = max(in_memory or runs, key=lambda r: r["triples"])
    return (
        "\nProcesses of `cmikg serve` after the loops. Private = pages only this process maps; "
        "shared = RSS - private (pages it shares, e.g. the store inherited copy-on-write from the "
        "arbiter). A worker's private memory is what it does not share: its own allocations and the "
        "inherited pages it has written to.\n\n"
        + _table(
            [
                "size",
                "system",
                "store",
                "processes",
                "arbiter RSS MiB",
                "worker private MiB (min / median / max)",
                "PSS of all MiB",
            ],
            summary,
        )
        + f"\n\nEach process of {run['system']} at {run['size']} ({run['triples']:,} triples):\n\n"
        + _process_table(run["processes"])
    )


def _on_disk(run: dict) -> bool:
    return "--disk-store" in run["processes"][0]["command"]


def _worker_summary(run: dict) -> list[str]:
    procs = run["processes"]
    depth = _depths(procs)
    private = sorted(p["private"] for p in procs if depth[p["pid"]] >= 1)
    spread = f"{_mib(private[0])} / {_mib(private[len(private) // 2])} / {_mib(private[-1])}" if private else "-"
    return [
        run["size"],
        run["system"],
        "on disk" if _on_disk(run) else "in memory",
        str(len(procs)),
        _mib(procs[0]["rss"]),
        spread,
        _mib(sum(p["pss"] for p in procs)),
    ]


def _process_table(procs: list[dict]) -> str:
    depth = _depths(procs)
    roles = {0: "cmikg serve (gunicorn arbiter)", 1: "HTTP worker", 2: "query worker"}
    rows = [
        [
            str(p["pid"]),
            roles.get(depth[p["pid"]], f"depth {depth[p['pid']]}"),
            _mib(p["rss"]),
            _mib(p["pss"]),
            _mib(p["private"]),
            _shared(p),
        ]
        for p in procs
    ]
    return _table(["pid", "role", "RSS MiB", "PSS MiB", "private MiB", "shared"], rows)


def _depths(procs: list[dict]) -> dict[int, int]:
    pids = {p["pid"]: p["ppid"] for p in procs}
    depth = {}
    for pid in pids:
        d, current = 0, pid
        while pids.get(current) in pids:
            current, d = pids[current], d + 1
        depth[pid] = d
    return depth


def _shared(p: dict) -> str:
    if not p["rss"]:
        return "-"
    return f"{100 * (p['rss'] - p['private']) / p['rss']:.0f}%"


def _notes(results: dict) -> str:
    if not results["notes"]:
        return ""
    return "## Notes\n\n" + "\n".join(f"- {n}" for n in results["notes"])


def _table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f}"


def _mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f}"


def main(argv: list[str] | None = None) -> int:
    """Render a report again from the raw figures a run kept (bench/data/results-MODE.json)."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", type=Path, help="bench/data/results-full.json or results-quick.json")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md")
    args = parser.parse_args(argv)
    args.output.write_text(markdown(json.loads(args.results.read_text())), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

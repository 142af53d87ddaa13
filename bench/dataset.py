"""The data every system serves: the built graph, and its synthetic scale-ups.

The seed is what ``cmikg build`` writes (timed: that is the build figure of the report).
The graph is curated while the benchmark is developed and may be mid-edit; then the seed is
the last good build kept under bench/data/, or failing that an *unchecked* build (the same
parse, skolemisation, derived triples and canonical N-Triples as the build, without the
shape and reasoner checks), and the report says which it used and why.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import generate

SEED_NAME = "seed"
PROVENANCE = "provenance.json"


@dataclass(frozen=True)
class Dataset:
    """One N-Triples file in a dist/ folder of its own (what ``cmikg serve --dist`` reads)."""

    name: str
    project: Path
    dist: Path
    triples: int
    digest: str

    @property
    def ntriples(self) -> Path:
        return self.dist / "cmikg.nt"


@dataclass
class BuildRun:
    """One timed ``cmikg build``: wall time, the build's own phase timings, its outcome."""

    ok: bool
    wall_seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    message: str = ""


@dataclass
class Seed:
    dataset: Dataset
    method: str  # "cmikg build", "last good build", "unchecked build"
    detail: str
    build: BuildRun | None


def timed_build(root: Path, dist: Path) -> BuildRun:
    """Run ``cmikg build`` as a user would, into ``dist``, and time it."""
    clock = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cmikg", "--project", str(root), "--dist", str(dist), "build"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    wall = time.perf_counter() - clock
    output = done.stdout + done.stderr
    phases = {}
    found = re.search(r"timings \(s\): (.*)", output)
    if found:
        for part in found.group(1).split(","):
            key, _, value = part.strip().rpartition(" ")
            try:
                phases[key] = float(value)
            except ValueError:
                continue
    return BuildRun(done.returncode == 0, wall, phases, output.strip()[-1500:])


def seed(root: Path, work: Path, rebuild: bool) -> Seed:
    """The seed dataset: reused when allowed, else built, else the fallbacks above."""
    folder = work / SEED_NAME
    dist = folder / "dist"
    previous = _read_provenance(folder)
    if previous and not rebuild and (dist / "cmikg.nt").is_file():
        return Seed(
            describe(SEED_NAME, root, dist),
            previous["method"],
            previous["detail"] + " (reused from an earlier run; --rebuild to redo)",
            None,
        )
    build = timed_build(root, dist)
    if build.ok:
        return _record(
            folder, Seed(describe(SEED_NAME, root, dist), "cmikg build", "the real graph, built and checked now", build)
        )
    reason = _first_error(build.message)
    if previous and previous["method"] in ("cmikg build", "last good build") and (dist / "cmikg.nt").is_file():
        return _record(
            folder,
            Seed(
                describe(SEED_NAME, root, dist),
                "last good build",
                f"the graph failed to build now ({reason}); using the build of {previous['when']}",
                build,
            ),
        )
    shipped = root / "dist" / "cmikg.nt"
    if shipped.is_file():
        dist.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped, dist / "cmikg.nt")
        return _record(
            folder,
            Seed(
                describe(SEED_NAME, root, dist),
                "last good build",
                f"the graph failed to build now ({reason}); using the project's dist/cmikg.nt",
                build,
            ),
        )
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "cmikg.nt").write_text(unchecked_ntriples(root), encoding="utf-8")
    return _record(
        folder,
        Seed(
            describe(SEED_NAME, root, dist),
            "unchecked build",
            f"the graph is mid-edit and failed to build ({reason}); data parsed "
            "and derived as the build does, without the failing checks",
            build,
        ),
    )


def unchecked_ntriples(root: Path) -> str:
    """The build's canonical N-Triples without its checks (for a graph that is mid-edit)."""
    from cmikg.build.derivation import derived_triples
    from cmikg.build.loading import load_sources
    from cmikg.build.pipeline import canonical_ntriples
    from cmikg.config import Settings

    sources = load_sources(Settings.discover(root=root))
    graph = sources.union()
    graph += derived_triples(sources.ontology, sources.data)
    return canonical_ntriples(graph)


def _first_error(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    return (errors[0] if errors else (lines[-1] if lines else "no output"))[:200]


def describe(name: str, root: Path, dist: Path) -> Dataset:
    path = dist / "cmikg.nt"
    digest, count = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for line in handle:
            digest.update(line)
            count += bool(line.strip())
    return Dataset(name, root, dist, count, digest.hexdigest())


def _read_provenance(folder: Path) -> dict | None:
    try:
        return json.loads((folder / PROVENANCE).read_text())
    except (OSError, ValueError):
        return None


def _record(folder: Path, result: Seed) -> Seed:
    record = {
        "method": result.method,
        "detail": result.detail,
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "build": asdict(result.build) if result.build else None,
    }
    (folder / PROVENANCE).write_text(json.dumps(record, indent=1) + "\n")
    return result


def scaled(base: Dataset, name: str, triples: int, work: Path, rng_seed: int) -> Dataset:
    """A scale-up of ``base`` to about ``triples``, regenerated only when its inputs change."""
    dist = work / "sets" / name / "dist"
    stamp_file = dist.parent / "stamp.json"
    stamp = {
        "base": base.digest,
        "triples": triples,
        "seed": rng_seed,
        "generator": hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest(),
    }
    if (dist / "cmikg.nt").is_file() and _read_json(stamp_file) == stamp:
        return describe(name, base.project, dist)
    shutil.rmtree(dist, ignore_errors=True)
    generate.generate(base.ntriples, dist / "cmikg.nt", triples, rng_seed)
    stamp_file.write_text(json.dumps(stamp, indent=1) + "\n")
    return describe(name, base.project, dist)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None

"""Time ``cmikg build`` on a scale-up of the real graph, with every check on.

A project folder is assembled under bench/data/: the real ontology, shapes, source text and
Wikidata files, and one data file holding a deterministic scale-up (bench/generate.py) of the
built graph without the ontology's own triples, which the build adds back from
ontology/cmi.ttl. Two things of the scale-up are undone so that the checks pass as they do
on the real graph: a copy's quote offsets are the original's (the generator scales every
number), and only the original keeps its Wikidata link (a QID names one entity). The
curator's dismissals of tensions (graph/tensions-dismissed.csv) are kept, and the
tensions the SPARQL checks find between two synthetic copies are dismissed beside them: a
copy's scaled figures are not claims anyone must judge. The SPARQL checks, SHACL, the
quote check, the Wikidata checks and HermiT then all run on the larger graph.

    python bench/scaled_build.py --triples 100000
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dataset import BuildRun, timed_build  # noqa: E402
from generate import DEFAULT_SEED, generate  # noqa: E402

ROOT = HERE.parent
#: What a project needs besides its Turtle data (copied as they are).
PROJECT_PARTS = ("ontology", "shapes", "queries", "pyproject.toml")
CMI = "https://w3id.org/cmikg/ontology#"
OFFSETS = {ox.NamedNode(CMI + "quoteStart"), ox.NamedNode(CMI + "quoteEnd")}
SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
_COPY = re.compile(r"-copy\d+$")


def scaled_project(root: Path, built: Path, triples: int, work: Path, seed: int = DEFAULT_SEED) -> Path:
    """A project folder whose graph/ is a scale-up of ``built`` (a dist/cmikg.nt) to about ``triples``."""
    project = work / f"project-{triples}"
    shutil.rmtree(project, ignore_errors=True)
    for part in PROJECT_PARTS:
        source = root / part
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, project / part)
    shutil.copytree(root / "graph", project / "graph", ignore=shutil.ignore_patterns("*.ttl"))
    scaled = work / f"scaled-{triples}.nt"
    generate(built, scaled, triples, seed)
    ontology = set(ox.parse(path=str(root / "ontology" / "cmi.ttl"), format=ox.RdfFormat.TURTLE))
    offsets = {
        (t.subject, t.predicate): t.object
        for t in ox.parse(path=str(built), format=ox.RdfFormat.N_TRIPLES)
        if t.predicate in OFFSETS
    }
    with (project / "graph" / "scaled.ttl").open("w", encoding="utf-8") as out:
        for triple in ox.parse(path=str(scaled), format=ox.RdfFormat.N_TRIPLES):
            if triple in ontology or _has_blank_node(triple):
                continue
            original = _original(triple.subject)
            if original is None:
                out.write(f"{triple} .\n")
            elif triple.predicate in OFFSETS:
                out.write(f"{ox.Triple(triple.subject, triple.predicate, offsets[original, triple.predicate])} .\n")
            elif triple.predicate != SAME_AS:
                out.write(f"{triple} .\n")
    _dismiss_copy_tensions(project)
    return project


def _dismiss_copy_tensions(project: Path) -> None:
    """Add to the project's dismissals every tension the checks find between two copies."""
    from cmikg.build.sparql_checks import DISMISSALS_FILE, load_checks, run_check
    from cmikg.config import Settings

    settings = Settings.discover(root=project)
    store = ox.Store()
    store.bulk_load(path=str(project / "ontology" / "cmi.ttl"), format=ox.RdfFormat.TURTLE)
    store.bulk_load(path=str(project / "graph" / "scaled.ttl"), format=ox.RdfFormat.TURTLE)
    rows = []
    for check in load_checks(settings):
        if check.kind == "tension":
            for finding in run_check(store, check, settings):
                if _COPY.search(finding.this) and _COPY.search(finding.other):
                    rows.append((check.name, finding.this, finding.other, "Two synthetic copies of the scale-up."))
    with (project / DISMISSALS_FILE).open("a", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)


def _original(subject: ox.NamedNode | ox.BlankNode) -> ox.NamedNode | None:
    """The node a copy was made from (None for the original itself)."""
    if isinstance(subject, ox.NamedNode) and _COPY.search(subject.value):
        return ox.NamedNode(_COPY.sub("", subject.value))
    return None


def _has_blank_node(triple: ox.Triple) -> bool:
    """Blank nodes in the dump are the ontology's OWL axioms (the data's are skolemised)."""
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def scaled_build(root: Path, built: Path, triples: int, work: Path) -> BuildRun:
    """Assemble the scaled project and time its build."""
    project = scaled_project(root, built, triples, work)
    return timed_build(project, project / "dist")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000, help="approximate size (default 100000)")
    parser.add_argument("--built", type=Path, default=ROOT / "dist" / "cmikg.nt", help="the real graph's build")
    parser.add_argument("--work", type=Path, default=HERE / "data", help="where the project is assembled")
    args = parser.parse_args(argv)
    if not args.built.is_file():
        parser.error(f"{args.built}: no such file; run cmikg build first")
    run = scaled_build(ROOT, args.built, args.triples, args.work)
    print(f"build of ~{args.triples} triples: {'ok' if run.ok else 'FAILED'} in {run.wall_seconds:.2f} s")
    print("  " + ", ".join(f"{k} {v}" for k, v in run.phases.items()))
    if not run.ok:
        print(run.message)
    return 0 if run.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

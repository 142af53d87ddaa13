"""The ``cmikg`` command: a few verbs with obvious names.

``build | validate | serve | query | export | stats | locate`` and, from their own modules,
``wikidata`` and ``publish``. A user's mistake ends with one clear message and exit code 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from cmikg import __version__
from cmikg.config import ProjectNotFound, Settings
from cmikg.errors import CmikgError, ValidationFailed

#: Modules that add their own sub-commands through ``register(subparsers)``.
EXTENSIONS = ("cmikg.cli.export", "cmikg.cli.diff", "cmikg.service", "cmikg.wikidata", "cmikg.publish")


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except ValidationFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (CmikgError, ProjectNotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.discover(root=getattr(args, "project", None), dist=getattr(args, "dist", None))


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cmikg", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cmikg {__version__}")
    parser.add_argument("--project", type=Path, help="project folder (default: found from the current folder)")
    parser.add_argument("--dist", type=Path, help="output folder of the build (default: PROJECT/dist)")
    sub = parser.add_subparsers(metavar="COMMAND")

    p = sub.add_parser("build", help="check everything and write dist/ (dumps, context, report)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help="run every check without writing anything")
    p.add_argument("--no-reasoner", action="store_true", help="skip the HermiT consistency check")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("query", help="run SPARQL (a string or a .rq file) against the built graph")
    p.add_argument("query", help="a SPARQL query, or the path of a .rq file")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("stats", help="counts per class and per source; --coverage for the article")
    p.add_argument("--coverage", action="store_true", help="list every number-bearing sentence and its coverage")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("locate", help="print the offsets of a quote in the article (for curators)")
    p.add_argument("text", help="the exact words to find")
    p.set_defaults(func=cmd_locate)

    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def cmd_build(args: argparse.Namespace) -> int:
    from cmikg.build.pipeline import build

    settings = settings_from(args)
    report = build(settings)
    cov = report["coverage"]
    print(f"built {settings.rel(settings.dist)}/: {report['triples']} triples, version {report['version']}")
    print(f"  sha256 of cmikg.nt: {report['sha256_ntriples']}")
    print(f"  checks: {', '.join(f'{k} {v}' for k, v in report['checks'].items())}")
    if "number_sentences" in cov:
        print(
            f"  coverage: {cov['covered']}/{cov['number_sentences']} number-bearing sentences quoted, "
            f"{cov['excluded']} excluded, {cov['uncovered']} uncovered"
        )
    print("  timings (s): " + ", ".join(f"{k} {v}" for k, v in report["timings_seconds"].items()))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from cmikg.build.pipeline import check

    settings = settings_from(args)
    clock = time.perf_counter()
    checked = check(settings, reason=not args.no_reasoner)
    steps = "syntax, SHACL, quotes" + ("" if args.no_reasoner else ", HermiT")
    print(
        f"valid: {len(checked.graph)} triples from {len(checked.sources.files)} files "
        f"({steps}; {time.perf_counter() - clock:.1f} s)"
    )
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from cmikg.cli.query import read_query, run

    print(run(settings_from(args), read_query(args.query), args.format))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from rdflib import Graph

    from cmikg.build.outputs import stats

    settings = settings_from(args)
    if not settings.dataset_file.is_file():
        raise CmikgError(f"{settings.rel(settings.dataset_file)}: not built yet; run `cmikg build` first")
    graph = Graph()
    graph.parse(settings.dataset_file, format="nt")
    if args.coverage:
        if args.json:
            print(json.dumps(stats.coverage_report(graph, settings), ensure_ascii=False, indent=1))
        else:
            print(stats.format_coverage(graph, settings))
        return 0
    result = {
        "classes": stats.class_counts(graph),
        "claims": stats.claim_counts(graph),
        "references_per_source": stats.source_counts(graph),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    for title, table in (
        ("instances per class", result["classes"]),
        ("claims", result["claims"]),
        ("references per source (stated in)", result["references_per_source"]),
    ):
        print(title)
        for key, value in table.items():
            print(f"  {value:>6}  {key}")
    return 0


def cmd_locate(args: argparse.Namespace) -> int:
    from cmikg.build.evidence import write_locations

    settings = settings_from(args)
    path = settings.graph_dir / "sources" / "cuban-medical-internationalism.txt"
    found = write_locations(path, args.text)
    if not found:
        raise CmikgError(f"not found in {settings.rel(path)}: {args.text!r}")
    print("start\tend\ttext")
    print("\n".join(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

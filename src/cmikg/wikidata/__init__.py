"""``cmikg wikidata``: links to Wikidata, checked offline against a snapshot kept as data.

``check`` reports malformed or shared links, types and labels that disagree with the
snapshot, and entities that could be linked but are not; ``refresh`` rewrites the
snapshot from Wikidata's query service (or, offline, from the reference table of
countries); ``mappings`` lists the ontology's mappings to Wikidata properties and items.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cmikg.wikidata.politeness import DEFAULT_ENDPOINT, Politeness


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("wikidata", help="check the Wikidata links; refresh the snapshot")
    sub = parser.add_subparsers(metavar="ACTION")
    p = sub.add_parser("check", help="check links against the snapshot; exit 1 on errors")
    p.add_argument("--all", action="store_true", help="list every linkable-but-unlinked entity")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("refresh", help="rewrite graph/wikidata/snapshot.json from the endpoint")
    p.add_argument("--endpoint", default=DEFAULT_ENDPOINT, help=f"SPARQL endpoint (default {DEFAULT_ENDPOINT})")
    p.add_argument(
        "--reference",
        type=Path,
        metavar="CSV",
        help="offline: take what the reference table of countries establishes instead",
    )
    p.add_argument("--batch-size", type=int, default=Politeness.batch_size, help="QIDs per request")
    p.add_argument("--min-interval", type=float, default=Politeness.min_interval, help="seconds between two requests")
    p.add_argument("--max-retries", type=int, default=Politeness.max_retries, help="retries on 429 and 5xx")
    p.set_defaults(func=cmd_refresh)
    p = sub.add_parser("mappings", help="list the ontology's mappings to Wikidata")
    p.set_defaults(func=cmd_mappings)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def cmd_check(args: argparse.Namespace) -> int:
    from cmikg.build.loading import load_sources
    from cmikg.build.validation import short
    from cmikg.cli import settings_from
    from cmikg.wikidata.checks import check_links, format_result

    settings = settings_from(args)
    sources = load_sources(settings)
    result = check_links(settings, sources.ontology, sources.data, sources.origin)
    if args.json:
        print(
            json.dumps(
                {
                    "errors": result.errors,
                    "warnings": result.warnings,
                    "notes": result.notes,
                    "linked": sorted({short(link.node) for link in result.linked if link.qid}),
                    "linkable": len(result.linkable),
                    "unlinked": [short(n) for n in result.unlinked],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        print(format_result(result, verbose=args.all))
    return 0 if result.ok else 1


def cmd_refresh(args: argparse.Namespace) -> int:
    from cmikg.cli import settings_from
    from cmikg.wikidata.refresh import refresh_from_endpoint, refresh_from_reference

    settings = settings_from(args)
    if args.reference:
        report = refresh_from_reference(settings, args.reference)
        source = f"reference table {args.reference.name}"
    else:
        politeness = Politeness(
            batch_size=args.batch_size, min_interval=args.min_interval, max_retries=args.max_retries
        )
        report = refresh_from_endpoint(settings, args.endpoint, politeness)
        source = f"{args.endpoint} ({report.requests} request(s))"
    print(f"{settings.rel(report.path)}: {len(report.written)} of {report.linked} linked QIDs refreshed from {source}")
    if report.not_found:
        print(f"  unknown to the endpoint: {', '.join(report.not_found)}")
    if report.unknown:
        print(f"  still without an entry ({len(report.unknown)}): {', '.join(report.unknown)}", file=sys.stderr)
    return 0


def cmd_mappings(args: argparse.Namespace) -> int:
    from cmikg.build.loading import parse_file
    from cmikg.build.validation import short
    from cmikg.cli import settings_from
    from cmikg.wikidata.mappings import summary, wikidata_mappings

    settings = settings_from(args)
    mappings = wikidata_mappings(parse_file(settings.ontology_file, settings))
    for m in mappings:
        print(f"{short(m.term):32} {short(m.relation):16} {m.wikidata_id:10} {m.kind}")
    counts = summary(mappings)
    print(
        f"{counts['terms']} terms mapped to Wikidata ({counts['exact']} exactMatch, "
        f"{counts['close_only']} closeMatch only): {counts['properties']} properties, "
        f"{counts['classes_or_individuals']} classes or individuals"
    )
    return 0

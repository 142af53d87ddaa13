"""``cmikg export``: the built graph in another format, or as QuickStatements for Wikidata.

The RDF formats are the dumps the build already wrote to ``dist/`` (canonical, checked),
copied as they are, so an export never differs from what the endpoint serves.
``quickstatements`` writes review-ready commands for claims about linked entities (see
:mod:`cmikg.wikidata.quickstatements`); nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from cmikg import dist
from cmikg.config import Settings
from cmikg.errors import CmikgError
from cmikg.sparql.formats import DUMP_FORMATS

#: Format name -> the dump in dist/ that holds it.
DUMPS = {fmt.names[0]: dist.dump(fmt) for fmt in DUMP_FORMATS}
FORMATS = (*DUMPS, "quickstatements")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("export", help="write the built graph in another format, or as QuickStatements")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--output", type=Path, metavar="FILE", help="where to write (default: standard output)")
    p.add_argument(
        "--retrieved",
        type=_date,
        metavar="YYYY-MM-DD",
        help="quickstatements: the 'retrieved' date of the article (default: when its copy was last committed)",
    )
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from cmikg.cli import settings_from

    settings = settings_from(args)
    if args.format == "quickstatements":
        data = quickstatements_text(settings, args.retrieved or retrieved_default(settings))
    else:
        data = dump_path(settings, args.format).read_bytes()
    write_output(data, args.output)
    return 0


def dump_path(settings: Settings, fmt: str) -> Path:
    path = settings.dist / DUMPS[fmt]
    if not path.is_file():
        raise CmikgError(f"{settings.rel(path)}: not built yet; run `cmikg build` first")
    return path


def quickstatements_text(settings: Settings, retrieved: dt.date) -> bytes:
    from rdflib import Graph

    from cmikg.wikidata.quickstatements import quickstatements

    graph = Graph()
    graph.parse(dump_path(settings, "ntriples"), format="nt")
    export = quickstatements(graph, retrieved)
    skipped = ", ".join(f"{n} {why}" for why, n in export.skipped.most_common())
    print(f"{len(export.lines)} command(s) for {export.claims} claim(s); skipped: {skipped or 'none'}", file=sys.stderr)
    return "".join(f"{line}\n" for line in export.lines).encode("utf-8")


def retrieved_default(settings: Settings) -> dt.date:
    """The day the article's copy was last committed (see :func:`article_retrieved`)."""
    from cmikg.wikidata.quickstatements import article_retrieved

    return article_retrieved(settings.root)


def write_output(data: bytes, output: Path | None) -> None:
    """Standard output, or FILE written whole (a temporary file renamed), never half-written."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    folder = output.resolve().parent
    if not folder.is_dir():
        raise CmikgError(f"--output {output}: folder {folder} does not exist")
    handle, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None

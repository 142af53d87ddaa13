"""Rows in an answer, counted in one place: for the row cap of every backend, and to check
that an answer from a remote store is complete."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox

from cmikg.engines.backend import Result, ResultTooLarge
from cmikg.sparql.formats import CSV, SPARQL_XML


def count(body: bytes, media_type: str, trusted: bool = False) -> int:
    """Rows (or triples; 1 for a boolean) in a serialised answer, parsing it whole: a body that
    does not parse raises ``SyntaxError`` or ``ValueError``. ``trusted`` (the engine's own
    SPARQL XML, where ``<`` inside values is always escaped) lets XML be counted by its tags."""
    media = media_type.split(";")[0].strip().lower()
    if media == CSV.media_type:  # a quoted value may hold a line break
        return max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1)
    if trusted and media == SPARQL_XML.media_type:
        return body.count(b"<result>") + body.count(b"<result/>")
    results_format = ox.QueryResultsFormat.from_media_type(media)
    if results_format is not None:
        parsed = ox.parse_query_results(body, format=results_format)
        return 1 if isinstance(parsed, ox.QueryBoolean) else sum(1 for _ in parsed)
    rdf_format = ox.RdfFormat.from_media_type(media)
    if rdf_format is not None:
        return sum(1 for _ in ox.parse(body, format=rdf_format))
    return 0


def count_rows(result: Result) -> int:
    """Rows (or triples) in a serialised answer."""
    return count(result.body, result.media_type)


def too_many_rows(max_rows: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the answer has more than {max_rows} rows (the row cap); nothing was sent. "
        "Add LIMIT/OFFSET to page through it, or download the dump"
    )

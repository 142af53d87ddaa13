"""The row cap for backends that do not enforce it themselves: rows counted in the answer."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox

from cmikg.engines.backend import Result, ResultTooLarge
from cmikg.sparql.formats import CSV


def count_rows(result: Result) -> int:
    """Rows (or triples) in a serialised answer."""
    media_type = result.media_type.split(";")[0].strip()
    if media_type == CSV.media_type:
        return max(0, sum(1 for _ in csv.reader(io.StringIO(result.body.decode("utf-8")))) - 1)
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    if results_format is not None:
        parsed = ox.parse_query_results(result.body, format=results_format)
        return 1 if isinstance(parsed, ox.QueryBoolean) else sum(1 for _ in parsed)
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    if rdf_format is not None:
        return sum(1 for _ in ox.parse(result.body, format=rdf_format))
    return 0


def too_many_rows(max_rows: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the answer has more than {max_rows} rows (the row cap); nothing was sent. "
        "Add LIMIT/OFFSET to page through it, or download the dump"
    )

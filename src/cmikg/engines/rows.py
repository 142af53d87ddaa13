"""Rows in an answer, counted in one place: for the row cap of every backend, and to check
that an answer from a remote store is complete."""

from __future__ import annotations

import csv
import io
import re

import pyoxigraph as ox

from cmikg.engines.backend import Result, ResultTooLarge
from cmikg.sparql.formats import CSV, SPARQL_JSON, SPARQL_XML

#: The fewest bytes a row takes, its separator included, where rows may bind nothing: an
#: empty JSON object and a comma, ``<result/>``, an empty CSV line.
MIN_ROW_BYTES = {SPARQL_JSON.media_type: 3, SPARQL_XML.media_type: 9, CSV.media_type: 2}
#: The fewest bytes of a SPARQL JSON row that binds a variable, its comma included:
#: ``{"a":{"type":"uri","value":""}},`` (every term has a type and a value).
JSON_BOUND_ROW_BYTES = 32

#: The engine's own SPARQL JSON (compact, in this order), counted without parsing it.
_ENGINE_JSON_HEAD = b'{"head":{"vars":['
_ENGINE_JSON_ROWS = b'"results":{"bindings":['
#: Between two rows: the end of one, a comma, the start of the next with its first key. Inside
#: a string a quote is escaped, so these bytes occur there only where a string ends in "},{"
#: (then the closing quote is followed by , } or ], which no key starts with).
_ROW_BREAK = b'},{"'
_STRING_ENDING_LIKE_A_ROW_BREAK = re.compile(rb'\},\{"[,}\]]')


def count(body: bytes, media_type: str, trusted: bool = False) -> int:
    """Rows (or triples; 1 for a boolean) in a serialised answer, parsing it whole: a body that
    does not parse raises ``SyntaxError`` or ``ValueError``. ``trusted`` (the engine's own
    SPARQL XML, where ``<`` inside values is always escaped) lets XML be counted by its tags."""
    media = _media(media_type)
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


def more_than(body: bytes, media_type: str, limit: int, trusted: bool = False) -> bool:
    """Whether a serialised answer has more than ``limit`` rows: answers too short to hold that
    many are not counted at all, and the engine's own SPARQL JSON (``trusted``) is counted from
    its bytes; any other answer is parsed whole, as :func:`count` does."""
    media = _media(media_type)
    least = MIN_ROW_BYTES.get(media, 0)
    if media == SPARQL_JSON.media_type and b"{}" not in body:  # no row binds nothing
        least = JSON_BOUND_ROW_BYTES
    if least and len(body) < (limit + 1) * least - 1:  # the last row has no separator
        return False
    if trusted and media == SPARQL_JSON.media_type:
        rows = _engine_json_rows(body)
        if rows is not None:
            return rows > limit
    return count(body, media_type, trusted) > limit


def _engine_json_rows(body: bytes) -> int | None:
    """Rows of SPARQL JSON as the engine writes it, from the breaks between rows; None for a
    body of another shape, or with an empty object anywhere (an empty row's ``},{}`` may also
    be text inside a literal): the caller then parses it."""
    if not body.startswith(_ENGINE_JSON_HEAD) or b"{}" in body:
        return None
    rows = body.find(_ENGINE_JSON_ROWS)
    if rows < 0:
        return None
    if body.startswith(b"]", rows + len(_ENGINE_JSON_ROWS)):
        return 0
    return body.count(_ROW_BREAK) - len(_STRING_ENDING_LIKE_A_ROW_BREAK.findall(body)) + 1


def _media(media_type: str) -> str:
    return media_type.split(";")[0].strip().lower()


def count_rows(result: Result) -> int:
    """Rows (or triples) in a serialised answer."""
    return count(result.body, result.media_type)


def too_many_rows(max_rows: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the answer has more than {max_rows} rows (the row cap); nothing was sent. "
        "Add LIMIT/OFFSET to page through it, or download the dump"
    )

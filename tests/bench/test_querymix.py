"""The benchmark's no-cache loops: every request a new text, every answer the query's own.

The varied text must defeat cmikg's result cache, which is keyed by the guard's canonical
text (comments dropped, prefixes written out), and must not change what any query of the
mix answers on the real graph.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cmikg.config import Settings
from cmikg.guard.reading import read_query
from tests.bench.scripts import bench_module

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def querymix():
    return bench_module("querymix")


@pytest.fixture(scope="module")
def store(built: Settings) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(built.dataset_file), format=ox.RdfFormat.N_TRIPLES)
    return store


def _answer(store: ox.Store, text: str):
    result = store.query(text)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = result.variables
        return sorted(repr(tuple(row[v] for v in names)) for row in result)
    return sorted(repr(triple) for triple in result)


def test_every_varied_query_answers_as_the_query(querymix, store):
    queries, _ = querymix.load_mix(ROOT)
    assert len(queries) > 40, "the mix lost its queries"
    differing = [
        q.name for q in queries if _answer(store, q.text) != _answer(store, querymix.with_marker(q.text, "request 1-2"))
    ]
    assert differing == []


def test_varied_texts_are_new_to_the_result_cache(querymix):
    """Two requests' texts differ where cmikg's cache looks, and a comment alone would not."""
    queries, _ = querymix.load_mix(ROOT)
    for query in queries:
        first = read_query(querymix.with_marker(query.text, "request 0-1")).text
        second = read_query(querymix.with_marker(query.text, "request 0-2")).text
        assert first != second, query.name
        assert read_query(query.text + "\n# request 0-1\n").text == read_query(query.text).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", 'SELECT * WHERE { FILTER("m" != "") ?s ?p ?o }'),
        ("ASK {?s ?p ?o}", 'ASK { FILTER("m" != "") ?s ?p ?o}'),
        (
            "CONSTRUCT { ?s <x:where> ?o } { ?s ?p ?o }",
            'CONSTRUCT { ?s <x:where> ?o } { FILTER("m" != "") ?s ?p ?o }',
        ),
        ("SELECT ?where { ?where ?p '{' }", 'SELECT ?where { FILTER("m" != "") ?where ?p \'{\' }'),
        ("# WHERE {\nDESCRIBE <x:a>", '# WHERE {\nDESCRIBE <x:a>\nWHERE { FILTER("m" != "") }\n'),
    ],
)
def test_marker_goes_first_in_the_where_pattern(querymix, text, expected):
    assert querymix.with_marker(text, "m") == expected


def test_a_query_with_no_pattern_to_mark_is_refused(querymix):
    with pytest.raises(ValueError, match="CONSTRUCT WHERE"):
        querymix.with_marker("CONSTRUCT WHERE { ?s ?p ?o }", "m")

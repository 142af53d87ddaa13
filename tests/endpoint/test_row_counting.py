"""The row cap decides from the engine's own bytes: an answer too short to be over the cap is
not counted, the engine's SPARQL JSON is counted from the breaks between rows, and every
decision agrees with parsing the answer whole, whatever the literals hold."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cmikg.engines import rows
from cmikg.engines.embedded import evaluate

JSON = "application/sparql-results+json"
#: Literals that look like the bytes between two rows, or like an empty row, or like the
#: start of the rows, as text inside a value.
TRICKY = [
    '},{"x":{',
    "},{",
    "a},{",
    "},{}",
    "{}",
    '"bindings":[]',
    '\\"},{"',
    '},{"',
    "]}}",
    "plain",
    "multi\nline",
    "naïve ünïcode",
]
QUERIES = [
    "SELECT ?s ?o WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { ?s ?p ?o FILTER(!CONTAINS(STR(?o), '{}')) }",
    "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = 'plain') }",
    "SELECT ?s WHERE { ?s ?p 'nothing' }",
    "SELECT ?x WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/q> ?x } }",
    "SELECT ?s ?o (STRLEN(?o) AS ?n) WHERE { ?s ?p ?o } ORDER BY ?s",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i, value in enumerate(TRICKY * 3):
        subject = ox.NamedNode(f"http://example.org/s{i}")
        store.add(ox.Quad(subject, ox.NamedNode("http://example.org/p"), ox.Literal(value)))
        store.add(ox.Quad(subject, ox.NamedNode("http://example.org/p"), ox.Literal(value, language="en")))
    return store


def _answer(store: ox.Store, query: str) -> bytes:
    return store.query(query).serialize(format=ox.QueryResultsFormat.JSON)


@pytest.mark.parametrize("query", QUERIES)
def test_the_count_from_the_bytes_is_the_parsed_count(store, query):
    body = _answer(store, query)
    exact = rows.count(body, JSON)
    fast = rows._engine_json_rows(body)
    assert fast in (None, exact)
    for limit in {0, max(0, exact - 1), exact, exact + 1}:
        assert rows.more_than(body, JSON, limit, trusted=True) is (exact > limit)


def test_literals_that_look_like_row_breaks_are_counted_from_the_bytes(store):
    body = _answer(store, "SELECT ?o WHERE { ?s ?p ?o FILTER(!CONTAINS(STR(?o), '{}')) }")
    assert b'"a},{"}' in body and b'\\"},{\\"' in body  # a value ending in },{ and one holding },{"
    assert rows._engine_json_rows(body) == rows.count(body, JSON) == 60


def test_empty_rows_over_the_cap_are_refused_though_the_answer_is_short(store):
    """Rows binding nothing take 3 bytes each: an answer just over the cap is shorter than the
    cap times the bytes of a row that binds something, and must still be counted."""
    query = "SELECT ?x WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/q> ?x } }"
    body = _answer(store, query)
    total = rows.count(body, JSON)
    assert body.count(b"{}") == total == 2 * 3 * len(TRICKY)
    assert rows.more_than(body, JSON, total - 1, trusted=True)
    assert not rows.more_than(body, JSON, total, trusted=True)
    kind, _ = evaluate(store, (query, JSON, (), (), total - 1, None, "SELECT"))
    assert kind == "rows"
    kind, answer = evaluate(store, (query, JSON, (), (), total, None, "SELECT"))
    assert kind == "ok" and rows.count(answer, JSON) == total


def test_an_answer_of_another_shape_is_parsed():
    """Bytes the engine would not write (spaces, another key order) are counted by parsing."""
    body = (
        b'{ "results": { "bindings": [ {"a": {"value": "x", "type": "literal"}}, '
        b'{"a": {"type": "literal", "value": "},{\\"a"}} ] }, "head": { "vars": ["a"] } }'
    )
    assert rows._engine_json_rows(body) is None
    assert rows.count(body, JSON) == 2
    assert rows.more_than(body, JSON, 2, trusted=True) is False
    assert rows.more_than(body, JSON, 1, trusted=True) is True


def test_the_smallest_row_that_binds_a_variable_is_the_bound_used():
    """The length bound is sound: a row binding one variable is never shorter than it."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.NamedNode("http://e/o")))
    body = _answer(store, "SELECT ?a WHERE { ?a ?b ?c }")
    row = body.split(b'"bindings":[', 1)[1].rsplit(b"]}", 1)[0]
    shortest = row.replace(b"http://e/s", b"")  # an IRI cannot be shorter than empty
    assert len(shortest) + 1 == rows.JSON_BOUND_ROW_BYTES

"""The checks on query text, without a server: what counts as an update, which SERVICE
clauses are found, how remote answers are inlined, and how formats are negotiated."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode

import pyoxigraph as ox
import pytest

from cmikg.config import Settings
from cmikg.engines.backend import (
    BadParameter,
    NotAcceptable,
    QueryRefused,
    QuerySyntax,
    RequestTooLarge,
    ServiceFailed,
)
from cmikg.guard.allowlist import check_services
from cmikg.guard.federation import values_block
from cmikg.guard.lexer import MAX_TOKENS
from cmikg.guard.reading import read_query as analyse
from cmikg.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS
from cmikg.sparql.forms import decode_pairs, encode_pairs
from cmikg.sparql.negotiation import negotiate
from tests.conftest import ROOT

SETTINGS = Settings.discover(root=ROOT).with_(service_allowlist=("https://query.wikidata.org/sparql",))


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "insert data { <urn:a> <urn:b> <urn:c> }",
        "PREFIX e: <urn:e#> DELETE WHERE { ?s e:p ?o }",
        "LOAD <http://example.org/x>",
        "CLEAR GRAPH <urn:g>",
        "DROP ALL",
        "CREATE GRAPH <urn:g>",
        "ADD <urn:a> TO <urn:b>",
        "MOVE <urn:a> TO <urn:b>",
        "COPY <urn:a> TO <urn:b>",
        "WITH <urn:g> INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "SELECT * {} ;\nDELETE DATA { <urn:a> <urn:b> <urn:c> }",
        "# c\n\tDrop Silent Default",
        "SELECT * { ?s ?p ?o } \\u0044ROP ALL",
    ],
)
def test_updates_are_refused(text):
    with pytest.raises(QueryRefused, match="read-only"):
        analyse(text)


@pytest.mark.parametrize(
    "text,form",
    [
        ('SELECT * { ?s ?p "INSERT DATA" }', "SELECT"),
        ("SELECT * { ?s <urn:x:DELETE> ?o } # DROP ALL", "SELECT"),
        ("PREFIX load: <urn:l#> PREFIX drop: <urn:d#> ASK { ?s load:clear drop:all }", "ASK"),
        ("SELECT * { ?s ?p '''multi\nline ' '' COPY''' }", "SELECT"),
        ("BASE <urn:b/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <urn:x>", "DESCRIBE"),
        ('SELECT ?add WHERE { ?add ?p "x"@en-GB }', "SELECT"),
        ("SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1.5e0) }", "SELECT"),
    ],
)
def test_update_words_elsewhere_are_not_updates(text, form):
    analysis = analyse(text)
    assert analysis.form == form
    ox.Store().query(text)  # the engine agrees it is a query


def services(text: str) -> list[tuple]:
    return [(c.iri, c.silent, c.group) for c in analyse(text).services]


def test_service_clauses_found_with_their_canonical_groups():
    text = (
        "BASE <https://query.wikidata.org/x/> PREFIX wd: <https://query.wikidata.org/>\n"
        "SELECT * WHERE { SERVICE SILENT wd:sparql { ?a ?b ?c SERVICE <urn:inner> { ?q ?r ?s } }\n"
        "  { SELECT * WHERE { service <https://query.wikidata.org/sparql> { ?d wd:e '}' } } } # SERVICE <x> {}\n"
        "  SERVICE ?endpoint { ?f ?g ?h } }"
    )
    assert services(text) == [
        ("https://query.wikidata.org/sparql", True, "{ ?a ?b ?c SERVICE <urn:inner> { ?q ?r ?s } }"),
        ("https://query.wikidata.org/sparql", False, '{ ?d <https://query.wikidata.org/e> "}" }'),
        (None, False, "{ ?f ?g ?h }"),
    ]
    with pytest.raises(QuerySyntax, match="absolute"):
        analyse("BASE <https://query.wikidata.org/x/> SELECT * { SERVICE <../sparql> { ?s ?p ?o } }")


def test_service_targets_outside_the_allowlist_are_refused():
    with pytest.raises(QueryRefused, match="variable"):
        check_services(analyse("SELECT * { SERVICE ?x { ?s ?p ?o } }"), SETTINGS)
    with pytest.raises(QueryRefused, match="not allowed"):
        check_services(analyse("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"), SETTINGS)
    with pytest.raises(QueryRefused, match="not allowed"):  # \\u escapes are undone before reading
        check_services(analyse("SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), SETTINGS)
    with pytest.raises(QuerySyntax, match="not declared"):
        analyse("SELECT * { SERVICE nope:x { ?s ?p ?o } }")
    with pytest.raises(QuerySyntax, match="ends before"):
        analyse("SELECT * { SERVICE <urn:x> { ?s ?p ?o ")


def test_remote_answers_are_inlined_as_values_the_engine_reads():
    rows = [
        {
            "s": {"type": "uri", "value": "http://example.org/a b"},
            "o": {"type": "literal", "value": 'say "hi"\nthen \\ go', "xml:lang": "en-GB"},
        },
        {
            "s": {"type": "bnode", "value": "b0"},
            "o": {"type": "literal", "value": "5", "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
        },
        {"o": {"type": "literal", "value": "plain"}},
    ]
    block = values_block(["s", "o"], rows)
    result = ox.Store().query(f"SELECT ?s ?o WHERE {block}")
    got = [(str(r["s"].value) if r["s"] is not None else None, r["o"]) for r in result]
    assert got[0] == ("http://example.org/a%20b", ox.Literal('say "hi"\nthen \\ go', language="en-gb"))
    assert got[1][1] == ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert got[2] == (None, ox.Literal("plain"))
    assert values_block([], []) == "{ FILTER(false) }"
    with pytest.raises(ServiceFailed):
        values_block(["o"], [{"o": {"type": "literal", "value": "x", "xml:lang": "en } . ?a ?b ?c"}}])


def test_negotiation_by_q_value_parameter_and_wildcards():
    assert negotiate(RESULT_FORMATS, None, None).media_type == "application/sparql-results+json"
    assert (
        negotiate(RESULT_FORMATS, "text/csv;q=0.4, text/tab-separated-values;q=0.6", None).media_type
        == "text/tab-separated-values"
    )
    assert negotiate(GRAPH_FORMATS, "application/json", None).media_type == "application/ld+json"
    assert negotiate(RESULT_FORMATS, "text/html, */*;q=0.1", None).media_type == "application/sparql-results+json"
    assert negotiate(GRAPH_FORMATS, "image/png", "nt").media_type == "application/n-triples"
    with pytest.raises(NotAcceptable):
        negotiate(RESULT_FORMATS, "image/png, text/*;q=0", None)
    with pytest.raises(NotAcceptable):
        negotiate(GRAPH_FORMATS, None, "tsv")
    with pytest.raises(BadParameter):
        negotiate(GRAPH_FORMATS, None, "yaml")


def test_fast_form_decoding_agrees_with_the_standard_library():
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    texts += ['SELECT * { ?s ?p "a+b=c&d%e" }', "é€𝄞 \t\n#<>{}", "", "100%"]
    for text in texts:
        for body in (urlencode({"query": text, "format": "json"}), "query=" + quote(text, safe="")):
            decoded = decode_pairs(body.encode("ascii"))
            assert decoded is None or decoded == parse_qsl(body, keep_blank_values=True)
        assert decode_pairs(urlencode({"query": text}).encode("ascii")) == [("query", text)]
    for unusual in (b"q=%ZZ", b"q==1", b"q=%FF", b"q=a\nb"):
        assert decode_pairs(unusual) is None  # left to the general parser


def test_form_encoding_writes_what_the_standard_library_writes():
    assert encode_pairs([("query", "SELECT * {?s ?p 'é'}"), ("default-graph-uri", "https://x/a~b_c.d")]) == (
        "query=SELECT+%2A+%7B%3Fs+%3Fp+%27%C3%A9%27%7D&default-graph-uri=https%3A%2F%2Fx%2Fa~b_c.d"
    )
    assert encode_pairs([]) == ""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").rglob("*.rq"))]
    texts += ["é€𝄞 \t\n#<>{}+&=%", "", "\x00\x7f\x80\uffff", "".join(map(chr, range(1, 700)))]
    for text in texts:
        pairs = [("query", text), ("named-graph-uri", text[::-1])]
        assert encode_pairs(pairs) == urlencode(pairs)
        assert decode_pairs(encode_pairs(pairs).encode("ascii")) == pairs


def test_unreadable_or_oversized_texts_are_refused_without_reading_everything():
    with pytest.raises(QuerySyntax, match="unterminated string at line 1, column 24"):
        analyse("SELECT * WHERE { ?s ?p 'unfinished }")
    with pytest.raises(QuerySyntax, match="unterminated"):
        analyse('SELECT * WHERE { ?s ?p "' + "\\'" * 50_000 + " }")
    with pytest.raises(RequestTooLarge, match=str(MAX_TOKENS)):
        analyse("SELECT * WHERE { " + "?s ?p ?o . " * (MAX_TOKENS // 4 + 1) + "}")
    # dotted runs without a colon once took time quadratic in their length
    assert analyse("ASK { ?s ?p ?o } # " + "a." * 40_000).form == "ASK"
    with pytest.raises(QuerySyntax, match="not a SPARQL keyword"):
        analyse("SELECT * WHERE { ?s ?p " + "x." * 40_000 + "y }")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p trueSERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
        "SELECT * WHERE { ?s ?p false.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
        "SELECT * WHERE { SERVICESILENT <http://127.0.0.1:9/> { ?a ?b ?c } }",
        "SELECT * WHERE { ?s ?p falseINSERT }",
        "SELECT * WHERE { ?a ?p ?b FILTER(?a<?b)SERVICE?x#>\n{ ?s ?p ?o } }",
        "SELECT * WHERE { ?a ?p ?b FILTER(1<?b)\\u0053ERVICE?x#>\n{ ?s ?p ?o } }",
    ],
)
def test_keywords_glued_or_hidden_are_refused(text):
    """The engine reads ``trueSERVICE`` as two keywords, and ``<?b)SERVICE?x#>`` in an expression
    as "less than", a SERVICE clause and a comment; the checks must not read one word or one IRI."""
    with pytest.raises((QueryRefused, QuerySyntax)):
        check_services(analyse(text), SETTINGS)


def test_words_run_together_are_not_read_as_keywords():
    for text in ("SELECTDISTINCT ?s WHERE { ?s ?p ?o }", "CONSTRUCTWHERE { ?s ?p ?o }"):
        with pytest.raises(QuerySyntax, match="not a SPARQL keyword"):
            analyse(text)


def test_iris_mentioning_service_are_fine_where_no_comparison_can_be():
    text = (
        "SELECT * WHERE { ?a <https://w3id.org/cmikg/service#x> ?b "
        "FILTER(?a = <https://w3id.org/cmikg/service#y> && ?a < ?b) }"
    )
    assert analyse(text).services == ()

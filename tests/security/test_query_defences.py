"""What a hostile query can do to the endpoint: nothing. Each case once got through, was
answered wrongly, or crashed a worker; each is tried on a real gunicorn server."""

from __future__ import annotations

import time

import pytest

from tests.security.conftest import JSON, MAX_BODY

pytestmark = pytest.mark.server

TARGET = "http://127.0.0.1:{port}/"
GROUP = "{ ?s ?p ?o }"


def service_spellings(port: int) -> list[str]:
    """SERVICE written against a prefixed name, in every place a group pattern may stand."""
    prefix = f"PREFIX : <{TARGET.format(port=port)}> PREFIX SERVICEp: <{TARGET.format(port=port)}> "
    prefix += f"PREFIX service: <{TARGET.format(port=port)}> PREFIX s: <{TARGET.format(port=port)}> "
    clauses = ["SERVICE:x " + GROUP, "SERVICEp:x " + GROUP, "service:x " + GROUP, "SERVICE SILENT:x " + GROUP]
    clauses += ["SeRvIcE s:sparql " + GROUP, "SERVICE <" + TARGET.format(port=port) + "sparql> " + GROUP]
    clauses += ["\\u0053ERVICE:x " + GROUP, "SERVICE?x " + GROUP]
    forms = [
        "SELECT * {{ {c} }}",
        "SELECT * {{ OPTIONAL {{ {c} }} }}",
        "SELECT * {{ ?a ?b ?c FILTER EXISTS {{ {c} }} }}",
        "SELECT * {{ ?a ?b ?c MINUS {{ {c} }} }}",
        "SELECT * {{ {{ SELECT * {{ {c} }} }} }}",
        "ASK {{ {c} }}",
        "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {c} }}",
        "SELECT * {{ {{ ?a ?b ?c }} UNION {{ {c} }} }}",
    ]
    return [prefix + form.format(c=clause) for clause in clauses for form in forms]


@pytest.mark.parametrize("which", ["server", "backend_server"])
def test_no_service_spelling_reaches_the_network(request, which, trap):
    endpoint = request.getfixturevalue(which)
    before = len(trap.connections)
    statuses = {}
    for text in service_spellings(trap.port):
        response = endpoint.query(text, accept="*/*")
        statuses[text] = response.status_code
        assert response.status_code in (400, 403), (text, response.status_code, response.text)
    time.sleep(0.5)
    assert trap.connections[before:] == [], "a query reached the trap listener"
    assert set(statuses.values()) <= {400, 403}


def test_checked_text_is_what_runs_keyword_case_and_iris_included(server):
    """The canonical text keeps the answer: keywords in any case, prefixed names, strings."""
    text = (
        "prefix cmi: <https://w3id.org/cmikg/ontology#> select (count(*) as ?n) where "
        '{ ?c a cmi:Claim . FILTER(STRLEN("it\'s \\"quoted\\"") > 0) }'
    )
    response = server.query(text)
    assert response.status_code == 200, response.text
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) > 0


@pytest.mark.parametrize(
    "text,limit",
    [
        ("SELECT (" + "STR(" * 1000 + "1" + ")" * 1000 + " AS ?x) {}", "nesting limit"),
        ("SELECT * " + "{" * 5000 + "}" * 5000, "nesting limit"),
        ("SELECT * { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", "nesting limit"),
        ("SELECT * { " + " ".join(f"?s <urn:p{i}> ?o{i} ." for i in range(20_000)) + " }", "limit"),
        ("SELECT * { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(5000)) + " }", "element limit"),
    ],
)
def test_deep_or_huge_queries_are_refused_before_evaluation(server, text, limit):
    response = server.query(text)
    assert response.status_code in (400, 413), response.text
    assert limit in response.text
    assert server.count() > 0  # the workers are alive and answering


def test_client_errors_are_4xx_naming_the_cause(server):
    response = server.query("SELECT * { FILTER(<http://x/f>(1)) }")
    assert response.status_code == 400 and "http://x/f" in response.text
    for value in ("http://x/%zz", "http://%5B::1", "a:%"):
        response = server.query("SELECT * { ?s ?p ?o } LIMIT 1", **{"default-graph-uri": value})
        assert response.status_code == 400, (value, response.text)
        assert "default-graph-uri" in response.text


def test_repeated_format_and_invalid_utf8_are_400(server):
    import requests

    response = requests.get(server.url, params=[("query", "ASK {}"), ("format", "json"), ("format", "xml")])
    assert response.status_code == 400 and "format" in response.text
    response = requests.get(server.url + "?query=ASK%20%7B%7D%20%23%FF", timeout=30)
    assert response.status_code == 400 and "UTF-8" in response.text
    response = requests.post(
        server.url,
        data=b"query=ASK%20%7B%7D%20%23%FF%FE",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 400 and "UTF-8" in response.text
    response = requests.post(
        server.base + "/query",
        data=b"query=ASK%20%7B%7D%FF&run=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400


def test_service_silent_with_a_malformed_answer_is_the_empty_solution(server):
    text = "SELECT (COUNT(*) AS ?n) WHERE { SERVICE SILENT <https://query.wikidata.org/sparql> { ?x ?y ?z } }"
    response = server.query(text)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "1"  # one empty solution joined
    loud = server.query(text.replace("SILENT ", ""))
    assert loud.status_code == 502


def test_the_host_header_never_reaches_links_or_descriptions(server):
    import requests

    evil = {"Host": "evil.example"}
    response = requests.get(server.url, params={"query": "ASK {}"}, headers={**evil, "Accept": JSON}, timeout=30)
    assert response.status_code == 200
    assert "evil.example" not in response.headers.get("Link", "")
    assert 'rel="canonical"' in response.headers.get("Link", "")
    for path in ("/sparql", "/.well-known/void", "/query"):
        page = requests.get(server.base + path, headers=evil, timeout=30)
        assert page.status_code == 200
        assert "evil.example" not in page.text, path
    own = requests.get(server.url, params={"query": "ASK {}"}, timeout=30)
    assert f"127.0.0.1:{server.port}/sparql?" in own.headers["Link"]


def test_padded_body_over_the_cap_is_413_and_never_answered(server):
    assert MAX_BODY < 1_000_000
    pad = "SELECT ?x WHERE { VALUES ?x { 1 } }"
    text = (pad + " " * (1_000_000 - len(pad)) + " LIMIT 0").encode()
    response = __import__("requests").post(
        server.url, data=text, headers={"Content-Type": "application/sparql-query", "Accept": JSON}, timeout=60
    )
    assert response.status_code == 413

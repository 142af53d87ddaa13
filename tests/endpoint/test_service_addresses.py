"""A SERVICE host is looked up once per hop, and the connection goes to the address that was
checked: a name cannot pass the check with a public address and then connect elsewhere."""

from __future__ import annotations

import dataclasses
import socket
from urllib.parse import urlsplit

import pytest

from cmikg.guard import addresses, federation
from cmikg.guard.reading import read_query
from cmikg.sparqlclient import send_query

UNRESOLVABLE = "service.invalid"  # .invalid never resolves (RFC 6761)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host name passed to getaddrinfo while the test runs."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        seen.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    return seen


def test_a_pinned_query_connects_to_the_given_address_under_the_url_host_name(wikidata_standin, lookups):
    port = urlsplit(wikidata_standin.url).port
    url = f"http://{UNRESOLVABLE}:{port}/query"
    response = send_query(url, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", timeout=(5, 10), connect_to="127.0.0.1")
    assert response.status_code == 200, response.text
    count = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert count == len(wikidata_standin.ntriples.splitlines())  # the stand-in answered, not another store
    assert UNRESOLVABLE not in lookups, "the host name was looked up again when connecting"
    assert response.request.headers["Host"] == f"{UNRESOLVABLE}:{port}"


def test_federation_checks_each_hop_once_and_connects_where_it_checked(
    wikidata_standin, dataset, lookups, monkeypatch: pytest.MonkeyPatch
):
    port = urlsplit(wikidata_standin.url).port
    iri = f"http://{UNRESOLVABLE}:{port}/query"
    checks: list[str] = []

    def check(url: str, called: str, settings) -> str:
        checks.append(url)
        return "127.0.0.1"  # what the check found; the real one refuses loopback, so stand in for it

    monkeypatch.setattr(federation, "check_target", check)
    settings = dataclasses.replace(dataset, service_allowlist=(iri,), service_map={})
    reading = read_query(f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}")
    variables, rows = federation.fetch(reading.services[0], "SELECT * WHERE { ?s ?p ?o }", settings)
    assert checks == [iri]
    assert UNRESOLVABLE not in lookups
    assert sorted(variables) == ["o", "p", "s"] and len(rows) == len(wikidata_standin.ntriples.splitlines())


def test_the_check_returns_the_public_address_it_checked(monkeypatch: pytest.MonkeyPatch, dataset):
    answers = {"public.example": "93.184.216.34", "private.example": "10.0.0.7"}

    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    settings = dataclasses.replace(dataset, service_map={})
    assert addresses.check_target("http://public.example/sparql", "x:", settings) == "93.184.216.34"
    with pytest.raises(addresses.QueryRefused, match="non-public address 10.0.0.7"):
        addresses.check_target("http://private.example/sparql", "x:", settings)

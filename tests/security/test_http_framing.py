"""Bodies framed by chunks, sent over raw sockets: over the cap is 413, malformed is 400,
whatever the route; nothing is evaluated from a cut or broken body."""

from __future__ import annotations

import pytest

from tests.security.conftest import MAX_BODY, raw_request

pytestmark = pytest.mark.server


def chunked(path: str, body: bytes, content_type: str, chunk: int = 65536) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        "Accept: application/sparql-results+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    parts = [b"%x\r\n%s\r\n" % (len(body[i : i + chunk]), body[i : i + chunk]) for i in range(0, len(body), chunk)]
    return head + b"".join(parts) + b"0\r\n\r\n"


def test_chunked_body_over_the_cap_is_413(server):
    pad = b"SELECT ?x WHERE { VALUES ?x { 1 } }"
    body = pad + b" " * (1_000_000 - len(pad)) + b" LIMIT 0"
    status, response = raw_request(server.port, chunked("/sparql", body, "application/sparql-query"))
    assert status == 413, response[:300]


def test_chunked_body_under_the_cap_is_answered_whole(server):
    pad = b"SELECT ?x WHERE { VALUES ?x { 1 } }"
    body = pad + b" " * (MAX_BODY // 2) + b" LIMIT 0"
    status, response = raw_request(server.port, chunked("/sparql", body, "application/sparql-query", chunk=1000))
    assert status == 200, response[:300]
    assert b'"bindings":[]' in response.replace(b" ", b"")  # LIMIT 0 was read: the whole body counted


@pytest.mark.parametrize("path", ["/sparql", "/query", "/search"])
@pytest.mark.parametrize("bad", [b"zz\r\nquery=ASK{}\r\n0\r\n\r\n", b"5\r\nquery=ASK{}\r\n0\r\n\r\n", b"-1\r\n"])
def test_malformed_chunks_are_400(server, path, bad):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    status, response = raw_request(server.port, head + bad)
    assert status == 400, response[:300]

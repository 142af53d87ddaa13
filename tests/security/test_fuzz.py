"""A bounded fuzz run: over 1,000 generated malformed or hostile requests in twelve families,
from a fixed seed, sent by :data:`CLIENTS` clients at once, each from its own loopback
address. The server must answer every one without a 5xx (save 503 for a query stopped at
its time limit), open no outbound connection, leak no file, and still count the same
triples afterwards. A request refused with 429 (every query slot its client may use is
taken) is sent again until it is answered otherwise, so every request is evaluated."""

from __future__ import annotations

import http.client
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.server

SEED = 20261201
QUERIES = sorted((ROOT / "queries").glob("*.rq"))
NOISE = list("{}()[]<>?$:;,.'\"\\#@^|!&=+-*/ \n\t") + ["SERVICE", "INSERT", "\\u0053", "%", "\x00", "é", "\ud7ff"]
ACCEPTS = ["*/*", "text/html", "application/json;q=0", "image/png", "text/csv;q=abc", "", ";;;", "a/b, */*;q=0.1"]
TYPES = [
    "application/sparql-query",
    "application/x-www-form-urlencoded",
    "text/plain",
    "",
    "multipart/form-data",
    "application/sparql-update",
    "application/json",
    "application/x-www-form-urlencoded; charset=latin-1",
]
LEAKS = (b"root:x:0:0", b"[project]", b"Traceback", b"BEGIN PRIVATE")
#: Clients sending at once; client ``i`` sends from 127.0.0.(i + 2).
CLIENTS = 4
#: Times one request is sent again after a 429 before the 429 counts as its answer.
MAX_RETRIES = 100


def mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        where = rng.randrange(len(chars) + 1)
        if chars and rng.random() < 0.4:
            del chars[min(where, len(chars) - 1)]
        else:
            chars.insert(where, rng.choice(NOISE))
    return "".join(chars)


def requests_for(rng: random.Random, trap_port: int) -> list[tuple[str, str, dict, bytes, str]]:
    """(family, method+path, headers, body) for every request of the run."""
    examples = [p.read_text(encoding="utf-8") for p in QUERIES]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    out: list[tuple[str, str, dict, bytes, str]] = []

    def add(family, method, path, headers=None, body=b""):
        out.append((family, method, path, headers or {}, body))

    for _ in range(200):
        add("syntax", "POST", "/sparql", form, b"query=" + quote(mutate(rng, rng.choice(examples))).encode())
    for _ in range(80):
        depth = rng.choice([10, 63, 64, 65, 300, 3000])
        opener, closer = rng.choice([("(", ")"), ("{", "}"), ("[", "]"), ("STR(", ")")])
        add(
            "nesting",
            "POST",
            "/sparql",
            form,
            b"query=" + quote(f"SELECT * {{ FILTER({opener * depth}1{closer * depth}) }}").encode(),
        )
    for _ in range(100):
        name = rng.choice(["query", "format", "default-graph-uri", "named-graph-uri", "update", "q", "x", "run"])
        value = rng.choice(["", "json", "%zz", "http://%5B::1", "a:%", "<x>", "ASK {}", "x" * 5000, "%FF%FE", "\x00"])
        extra = rng.choice(["", "&format=xml", "&format=json", "&query=ASK%7B%7D", "&default-graph-uri=urn:x"])
        add("params", "GET", f"/sparql?{name}={quote(value, safe='%')}{extra}")
    for _ in range(100):
        service = rng.choice(["SERVICE", "service", "SeRvIcE", "\\u0053ERVICE", "SERVICE SILENT", "SERVICESILENT"])
        target = rng.choice(
            [
                ":x",
                "p:x",
                "SERVICE:x",
                f"<http://127.0.0.1:{trap_port}/sparql>",
                "?v",
                "<http://[::1]:9/>",
                "<http://localhost:1/>",
                "<file:///etc/passwd>",
                "<http://169.254.169.254/latest>",
            ]
        )
        where = rng.choice(
            ["{{ {c} }}", "{{ OPTIONAL {{ {c} }} }}", "{{ FILTER EXISTS {{ {c} }} }}", "{{ {{ SELECT * {{ {c} }} }} }}"]
        )
        trap = f"<http://127.0.0.1:{trap_port}/>"
        text = f"PREFIX : {trap} PREFIX p: {trap} PREFIX SERVICE: {trap} "
        text += (
            rng.choice(["SELECT *", "ASK", "CONSTRUCT { ?s ?p ?o } WHERE"])
            + " "
            + where.format(c=f"{service} {target} {{ ?s ?p ?o }}")
        )
        add("service", "POST", "/sparql", {**form, "Accept": "*/*"}, b"query=" + quote(text).encode())
    updates = [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DROP ALL",
        "LOAD <http://127.0.0.1:1/>",
        "CLEAR DEFAULT",
        "DELETE WHERE { ?s ?p ?o }",
        "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ]
    for _ in range(80):
        text = mutate(rng, rng.choice(updates)) if rng.random() < 0.3 else rng.choice(updates)
        how = rng.choice(["update", "query", "body"])
        if how == "body":
            add("updates", "POST", "/sparql", {"Content-Type": "application/sparql-update"}, text.encode())
        else:
            add("updates", "POST", rng.choice(["/sparql", "/query", "/"]), form, f"{how}={quote(text)}".encode())
    for _ in range(80):
        add("encodings", "GET", "/sparql?query=" + rng.choice(["%FF", "%C0%AF", "%ED%A0%80", "ASK%7B%7D%FE", "%E2%82"]))
        add(
            "encodings",
            "POST",
            "/sparql",
            {"Content-Type": "application/sparql-query"},
            rng.choice([b"ASK {} \xff", b"\xc3", b"\xef\xbb\xbfASK {}"]),
        )
    for _ in range(70):
        add(
            "types",
            "POST",
            "/sparql",
            {"Content-Type": rng.choice(TYPES)},
            rng.choice([b"query=ASK%7B%7D", b"ASK {}", b"\x00\x01", b""]),
        )
    for _ in range(60):
        add(
            "methods",
            rng.choice(["PUT", "DELETE", "PATCH", "TRACE", "OPTIONS", "HEAD", "CONNECT", "FOO"]),
            rng.choice(["/sparql", "/", "/query"]),
        )
    for _ in range(60):
        add(
            "accept",
            "GET",
            "/sparql?query="
            + quote(rng.choice(["ASK {}", "SELECT * { ?s ?p ?o } LIMIT 1", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"])),
            {"Accept": rng.choice(ACCEPTS)},
        )
    traversal = [
        "/../../etc/passwd",
        "/download/..%2f..%2fpyproject.toml",
        "/assets/../../pyproject.toml",
        "/assets/%2e%2e/%2e%2e/pyproject.toml",
        "/doc/..%2F..%2F..%2Fetc%2Fpasswd",
        "/download/%2e%2e%2fcmikg.nt",
        "/queries/../pyproject.toml",
        "//etc/passwd",
        "/assets/..\\..\\pyproject.toml",
        "/id/%00",
        "/doc/country/%ff",
    ]
    for path in traversal * 6:
        add("traversal", "GET", path)
    probes = [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "javascript:alert(1)",
        "'><svg/onload=alert(1)>",
    ]
    for _ in range(60):
        probe = rng.choice(probes)
        add("xss", "GET", rng.choice(["/search?q=", "/query?run=1&query=", "/doc/", "/query?example="]) + quote(probe))
    for _ in range(12):
        size = rng.choice([150_000, 199_000, 200_001, 500_000])
        add("size", "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK {}" + b" " * size)
    return out


def send(port: int, method: str, path: str, headers: dict, body: bytes, source: str = "127.0.0.1") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        response = conn.getresponse()
        return response.status, response.read() if method != "HEAD" else b""
    finally:
        conn.close()


def send_until_admitted(port: int, request: tuple, source: str) -> tuple[int, bytes, int]:
    """The answer to one planned request, sent again while it is refused with 429; the
    number of 429s is returned too."""
    _, method, path, headers, body = request
    refused = 0
    status, content = send(port, method, path, headers, body, source)
    while status == 429 and refused < MAX_RETRIES:
        refused += 1
        time.sleep(0.05)
        status, content = send(port, method, path, headers, body, source)
    return status, content, refused


def test_a_thousand_hostile_requests_break_nothing(server, trap):
    rng = random.Random(SEED)
    triples = server.count()
    before = len(trap.connections)
    plan = requests_for(rng, trap.port)
    assert len(plan) >= 1000
    clock = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        shares = [
            pool.submit(
                lambda i: [send_until_admitted(server.port, r, f"127.0.0.{i + 2}") for r in plan[i::CLIENTS]], i
            )
            for i in range(CLIENTS)
        ]
        answers = [None] * len(plan)
        for i, share in enumerate(shares):
            answers[i::CLIENTS] = share.result()
    seconds = time.perf_counter() - clock
    seen: Counter[tuple[str, int]] = Counter()
    failures = []
    for (family, method, path, _, body), (status, content, _) in zip(plan, answers, strict=True):
        seen[(family, status)] += 1
        timed_out = status == 503 and b"time limit" in content
        if status >= 500 and not timed_out:
            failures.append((family, method, path[:120], body[:120], status, content[:200]))
        if any(leak in content for leak in LEAKS):
            failures.append((family, method, path[:120], "leak", status, content[:200]))
        if family == "xss" and (b"<script>alert" in content or b"<img src=x" in content or b"<svg/onload" in content):
            failures.append((family, method, path[:120], "reflected", status, content[:200]))
    time.sleep(0.5)
    families = sorted({request[0] for request in plan})
    print(
        f"\n{len(plan)} requests in {len(families)} families from {CLIENTS} clients in {seconds:.1f} s "
        f"({sum(a[2] for a in answers)} refusals with 429 sent again); "
        f"5xx: {sum(n for (_, status), n in seen.items() if status >= 500)}; "
        f"outbound connections: {len(trap.connections) - before}; statuses by family: {sorted(seen.items())}"
    )
    assert len(families) == 12
    assert all(status != 429 for status, _, _ in answers), "a request was refused every time it was sent"
    assert failures == [], (Counter(f[0] for f in failures), failures[:5])
    assert trap.connections[before:] == []
    assert server.count() == triples

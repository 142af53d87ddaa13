"""The endpoint under test: a real ``cmikg serve`` (gunicorn) on 127.0.0.1, started once per session.

It serves the real graph built into a temporary dist/ (the ``built`` fixture); when the
graph does not build, the tests that need it fail with the build's error. Around it run
the servers the safety and federation tests need: a trap listener on 127.0.0.1 that must
never receive a connection, an allowed service that redirects to the trap, and an oxigraph
server standing in for Wikidata.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from cmikg.config import Settings
from tests.conftest import (
    free_port,
    serve_command,
    start_oxigraph_read_only,
    start_process,
    starts,
    stop_process,
)

WIKIDATA = "https://query.wikidata.org/sparql"
#: Allowed in the server under test, but mapped to a port where nothing listens.
DEAD_SERVICE = "https://dead.example.org/sparql"
#: Allowed, and mapped to a local server that redirects every request to the trap.
REDIRECTING_SERVICE = "https://redirect.example.org/sparql"
JSON = "application/sparql-results+json"
TIMEOUT = 3  # the per-query limit of the server under test, seconds
MAX_ROWS = 1000
MAX_BODY = 200_000
SYNTHETIC = "https://example.org/cmikg-test/"


@pytest.fixture(scope="session")
def dataset(built: Settings) -> Settings:
    """The real graph, built: what the endpoint serves."""
    return built


@dataclass
class Trap:
    """A TCP listener on 127.0.0.1 that records every connection it is offered."""

    port: int
    connections: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


@pytest.fixture(scope="session")
def trap():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    found = Trap(sock.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, peer = sock.accept()
            except (TimeoutError, OSError):
                continue
            found.connections.append(peer)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(scope="session")
def redirector(trap: Trap):
    """An HTTP server that answers every request with a redirect to the trap (at a path not allowed)."""

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{trap.port}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


@dataclass
class StandIn:
    """An oxigraph server in Wikidata's place, and the triples loaded into it."""

    url: str
    ntriples: str


@pytest.fixture(scope="session")
@starts("server")
def wikidata_standin(dataset: Settings, tmp_path_factory: pytest.TempPathFactory):
    """Loaded with a mark on some subjects of the served data, so a federated join has rows."""
    subjects = sorted(
        {
            line.split(" ", 1)[0]
            for line in dataset.dataset_file.read_text(encoding="utf-8").splitlines()
            if line.startswith("<")
        }
    )[:25]
    ntriples = "".join(f'{s} <{SYNTHETIC}mark> "mark {i}" .\n' for i, s in enumerate(subjects))
    data = tmp_path_factory.mktemp("standin") / "standin.nt"
    data.write_text(ntriples, encoding="utf-8")
    process, url = start_oxigraph_read_only(data, tmp_path_factory.mktemp("standin-store"))
    yield StandIn(url, ntriples)
    stop_process(process)


@dataclass
class Endpoint:
    base: str
    settings: Settings
    trap: Trap
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base}/sparql"

    def query(self, text: str, accept: str = JSON, **params) -> requests.Response:
        return requests.post(self.url, data={"query": text, **params}, headers={"Accept": accept}, timeout=60)

    def select(self, text: str) -> list[dict]:
        response = self.query(text)
        assert response.status_code == 200, response.text
        return response.json()["results"]["bindings"]

    def count(self, pattern: str = "?s ?p ?o") -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(rows[0]["n"]["value"])


@pytest.fixture(scope="session")
@starts("server")
def endpoint(dataset: Settings, trap: Trap, redirector: str, wikidata_standin: StandIn):
    """``cmikg serve`` under gunicorn: 2 workers, tight limits so the tests can reach them."""
    port = free_port()
    dead = free_port()
    args = [
        *serve_command(dataset, port),
        "--workers",
        "2",
        "--threads",
        "4",
        "--timeout",
        str(TIMEOUT),
        "--max-rows",
        str(MAX_ROWS),
        "--max-body",
        str(MAX_BODY),
        "--service-allow",
        WIKIDATA,
        "--service-allow",
        DEAD_SERVICE,
        "--service-allow",
        REDIRECTING_SERVICE,
        "--service-allow",
        trap.url,
        "--service-map",
        f"{WIKIDATA}={wikidata_standin.url}",
        "--service-map",
        f"{DEAD_SERVICE}=http://127.0.0.1:{dead}/sparql",
        "--service-map",
        f"{REDIRECTING_SERVICE}={redirector}",
    ]
    base = f"http://127.0.0.1:{port}"
    process = start_process(args, f"{base}/health", timeout=120)
    yield Endpoint(base, dataset, trap)
    stop_process(process)


@pytest.fixture(scope="session")
def nt_lines(dataset: Settings) -> list[str]:
    """The served dump's triples, as its lines."""
    return [line for line in dataset.dataset_file.read_text(encoding="utf-8").splitlines() if line.strip()]

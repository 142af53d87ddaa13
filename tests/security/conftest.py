"""Servers for the defence tests: ``cmikg serve`` under gunicorn on the real build, the same
behind ``--backend`` with an Oxigraph server, a trap listener that must never be reached,
and an allowed SERVICE that answers a term no query can hold.

Every server binds 127.0.0.1 on a free port. The endpoint allows the trap's own URL as a
SERVICE (so only the address check stands between a query and the trap) and Wikidata's
IRI mapped to the malformed-answer server.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from cmikg.config import Settings
from tests.conftest import ROOT, cmikg_command, free_port, start_oxigraph_read_only, start_process, starts, stop_process
from tests.endpoint import conftest as endpoint_fixtures
from tests.endpoint.conftest import Trap
from tests.web import conftest as web_fixtures

WIKIDATA = "https://query.wikidata.org/sparql"
TIMEOUT = 3
MAX_BODY = 200_000
JSON = "application/sparql-results+json"
#: The trap listener on 127.0.0.1 that must never receive a connection (shared with tests/endpoint).
trap = endpoint_fixtures.trap
#: Headless Chromium (shared with tests/web).
browser = web_fixtures.browser


@pytest.fixture(scope="session")
def malformed_service():
    """An allowed SERVICE whose answer holds a term of an unknown type."""
    answer = json.dumps(
        {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "no-such-type", "value": "1"}}]}}
    ).encode()

    class Answer(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", JSON)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


@dataclass
class Server:
    base: str
    settings: Settings
    port: int

    @property
    def url(self) -> str:
        return f"{self.base}/sparql"

    def query(self, text: str, accept: str = JSON, **params) -> requests.Response:
        return requests.post(self.url, data={"query": text, **params}, headers={"Accept": accept}, timeout=60)

    def count(self) -> int:
        response = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])


def serve(settings: Settings, extra: list[str], threads: int = 2) -> tuple[object, Server]:
    port = free_port()
    args = [
        *cmikg_command(),
        "--project",
        str(ROOT),
        "--dist",
        str(settings.dist),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--threads",
        str(threads),
        "--timeout",
        str(TIMEOUT),
        "--max-body",
        str(MAX_BODY),
        *extra,
    ]
    base = f"http://127.0.0.1:{port}"
    return start_process(args, f"{base}/health", timeout=120), Server(base, settings, port)


@pytest.fixture(scope="session")
@starts("server")
def server(built: Settings, trap: Trap, malformed_service: str):
    """The embedded endpoint: the trap's URL is an allowed SERVICE, Wikidata's IRI answers badly."""
    process, found = serve(
        built,
        ["--service-allow", WIKIDATA, "--service-allow", trap.url, "--service-map", f"{WIKIDATA}={malformed_service}"],
    )
    yield found
    stop_process(process)


@pytest.fixture(scope="session")
@starts("server")
def backend_server(built: Settings, trap: Trap, tmp_path_factory: pytest.TempPathFactory):
    """``cmikg serve --backend`` in front of a real Oxigraph server holding the build."""
    store, store_url = start_oxigraph_read_only(built.dataset_file, Path(tmp_path_factory.mktemp("oxstore")))
    process, found = serve(built, ["--backend", store_url, "--service-allow", trap.url])
    yield found
    stop_process(process)
    stop_process(store)


def raw_request(port: int, data: bytes, timeout: float = 30) -> tuple[int, bytes]:
    """Send bytes as they are; the status code and the whole response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer (a 413, say) and close before reading the whole request
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    status = int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0
    return status, response

"""Real local servers that stand between the publisher and the store, as an institution's
network might: a TCP proxy that breaks an upload part-way, a reverse proxy that asks for
credentials, and a web site that answers HTML where a SPARQL service was expected.

Each listens on 127.0.0.1 only and stops when its ``close`` is called.
"""

from __future__ import annotations

import base64
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class CuttingProxy:
    """Forwards TCP connections to ``upstream``; once one connection has carried more than
    ``cut_after`` bytes towards the store, it either drops it (``mode="drop"``: both sides
    closed at once) or stops forwarding and holds it open (``mode="stall"``), and sets
    :attr:`cut`. Small requests (queries) pass through untouched."""

    def __init__(self, upstream_port: int, cut_after: int, mode: str = "drop"):
        assert mode in ("drop", "stall")
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.mode = mode
        self.cut = threading.Event()
        self._closing = threading.Event()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, upload: bool) -> None:
        carried = 0
        try:
            while not self._closing.is_set():
                data = source.recv(65536)
                if not data:
                    break
                if upload and carried + len(data) > self.cut_after:
                    target.sendall(data[: max(0, self.cut_after - carried)])
                    self._cut(source, target)
                    return
                carried += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            if not (upload and self.cut.is_set() and self.mode == "stall"):
                _close_all(source, target)

    def _cut(self, source: socket.socket, target: socket.socket) -> None:
        self.cut.set()
        if self.mode == "drop":
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            _close_all(source, target)
        else:
            self._closing.wait(timeout=120)

    def close(self) -> None:
        self._closing.set()
        self._listener.close()
        _close_all(*self._sockets)


def _close_all(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.close()
        except OSError:
            pass


class _Server:
    """A threaded HTTP server on a free port, run in the background."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class AuthProxy(_Server):
    """A reverse proxy that lets through only requests with the right credentials.

    ``writers`` may do anything; ``readers`` only GET and POST to the query endpoint
    (a write from them gets 403); anybody else gets 401.
    """

    def __init__(self, upstream: str, writers: set[str], readers: set[str] = frozenset()):
        self.upstream = upstream.rstrip("/")
        self.writers = writers
        self.readers = readers
        super().__init__(_AuthHandler)


class _Handler(BaseHTTPRequestHandler):
    """Answers every method through ``_handle``; quiet."""

    def _handle(self) -> None:
        raise NotImplementedError

    def _reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            if value:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, *args) -> None:
        pass


class _AuthHandler(_Handler):
    def _handle(self) -> None:
        proxy: AuthProxy = self.server.owner
        given = self.headers.get("Authorization", "")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if given not in proxy.writers | proxy.readers:
            return self._reply(401, b"authentication required\n", {"WWW-Authenticate": 'Basic realm="store"'})
        if given not in proxy.writers and not self.path.startswith("/query"):
            return self._reply(403, b"this account may only read\n")
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        answer = requests.request(self.command, proxy.upstream + self.path, data=body, headers=headers, timeout=60)
        self._reply(answer.status_code, answer.content, {"Content-Type": answer.headers.get("Content-Type", "")})


class HtmlSite(_Server):
    """A web site that answers every request with 200 and an HTML page (a login page, a CMS)."""

    def __init__(self):
        super().__init__(_HtmlHandler)


class _HtmlHandler(_Handler):
    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._reply(
            200,
            b"<!doctype html><html><body><h1>Welcome</h1></body></html>\n",
            {"Content-Type": "text/html; charset=utf-8"},
        )


def basic(user: str, password: str) -> str:
    """The Authorization header value for HTTP Basic."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

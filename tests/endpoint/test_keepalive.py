"""Kept-alive connections: the request thread that answered one reads its next request
(``cmikg.service.http_worker``), and that must change nothing a client can see: pipelined
requests, a pause past the linger, a client that hangs up, and busy clients holding every
thread while a new one arrives."""

from __future__ import annotations

import socket
import threading
import time
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from cmikg.service.http_worker import LINGER_SECONDS, LingeringThreadWorker

ASK = "ASK { ?s ?p ?o }"


def _request(query: str) -> bytes:
    return (
        f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: application/sparql-results+json\r\n\r\n"
    ).encode("ascii")


def _read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, bytes]:
    """One HTTP/1.1 response with a Content-Length from ``sock``; what follows stays in ``buffer``."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection before answering"
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-answer"
        rest += chunk
    buffer[:] = rest[length:]
    return status, rest[:length]


def _connect(endpoint) -> socket.socket:
    host, port = endpoint.base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def test_pipelined_requests_are_all_answered_in_order(endpoint):
    queries = [f'ASK {{ FILTER("{i}" = "{i}") }}' if i % 2 else "ASK { FILTER(false) }" for i in range(6)]
    with _connect(endpoint) as sock:
        sock.sendall(b"".join(_request(q) for q in queries))
        buffer = bytearray()
        answers = [_read_response(sock, buffer) for _ in queries]
    assert [status for status, _ in answers] == [200] * len(queries)
    assert [b'"boolean":true' in body.replace(b" ", b"") for _, body in answers] == [i % 2 == 1 for i in range(6)]


def test_a_pause_past_the_linger_and_a_hang_up_are_handled(endpoint):
    with _connect(endpoint) as sock:
        buffer = bytearray()
        for pause in (0, LINGER_SECONDS * 20, 0, LINGER_SECONDS * 20):
            time.sleep(pause)
            sock.sendall(_request(ASK))
            assert _read_response(sock, buffer)[0] == 200
    # the server is still answering after that client hung up mid keep-alive
    with _connect(endpoint) as sock:
        sock.sendall(_request(ASK))
        assert _read_response(sock, bytearray())[0] == 200


def test_a_new_client_is_answered_while_busy_clients_hold_every_thread(endpoint):
    """16 clients sending back to back (the fixture's server has 2 workers x 7 request
    threads), then a new connection: it is answered, and so is every busy client."""
    stop = threading.Event()
    failures: list[str] = []
    answered = [0] * 16

    def busy(k: int) -> None:
        try:
            with _connect(endpoint) as sock:
                buffer = bytearray()
                while not stop.is_set():
                    sock.sendall(_request(ASK))
                    status, _ = _read_response(sock, buffer)
                    if status not in (200, 429):
                        failures.append(f"client {k}: HTTP {status}")
                    answered[k] += 1
        except (OSError, AssertionError) as exc:
            failures.append(f"client {k}: {exc}")

    threads = [threading.Thread(target=busy, args=(k,)) for k in range(16)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        with _connect(endpoint) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            status, _ = _read_response(sock, bytearray())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert status == 200
    assert not failures, failures
    assert all(answered), answered


class _Conn:
    def __init__(self, sock: socket.socket, buffered: bytes = b""):
        self.sock = sock
        self.parser = SimpleNamespace(unreader=SimpleNamespace(buf=_Buffer(buffered)))


class _Buffer:
    def __init__(self, data: bytes):
        self.data = data

    def getvalue(self) -> bytes:
        return self.data


def _worker(threads: int, busy: int, alive: bool = True) -> LingeringThreadWorker:
    worker = object.__new__(LingeringThreadWorker)
    worker.cfg = SimpleNamespace(threads=threads)
    worker.alive = alive
    worker._busy = busy
    return worker


@pytest.fixture
def pair():
    left, right = socket.socketpair()
    yield left, right
    left.close()
    right.close()


def test_a_thread_lingers_only_for_a_request_that_comes(pair):
    server, client = pair
    assert not _worker(threads=4, busy=1)._may_linger(_Conn(server))  # nothing within the linger
    client.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert _worker(threads=4, busy=1)._may_linger(_Conn(server))


def test_a_thread_does_not_linger_when_no_other_thread_is_idle_or_the_worker_stops(pair):
    server, client = pair
    client.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert not _worker(threads=4, busy=4)._may_linger(_Conn(server))
    assert not _worker(threads=4, busy=1, alive=False)._may_linger(_Conn(server))
    assert _worker(threads=4, busy=3)._may_linger(_Conn(server))


def test_bytes_read_ahead_count_as_the_next_request(pair):
    server, _ = pair
    assert _worker(threads=4, busy=1)._may_linger(_Conn(server, buffered=b"GET / HTTP/1.1\r\n"))


@pytest.fixture
def tcp_pair():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    listener.close()
    yield server, client
    server.close()
    client.close()


def _corked(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK)


@pytest.mark.skipif(not hasattr(socket, "TCP_CORK"), reason="TCP_CORK is Linux's; this system has none")
def test_a_response_is_written_corked_and_sent_when_done(tcp_pair, monkeypatch):
    """gunicorn writes the head and the body in two calls; corked, they leave as one segment."""
    server, client = tcp_pair
    seen: list[int] = []

    def answer(self, req, conn):
        seen.append(_corked(conn.sock))
        conn.sock.sendall(b"HTTP/1.1 204 No Content\r\n")
        conn.sock.sendall(b"\r\n")
        return True

    monkeypatch.setattr("gunicorn.workers.gthread.ThreadWorker.handle_request", answer)
    assert _worker(threads=4, busy=1).handle_request(None, _Conn(server)) is True
    assert seen == [1]
    assert _corked(server) == 0
    client.settimeout(5)
    assert client.recv(100) == b"HTTP/1.1 204 No Content\r\n\r\n"  # uncorked: the whole answer is sent


@pytest.mark.skipif(not hasattr(socket, "TCP_CORK"), reason="TCP_CORK is Linux's; this system has none")
def test_corking_calls_the_c_library_so_the_gil_is_free_while_the_answer_is_sent(tcp_pair):
    """Uncorking sends the answer; Python's own setsockopt would hold the GIL meanwhile."""
    from cmikg.service import http_worker

    server, _ = tcp_pair

    class NoPythonSetsockopt:
        def fileno(self) -> int:
            return server.fileno()

        def setsockopt(self, *args) -> None:
            raise AssertionError("socket.setsockopt holds the GIL")

    assert http_worker._setsockopt is not None
    assert http_worker._set_cork(NoPythonSetsockopt(), 1) is True
    assert _corked(server) == 1
    assert http_worker._set_cork(NoPythonSetsockopt(), 0) is True
    assert _corked(server) == 0
    closed = socket.socket()
    closed.close()
    assert http_worker._set_cork(closed, 1) is False


def test_a_socket_that_cannot_be_corked_is_answered_all_the_same(pair, monkeypatch):
    server, _ = pair  # a Unix socket: no TCP options
    monkeypatch.setattr("gunicorn.workers.gthread.ThreadWorker.handle_request", lambda self, req, conn: True)
    assert _worker(threads=4, busy=1).handle_request(None, _Conn(server)) is True

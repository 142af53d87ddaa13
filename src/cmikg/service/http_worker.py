"""gunicorn's threaded worker, with a kept-alive connection's next request read by the
thread that answered the one before.

gunicorn's ``gthread`` worker hands every request twice between threads: its main thread
waits on the kept-alive connections, passes the one that becomes readable to a request
thread, and takes it back when the answer is written, through a pipe that wakes it. On a
small virtual machine each of those hops wakes a thread (often on the other core); in a
profile of the HTTP workers under the benchmark's load, the hand-back alone (the pipe write
that wakes the main thread) took 9% of their busy samples. Here the request
thread waits a moment (:data:`LINGER_SECONDS`) for the client's next request itself and
answers it at once; a connection that stays quiet longer goes back to the main thread as
before.

A lingering thread is not free for new connections, so a thread lingers only while
another request thread of the worker is idle (then no connection waits for one), and
answers at most :data:`MAX_INLINE_REQUESTS` requests in a row before giving its
connection back: busy clients cannot keep the threads from the rest. The worker's
admission rules (:mod:`cmikg.guard.admission`) see no difference: each request is handled
by the same code, in a request thread, as before.

gunicorn writes a response's head and its body in two calls, so a short answer went out
as two TCP segments, each waking the client. The socket is corked (``TCP_CORK``, Linux)
while a request is answered: the kernel sends full segments as they fill and the rest
when the answer is done, one segment for most answers (sequential cache hits on the real
graph: 5% less server CPU and 10% less client CPU per request, docs/benchmark.md). The
uncorking call sends the answer, so it is made without holding the GIL.
"""

from __future__ import annotations

import ctypes
import select
import socket
import threading

from gunicorn.workers.gthread import ThreadWorker

#: How long a request thread waits for the next request on the connection it has just
#: answered before giving the connection back to the worker's main thread, in seconds.
LINGER_SECONDS = 0.005
#: Requests a thread answers on one connection before giving it back, however busy it is.
MAX_INLINE_REQUESTS = 100
#: Linux's option to hold partial segments until uncorked; None where the system has none.
_CORK = getattr(socket, "TCP_CORK", None)


class LingeringThreadWorker(ThreadWorker):
    """``gthread`` whose request threads read a kept-alive connection's next request."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._busy = 0
        self._busy_lock = threading.Lock()

    def handle(self, conn):
        with self._busy_lock:
            self._busy += 1
        try:
            result = super().handle(conn)
            answered = 1
            while result is True and answered < MAX_INLINE_REQUESTS and self._may_linger(conn):
                result = super().handle(conn)
                answered += 1
            return result
        finally:
            with self._busy_lock:
                self._busy -= 1

    def handle_request(self, req, conn):
        """One request answered with its socket corked, so its head and body leave together."""
        if _CORK is None or not _set_cork(conn.sock, 1):
            return super().handle_request(req, conn)
        try:
            return super().handle_request(req, conn)
        finally:
            _set_cork(conn.sock, 0)

    def _may_linger(self, conn) -> bool:
        """Whether this thread should answer the connection's next request itself: the
        worker is running, another request thread is idle, and the request is here (or
        arrives within :data:`LINGER_SECONDS`)."""
        if not self.alive or self._busy >= self.cfg.threads:
            return False
        if conn.parser is not None and conn.parser.unreader.buf.getvalue():
            return True  # read ahead with the last request's body
        try:
            poller = select.poll()
            poller.register(conn.sock, select.POLLIN)
            return bool(poller.poll(LINGER_SECONDS * 1000))
        except (OSError, ValueError):
            return False


def _set_cork(sock, on: int) -> bool:
    """Cork or uncork a TCP socket; False when the socket cannot be (closed, or not TCP)."""
    if _setsockopt is not None:
        value = ctypes.c_int(on)
        return _setsockopt(sock.fileno(), socket.IPPROTO_TCP, _CORK, ctypes.byref(value), ctypes.sizeof(value)) == 0
    try:
        sock.setsockopt(socket.IPPROTO_TCP, _CORK, on)
    except (OSError, ValueError):
        return False
    return True


def _libc_setsockopt():
    """The C library's ``setsockopt``, called without the GIL (ctypes releases it), or None.

    Uncorking hands the held answer to the kernel, which sends it within that call (on the
    loopback, through to the client's socket). Python's own ``socket.setsockopt`` keeps the
    GIL meanwhile, so every other request thread of the worker waited for the send: under
    the benchmark's mix, 16 to 18% of the samples in which an HTTP worker held the GIL were
    in that call, and about 1% with this one (docs/benchmark.md)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).setsockopt
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_uint32)
    function.restype = ctypes.c_int
    return function


_setsockopt = _libc_setsockopt() if _CORK is not None else None

"""Run one call in a forked child process, its small result pickled back through a pipe.

Two uses. The build is CPU-bound Python (rdflib, pyshacl, pyld), so threads would take
turns on one core; a forked child shares the parent's loaded graphs copy-on-write (nothing
is pickled on the way in) and runs a step on the other core while the parent goes on.
``cmikg serve --disk-store`` prepares and measures its on-disk store in a child, so that
the process its workers are forked from never opens RocksDB (see
:mod:`cmikg.engines.embedded`).
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


class ForkedCall:
    """``func(*args)`` running in a forked child; :meth:`result` waits for its value."""

    def __init__(self, func: Callable[..., Any], *args: Any):
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_run_in_child, args=(send, func, args), daemon=True)
        self._process.start()
        send.close()

    def result(self) -> Any:
        """The call's return value, or its exception raised again here."""
        try:
            kind, value = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"the forked call died (exit status {self._process.exitcode})") from None
        self._process.join()
        if kind == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child if it still runs (another step failed and its output is not wanted)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receive.close()


def _run_in_child(send: Connection, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        send.send(("ok", func(*args)))
    except BaseException as exc:  # sent back whole, so the parent reports it as its own
        try:
            send.send(("error", exc))
        except Exception:  # an exception that cannot be pickled: send its text instead
            send.send(("error", RuntimeError(traceback.format_exc())))
    finally:
        send.close()

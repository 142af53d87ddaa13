"""The one small interface between the web routes and a SPARQL engine.

Every route (the endpoint, Linked Data, pages) talks to a :class:`QueryBackend` and nothing
else, so the engine can be swapped (embedded pyoxigraph workers, a remote SPARQL store)
without touching a route. Failures are :class:`QueryError` subclasses that carry their
HTTP status, so the app turns every one of them into a response in one place.
"""

from __future__ import annotations

import contextvars
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cmikg.errors import CmikgError


@dataclass(frozen=True)
class Result:
    """A complete, serialised answer: never a partial body."""

    body: bytes
    media_type: str


class QueryError(CmikgError):
    """A query that cannot be answered; ``status`` is the HTTP status to send."""

    status = 500

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class QuerySyntax(QueryError):
    """The text is not SPARQL: the message carries the parser's words and position."""

    status = 400


class BadParameter(QueryError):
    """A request parameter with a value the service does not know, or a missing one."""

    status = 400


class QueryRefused(QueryError):
    """A well-formed request the service will not run: an update, a SERVICE not allowed."""

    status = 403


class QueryTimeout(QueryError):
    """The query ran past the time limit and its evaluation was stopped."""

    status = 503


class ResultTooLarge(QueryError):
    """The answer has more rows (or triples) than the row cap; nothing is sent truncated."""

    status = 413


class NotAcceptable(QueryError):
    """No format the client accepts can carry this kind of result."""

    status = 406


class RequestTooLarge(QueryError):
    """The request body is larger than the configured limit."""

    status = 413


class BackendUnavailable(QueryError):
    """The engine (a worker, a remote store, a federated service) failed or is unreachable."""

    status = 503


class ServiceFailed(QueryError):
    """A remote SERVICE named in the query failed or answered something unusable."""

    status = 502


class QueryBackend(ABC):
    """What a route may ask of a SPARQL engine."""

    #: True when :meth:`run` itself refuses answers over the row cap; otherwise the
    #: guard in :mod:`cmikg.guard.backend` counts the rows of the returned body.
    caps_rows: bool = False

    @abstractmethod
    def run(
        self,
        query: str,
        media_type: str,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        form: str = "",
    ) -> Result:
        """Evaluate ``query`` and serialise the whole answer as ``media_type``.

        ``form`` (``SELECT``, ``CONSTRUCT``, ``DESCRIBE``, ``ASK``) is what the guard's one reading
        of the query found, so an engine never reads the text again to learn it."""

    @abstractmethod
    def select(self, query: str) -> list[dict[str, dict]]:
        """The "bindings" of a SELECT query in the SPARQL JSON results shape (for pages)."""

    @abstractmethod
    def triple_count(self) -> int:
        """Triples in the served dataset."""

    @abstractmethod
    def version(self) -> str:
        """The served dataset's version (from the build)."""

    def close(self) -> None:
        """Release workers, connections and files."""
        return None


# --- the time limit of the query being evaluated ------------------------------------------

_LIMIT: contextvars.ContextVar[float | None] = contextvars.ContextVar("cmikg_time_limit", default=None)


def time_limit(default: float) -> float:
    """The time limit of the query being evaluated on this thread (shorter in an express slot)."""
    found = _LIMIT.get()
    return default if found is None else min(found, default)


@contextmanager
def limited_to(seconds: float) -> Iterator[None]:
    """Evaluate what runs inside with at most ``seconds``: how admission shortens a query's limit
    without the engines knowing about admission."""
    token = _LIMIT.set(seconds)
    try:
        yield
    finally:
        _LIMIT.reset(token)

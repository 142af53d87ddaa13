"""The remote backend: every query answered by an external SPARQL store (``cmikg serve --backend URL``).

The store holds versions published by ``cmikg publish``; for each HTTP request the backend
reads the pointer graph (one small SELECT) and runs the query against the served version
with the protocol's ``default-graph-uri``. Reading the pointer per request, rather than
caching it, is what lets many replicas answer alike: a publish becomes visible to all of
them with the next request, and nothing in a replica's memory changes an answer. A store
loaded by hand, without a pointer, is queried as it is (its default graph).

The safety checks run before a query gets here (the app wraps every backend in
:class:`cmikg.guard.backend.GuardedBackend`, which sends the canonical text of its
reading, never the client's, and never a SERVICE clause). The time limit is the HTTP
read timeout, and, where the store takes one, a timeout parameter written into the backend URL:
``{timeout_s}`` and ``{timeout_ms}`` in the URL are replaced by the limit, e.g.
``http://fuseki:3030/ds/query?timeout={timeout_s}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox
from flask import g, has_request_context

from cmikg.config import Settings
from cmikg.engines import rows
from cmikg.engines.backend import (
    BackendUnavailable,
    NotAcceptable,
    QueryBackend,
    QueryError,
    QuerySyntax,
    QueryTimeout,
    Result,
)
from cmikg.engines.embedded import DatasetInfo
from cmikg.publish.layout import DEFAULT_GRAPH, Release, current, template
from cmikg.sparqlclient import SPARQL_JSON, StoreClient, StoreError, StoreRejected, StoreTimeout

#: Where the version read for the current HTTP request is kept (Flask's per-request ``g``).
_RELEASE = "cmikg_remote_release"

#: Extra seconds the HTTP client waits beyond the limit, so that a store whose own limit
#: equals ours stops the query (and frees its thread) before we hang up.
GRACE_SECONDS = 1.0


class RemoteBackend(QueryBackend):
    """A :class:`QueryBackend` over the SPARQL 1.1 Protocol; holds no per-replica state."""

    def __init__(self, url: str, settings: Settings, graph: str = DEFAULT_GRAPH, auth=None):
        self.settings = settings
        self.pointer = graph
        limit = settings.query_timeout
        endpoint = url.replace("{timeout_s}", f"{limit:g}").replace("{timeout_ms}", str(int(limit * 1000)))
        self.client = StoreClient(query_url=endpoint, auth=auth, timeout=limit + GRACE_SECONDS)
        self.release()  # fail at start-up, in one line, when the store is not there

    def release(self) -> Release | None:
        """The version served now (``None``: a store without a pointer, served as it is).

        Read once per HTTP request: the ETag, the answer and the version header of one
        response then all describe the same version, and nothing outlives the request.
        """
        if has_request_context() and _RELEASE in g:
            return g.get(_RELEASE)
        try:
            found = current(self.client, self.pointer)
        except StoreError as exc:
            raise BackendUnavailable(f"the store is unavailable: {exc}") from exc
        if has_request_context():
            setattr(g, _RELEASE, found)
        return found

    def run(
        self,
        query: str,
        media_type: str,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        form: str = "",
    ) -> Result:
        """Run ``query`` on the served version, unless the client names its own dataset
        (``default-graph-uri``/``named-graph-uri``), which the protocol lets win."""
        defaults, named = tuple(default_graph_uris), tuple(named_graph_uris)
        if not defaults and not named:
            release = self.release()
            defaults = (release.graph,) if release else ()
        limit = self.settings.query_timeout
        try:
            answer = self.client.query(query, media_type, defaults, named, timeout=limit + GRACE_SECONDS)
        except StoreError as exc:
            raise as_query_error(exc, limit) from exc
        returned = answer.media_type or media_type
        check_complete(answer.body, returned, limit)
        return Result(answer.body, returned)

    def select(self, query: str) -> list[dict[str, dict]]:
        return json.loads(self.run(query, SPARQL_JSON).body)["results"]["bindings"]

    def triple_count(self) -> int:
        release = self.release()
        if release:
            return release.triples
        rows = self.select(template("count.rq"))
        return int(rows[0]["triples"]["value"]) if rows else 0

    def version(self) -> str:
        """The build's version, as the embedded backend reports it for the same dump."""
        release = self.release()
        return release.label if release else "unpublished"

    @property
    def dataset(self) -> DatasetInfo:
        """Version, SHA-256, size and switch time of the served version (for cache validators)."""
        release = self.release()
        if release is None:
            return DatasetInfo("unpublished", "", self.triple_count(), 0.0, 0.0)
        return DatasetInfo(release.label, release.sha256, release.triples, release.switched_epoch, 0.0)

    def close(self) -> None:
        self.client.close()


def as_query_error(exc: StoreError, limit: float) -> QueryError:
    """The store's failure as the error the routes turn into a response."""
    if isinstance(exc, StoreTimeout) or _says_timeout(exc):
        return QueryTimeout(f"the query ran past the time limit of {limit:g} s and was stopped")
    if isinstance(exc, StoreRejected) and exc.status == 400:
        return QuerySyntax(exc.detail or "the store rejected the query as malformed")
    if isinstance(exc, StoreRejected) and exc.status == 406:
        return NotAcceptable(exc.detail or "the store cannot serialise this result in the requested format")
    return BackendUnavailable(f"the store is unavailable: {exc}")


def check_complete(body: bytes, media_type: str, limit: float) -> None:
    """Refuse an answer the store cut short: some stores (Oxigraph) stop a query at their
    own time limit after the first bytes have gone out, leaving a body that does not parse.
    Every format pyoxigraph reads is checked; CSV, which it does not, is passed on."""
    try:
        results = ox.QueryResultsFormat.from_media_type(media_type)
        if results == ox.QueryResultsFormat.XML and not body.rstrip().endswith(b"</sparql>"):
            raise ValueError("no closing </sparql>")  # pyoxigraph reads a cut document as empty
        if results != ox.QueryResultsFormat.CSV:
            rows.count(body, media_type)  # parses it whole
    except (SyntaxError, ValueError, OSError) as exc:
        tail = body[-200:].decode("utf-8", "replace").lower()
        if "cancel" in tail or "timeout" in tail or "time limit" in tail:
            raise QueryTimeout(f"the query ran past the store's time limit (ours is {limit:g} s)") from exc
        raise BackendUnavailable(f"the store's answer was cut short: it is not complete {media_type}") from exc


def _says_timeout(exc: StoreError) -> bool:
    return exc.status in (408, 503, 504) and "time" in (exc.detail or "").lower()

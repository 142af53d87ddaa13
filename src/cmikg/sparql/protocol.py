"""The SPARQL 1.1 Protocol endpoint at /sparql, its Service Description, /.well-known/void and /health.

Queries arrive by GET ``?query=``, POST ``application/x-www-form-urlencoded`` or POST
``application/sparql-query``; ``default-graph-uri`` and ``named-graph-uri`` choose the
dataset. The answer's format comes from the ``format`` parameter or the Accept header
(:mod:`cmikg.sparql.negotiation`). Every answer is complete or an error: the backend hands
back finished bytes, and an answer over the row cap is refused with 413.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import UnsupportedMediaType

from cmikg.cache import CACHES, BoundedCache, total_bound
from cmikg.engines.backend import BadParameter, QueryError, QuerySyntax
from cmikg.guard.backend import checked
from cmikg.service.app import admitted, backend_of, settings_of
from cmikg.service.app import public_base as _public_base
from cmikg.sparql.description import serialize, service_description, void_description
from cmikg.sparql.formats import GRAPH_FORMATS, HTML, RESULT_FORMATS, SPARQL_QUERY, TEXT, Format
from cmikg.sparql.forms import encode_pairs
from cmikg.sparql.negotiation import negotiate, prefers

#: Longest permalink sent in a Link header; HTTP clients refuse header lines much longer.
MAX_LINK_CHARS = 8000
QUERY_MEDIA_TYPE = SPARQL_QUERY.media_type
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

bp = Blueprint("sparql", __name__)
#: The Service Description and VoID, serialised, per endpoint address and format.
DOCUMENTS: BoundedCache[bytes] = BoundedCache("service documents", max_bytes=4 << 20, max_entries=64)

#: Permalinks of queries asked for more than once (one asked once is not kept).
PERMALINKS: BoundedCache[str] = BoundedCache("permalinks", max_bytes=2 << 20, max_entries=1024, keep_repeats_only=True)


@dataclass
class ProtocolRequest:
    """The parts of a SPARQL Protocol request, wherever the client put them."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None
    formats: tuple[str, ...] = ()  # every 'format' value given


def read_request() -> ProtocolRequest:
    """The query and dataset of this request; a 4xx naming the problem when malformed."""
    if request.method in ("GET", "HEAD"):
        return _from_params(request.args, _single(request.args, "query"))
    content_type = request.mimetype
    if content_type == FORM_MEDIA_TYPE:
        return _from_params(request.form, _single(request.form, "query"), request.args)
    if content_type == QUERY_MEDIA_TYPE:
        try:
            text = request.get_data(cache=True).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadParameter(f"the request body is not UTF-8 (byte {exc.start})") from exc
        return _from_params(request.args, text)
    raise UnsupportedMediaType(
        f"a POST must be {FORM_MEDIA_TYPE} (with a 'query' field) or {QUERY_MEDIA_TYPE}; "
        f"got {content_type or 'no Content-Type'}"
    )


def _single(params, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise BadParameter(f"the '{name}' parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def _from_params(params, query: str | None, extra=None) -> ProtocolRequest:
    def all_of(name: str) -> list[str]:
        return params.getlist(name) + (extra.getlist(name) if extra is not None else [])

    formats = all_of("format")
    return ProtocolRequest(
        query,
        _iris(all_of("default-graph-uri"), "default-graph-uri"),
        _iris(all_of("named-graph-uri"), "named-graph-uri"),
        formats[0] if formats else None,
        tuple(formats),
    )


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*")


def _iris(values: list[str], name: str) -> list[str]:
    """Each value an absolute IRI the engine accepts (checked here, not in the engine)."""
    for value in values:
        if not _IRI.fullmatch(value):
            raise BadParameter(f"the '{name}' parameter must be an absolute IRI; got {value[:200]!r}")
        try:
            ox.NamedNode(value)
        except ValueError as exc:
            raise BadParameter(f"the '{name}' parameter is not a valid IRI ({exc}); got {value[:200]!r}") from None
    return values


@bp.route("/sparql", methods=["GET", "POST"])
@bp.route("/sparql/", methods=["GET", "POST"])
def sparql() -> ResponseReturnValue:
    protocol = read_request()
    if protocol.query is None:
        if request.method in ("GET", "HEAD"):
            return query_page() if wants_html() else describe_service()
        raise BadParameter("missing query: send a 'query' form field or an application/sparql-query body")
    g.permalink = permalink(protocol)
    g.query_started = time.perf_counter()
    if not protocol.query.strip():
        raise QuerySyntax("empty query: the 'query' parameter holds no SPARQL text")
    reading = checked(protocol.query, settings_of(current_app))
    fmt = answer_format(protocol, GRAPH_FORMATS if reading.is_graph else RESULT_FORMATS)
    tag = etag(protocol, fmt)
    if request.if_none_match.contains_weak(tag):
        return _with_validators(Response(status=304), tag)
    result = _kept_answer(reading, fmt, protocol)
    if result is None:
        current_app.extensions["cmikg.metrics"].begin()
        g.evaluated = True
        with admitted(current_app):
            result = backend_of(current_app).run(
                reading, fmt.media_type, protocol.default_graphs, protocol.named_graphs
            )
    response = Response(result.body, content_type=fmt.content_type)
    return _with_validators(response, tag)


def _kept_answer(reading, fmt: Format, protocol: ProtocolRequest):
    """The result cache's answer to this reading, found without taking a query slot (nothing is
    evaluated); None when there is none. A query with SERVICE calls is never looked up here: its
    engine text holds the remote answer, which only the guard fetches."""
    if reading.services:
        return None
    lookup = getattr(backend_of(current_app), "cached", None)
    if lookup is None:
        return None
    return lookup(reading.text, fmt.media_type, protocol.default_graphs, protocol.named_graphs)


def answer_format(protocol: ProtocolRequest, formats: tuple[Format, ...]) -> Format:
    """The negotiated format. A repeated ``format`` is 400 unless every further value names
    the first one's format, alone or in a list of media types (SPARQLWrapper sends
    ``format=json-ld&format=application/ld+json,application/x-json+ld``)."""
    fmt = negotiate(formats, request.headers.get("Accept"), protocol.format)
    for value in protocol.formats[1:]:
        if not any(_names(formats, part.strip(), fmt) for part in value.split(",")):
            raise BadParameter(
                f"the 'format' parameter is given {len(protocol.formats)} times, naming different formats "
                f"({protocol.formats[0]!r}, {value[:80]!r}); give it once"
            )
    return fmt


def _names(formats: tuple[Format, ...], value: str, fmt: Format) -> bool:
    try:
        return negotiate(formats, None, value) == fmt
    except QueryError:
        return False


def permalink(protocol: ProtocolRequest) -> str | None:
    """A GET URL that gives the same answer (content negotiation aside); None when it would
    be too long for a Link header (the query alone is longer than that)."""
    query = protocol.query or ""
    if len(query) > MAX_LINK_CHARS:
        return None
    key = (public_base(), query, tuple(protocol.default_graphs), "\x01", tuple(protocol.named_graphs))
    found = PERMALINKS.get("", key)
    if found is not None:
        return found
    params = [("query", query)]
    params += [("default-graph-uri", uri) for uri in protocol.default_graphs]
    params += [("named-graph-uri", uri) for uri in protocol.named_graphs]
    return PERMALINKS.put("", key, f"{key[0]}sparql?{encode_pairs(params)}")


def public_base() -> str:
    """Where clients reach this server (never an unlisted Host header)."""
    return _public_base(current_app)


def etag(protocol: ProtocolRequest, fmt: Format) -> str:
    """Same dataset, query, dataset choice and format: same answer."""
    backend = backend_of(current_app)
    dataset = getattr(backend, "dataset", None)
    fingerprint = getattr(dataset, "sha256", "") or backend.version()
    key = "\x00".join(
        [fingerprint, protocol.query or "", fmt.media_type, *protocol.default_graphs, "\x01", *protocol.named_graphs]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _with_validators(response: Response, tag: str) -> Response:
    headers = response.headers
    headers["ETag"] = f'W/"{tag}"'
    modified = _last_modified(getattr(backend_of(current_app), "dataset", None))
    if modified:
        headers["Last-Modified"] = modified
    headers["Cache-Control"] = "no-cache"
    headers["Vary"] = "Accept"
    return response


def _last_modified(dataset) -> str:
    return _http_date(dataset.modified) if dataset is not None else ""


@lru_cache(maxsize=4)
def _http_date(seconds: float) -> str:
    """The served dump's time as an HTTP date, written once per dump (at most four kept)."""
    return formatdate(seconds, usegmt=True)


def wants_html() -> bool:
    """A browser opening the endpoint: HTML weighs more than every RDF format, ties going to RDF."""
    if request.args.get("format"):
        return False
    return prefers(request.headers.get("Accept"), HTML, GRAPH_FORMATS)


def query_page() -> ResponseReturnValue:
    """303 to the query page, where a person can write a query for this endpoint."""
    response = redirect(url_for("pages.query"), code=303)
    response.vary.add("Accept")
    return response


def describe_service() -> Response:
    """GET /sparql without a query: the Service Description, in a negotiated RDF format."""
    endpoint = f"{public_base()}sparql"
    fmt = negotiate(GRAPH_FORMATS, request.headers.get("Accept"), request.args.get("format"))
    body = _cached(
        ("sd", endpoint, fmt.media_type),
        lambda: serialize(
            service_description(
                settings_of(current_app), backend_of(current_app), endpoint, f"{public_base()}.well-known/void"
            ),
            fmt,
        ),
    )
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


@bp.get("/.well-known/void")
def void() -> Response:
    """The dataset's VoID description (dist/void.ttl and the endpoint), negotiated."""
    endpoint = f"{public_base()}sparql"
    fmt = negotiate(GRAPH_FORMATS, request.headers.get("Accept"), request.args.get("format"))

    def make() -> bytes | None:
        graph = void_description(settings_of(current_app), backend_of(current_app), endpoint)
        return None if graph is None else serialize(graph, fmt)

    body = _cached(("void", endpoint, fmt.media_type), make)
    if body is None:
        return Response(
            "no VoID description: dist/void.ttl is missing (run `cmikg build`)\n", status=404, mimetype=TEXT.media_type
        )
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def _cached(key: tuple, make):
    return DOCUMENTS.get_or_make(backend_of(current_app).version(), key, make)


@bp.get("/health")
def health() -> ResponseReturnValue:
    """For load balancers and operators: answers without touching the store."""
    backend = backend_of(current_app)
    settings = settings_of(current_app)
    dataset = getattr(backend, "dataset", None)
    pool = getattr(getattr(backend, "pool", None), "stats", None)
    body = {
        "status": "ok",
        "version": backend.version(),
        "triples": backend.triple_count(),
        "sha256": getattr(dataset, "sha256", None),
        "query_timeout_seconds": settings.query_timeout,
        "max_rows": settings.max_rows,
        "max_body_bytes": settings.max_body_bytes,
        "service_allowlist": list(settings.service_allowlist),
    }
    if pool is not None:
        body["workers"] = {
            "running": backend.pool.running,
            "started": pool.started,
            "killed_at_deadline": pool.killed,
            "crashed": pool.crashed,
            "resent": pool.resent,
            "network_sandbox": pool.sandboxed,
            "last_replacement_seconds": round(pool.last_replace_seconds, 4),
        }
    body["caches"] = {  # this HTTP worker's own (cmikg.cache), whatever answered this request
        "max_bytes": total_bound(),
        "bytes": sum(kept.bytes for kept in CACHES),
        "entries": sum(len(kept) for kept in CACHES),
    }
    cache = getattr(backend, "cache", None)
    if cache is not None:
        kept, used = cache.usage()
        body["result_cache"] = {
            "max_bytes": cache.max_bytes,
            "answers": kept,
            "bytes": used,
            "this_worker": vars(cache.stats),
        }
    return current_app.json.response(body)


@bp.after_request
def _query_headers(response: Response) -> Response:
    if "permalink" in g:
        link = g.permalink
        if link is not None and len(link) <= MAX_LINK_CHARS:
            response.headers.add("Link", f'<{link}>; rel="canonical"')
        started = getattr(g, "query_started", None)
        if started is not None:
            current_app.extensions["cmikg.metrics"].observe(
                time.perf_counter() - started, response.status_code, getattr(g, "evaluated", False)
            )
    return response

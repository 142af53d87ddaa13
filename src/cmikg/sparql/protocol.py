"""The SPARQL 1.1 Protocol endpoint at /sparql, its Service Description, /.well-known/void and /health.

Queries arrive by GET ``?query=``, POST ``application/x-www-form-urlencoded`` or POST
``application/sparql-query``; ``default-graph-uri`` and ``named-graph-uri`` choose the
dataset. The answer's format comes from the ``format`` parameter or the Accept header
(:mod:`cmikg.sparql.formats`). Every answer is complete or an error: the backend hands
back finished bytes, and an answer over the row cap is refused with 413.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from functools import lru_cache
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.sansio.utils import get_current_url

from cmikg.engines.backend import BadParameter, QuerySyntax
from cmikg.guard.checks import checked
from cmikg.service.app import backend_of, settings_of
from cmikg.sparql.description import serialize, service_description, void_description
from cmikg.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, Format, negotiate

#: Longest permalink sent in a Link header; HTTP clients refuse header lines much longer.
MAX_LINK_CHARS = 8000
QUERY_MEDIA_TYPE = "application/sparql-query"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

bp = Blueprint("sparql", __name__)


@dataclass
class ProtocolRequest:
    """The parts of a SPARQL Protocol request, wherever the client put them."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None


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
    )


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*")


def _iris(values: list[str], name: str) -> list[str]:
    for value in values:
        if not _IRI.fullmatch(value):
            raise BadParameter(f"the '{name}' parameter must be an absolute IRI; got {value[:200]!r}")
    return values


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    protocol = read_request()
    if protocol.query is None:
        if request.method in ("GET", "HEAD"):
            return describe_service()
        raise BadParameter("missing query: send a 'query' form field or an application/sparql-query body")
    g.permalink = permalink(protocol)
    g.query_started = time.perf_counter()
    if not protocol.query.strip():
        raise QuerySyntax("empty query: the 'query' parameter holds no SPARQL text")
    analysis = checked(protocol.query, settings_of(current_app))
    fmt = negotiate(
        GRAPH_FORMATS if analysis.is_graph else RESULT_FORMATS, request.headers.get("Accept"), protocol.format
    )
    tag = etag(protocol, fmt)
    if request.if_none_match.contains_weak(tag):
        return _with_validators(Response(status=304), tag)
    current_app.extensions["cmikg.metrics"].begin()
    g.evaluated = True
    result = backend_of(current_app).run(protocol.query, fmt.media_type, protocol.default_graphs, protocol.named_graphs)
    response = Response(result.body, content_type=fmt.content_type)
    return _with_validators(response, tag)


def permalink(protocol: ProtocolRequest) -> str:
    """A GET URL that gives the same answer (content negotiation aside)."""
    return _permalink(public_base(), protocol.query or "", tuple(protocol.default_graphs), tuple(protocol.named_graphs))


@lru_cache(maxsize=1024)
def _permalink(base: str, query: str, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> str:
    params = [("query", query)]
    params += [("default-graph-uri", uri) for uri in default_graphs]
    params += [("named-graph-uri", uri) for uri in named_graphs]
    return f"{base}sparql?{urlencode(params)}"


def public_base() -> str:
    """Where clients reach this server: the configured public URL, else the request's host."""
    return settings_of(current_app).public_base or _host_url(request.scheme, request.host)


@lru_cache(maxsize=64)
def _host_url(scheme: str, host: str) -> str:
    return get_current_url(scheme, host)  # what request.host_url gives, once per distinct host


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


@lru_cache(maxsize=8)
def _last_modified(dataset) -> str:
    return formatdate(dataset.modified, usegmt=True) if dataset is not None else ""


def describe_service() -> Response:
    """GET /sparql without a query: the Service Description, in a negotiated RDF format."""
    endpoint = f"{public_base()}sparql"
    fmt = negotiate(GRAPH_FORMATS, request.headers.get("Accept"), request.args.get("format"))
    body = _cached(
        current_app,
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

    body = _cached(current_app, ("void", endpoint, fmt.media_type), make)
    if body is None:
        return Response(
            "no VoID description: dist/void.ttl is missing (run `cmikg build`)\n", status=404, mimetype="text/plain"
        )
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def _cached(app: Flask, key: tuple, make):
    cache = app.extensions.setdefault("cmikg.documents", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


@bp.get("/health")
def health() -> Response:
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
            "started": pool.started,
            "killed_at_deadline": pool.killed,
            "crashed": pool.crashed,
            "network_sandbox": pool.sandboxed,
            "last_replacement_seconds": round(pool.last_replace_seconds, 4),
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
    link = getattr(g, "permalink", None)
    if link is not None:
        if len(link) <= MAX_LINK_CHARS:
            response.headers.add("Link", f'<{link}>; rel="canonical"')
        started = getattr(g, "query_started", None)
        if started is not None:
            current_app.extensions["cmikg.metrics"].observe(
                time.perf_counter() - started, response.status_code, getattr(g, "evaluated", False)
            )
    return response

"""The Flask application factory: one Settings, one backend, blueprints from a tuple.

Every error a request can cause is turned into a response here, in one place: a 4xx/5xx
with a plain message, never a traceback. What every response shares is added here too:
the dataset version, CORS headers, gzip when the client asks for it, and the refusal of
SPARQL Update on every route.
"""

from __future__ import annotations

import gzip
import importlib
import logging
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from cmikg.config import Settings
from cmikg.engines.backend import QueryBackend, QueryError
from cmikg.sparql.formats import COMPRESSIBLE, TEXT

if TYPE_CHECKING:
    from cmikg.guard.backend import GuardedBackend

#: Modules that each expose a blueprint ``bp``; a module not written yet is skipped.
BLUEPRINTS = (
    "cmikg.sparql.protocol",
    "cmikg.service.metrics",
    "cmikg.web.linked_data",
    "cmikg.web.pages",
    "cmikg.web.query_files",
    "cmikg.reconcile.routes",
    "cmikg.web.editors",
)
#: Bodies smaller than this are sent uncompressed: gzip would not save a packet.
GZIP_MIN_BYTES = 1024
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-Dataset-Version, Link, ETag, Last-Modified, Content-Length",
}
#: On every response: scripts only from this server's own files (no inline script, no
#: eval), nothing framed elsewhere, no MIME sniffing, and no query text leaked in Referer.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
#: What every response carries unless the route set it itself.
COMMON_HEADERS = (*CORS_HEADERS.items(), *SECURITY_HEADERS.items())

log = logging.getLogger(__name__)


def create_app(settings: Settings, backend: QueryBackend | None = None) -> Flask:
    """The app serving ``settings.dist`` through ``backend`` (default: embedded workers)."""
    from cmikg.guard.admission import Admission
    from cmikg.guard.backend import GuardedBackend
    from cmikg.service.metrics import Metrics
    from cmikg.sparql.forms import FastFormRequest

    app = Flask("cmikg.service")
    app.request_class = FastFormRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    assert isinstance(app.json, DefaultJSONProvider)
    app.json.ensure_ascii = False
    if backend is None:
        from cmikg.engines.embedded import EmbeddedBackend

        backend = EmbeddedBackend(settings)
    guarded = backend if isinstance(backend, GuardedBackend) else GuardedBackend(backend, settings)
    app.extensions["cmikg"] = guarded
    app.extensions["cmikg.settings"] = settings
    app.extensions["cmikg.metrics"] = Metrics()
    app.extensions["cmikg.admission"] = Admission(settings.threads, settings.max_client_queries)
    for name in BLUEPRINTS:
        module = _optional_module(name)
        if module is not None:
            app.register_blueprint(module.bp)
    _register_error_handlers(app)
    _register_request_checks(app)
    _register_update_refusal(app)
    _register_common_headers(app)
    return app


def backend_of(app: Flask) -> GuardedBackend:
    """The (guarded) backend every route must use."""
    return app.extensions["cmikg"]


def settings_of(app: Flask) -> Settings:
    return app.extensions["cmikg.settings"]


def admitted(app: Flask):
    """A slot for one client-written query (see :mod:`cmikg.guard.admission`)."""
    return app.extensions["cmikg.admission"].admit(request.remote_addr or "", settings_of(app).query_timeout)


def public_base(app: Flask) -> str:
    """Where clients reach this server, ending in ``/``: ``--public-base`` when given; else the
    request's Host when it is an allowed host; else the default. Never a Host header as such:
    it would end up in permalinks, the Service Description and VoID, and in caches."""
    settings = settings_of(app)
    if settings.public_base:
        return settings.public_base
    host = request.host.lower()
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if host in settings.allowed_hosts or name in settings.allowed_hosts:
        return f"{request.scheme}://{host}{request.script_root}/"
    return settings.default_base


def _optional_module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def error_response(status: int, message: str) -> Response:
    """A plain-text error: what went wrong, in words the client can act on."""
    return Response(message.rstrip("\n") + "\n", status=status, mimetype=TEXT.media_type)


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        app.extensions["cmikg.metrics"].error(exc)
        response = error_response(exc.status, str(exc))
        if exc.status in (429, 503):
            response.headers["Retry-After"] = str(getattr(exc, "retry_after", 1))
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 413:
            limit = settings_of(app).max_body_bytes
            return error_response(413, f"request body larger than the limit of {limit} bytes")
        response = error_response(exc.code or 500, f"{exc.name}: {exc.description}")
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, f"internal error ({type(exc).__name__}); the request was not answered")


def _register_request_checks(app: Flask) -> None:
    """Before anything reads the request: a query string that is UTF-8, and a chunked body
    read whole, under the body limit, so no route ever sees a body that was cut short."""
    from cmikg.service.body import buffer_chunked_body, check_query_string

    @app.before_request
    def check_request():
        check_query_string(request.environ)
        buffer_chunked_body(request.environ, settings_of(app).max_body_bytes)


def _register_update_refusal(app: Flask) -> None:
    from cmikg.guard.allowlist import refuse_update_request

    @app.before_request
    def refuse_updates():
        mimetype = request.mimetype
        fields = set(request.args)
        if mimetype == "application/x-www-form-urlencoded":
            fields |= set(request.form)
        refuse_update_request(mimetype, fields)


def _register_common_headers(app: Flask) -> None:
    @app.after_request
    def common_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # one pass, not one scan per header
        if "x-dataset-version" not in present:
            headers.add("X-Dataset-Version", _version(app))
        for name, value in COMMON_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match"
            response.headers["Access-Control-Max-Age"] = "86400"
        return _gzip(response)


def _version(app: Flask) -> str:
    """The dataset version, or "unavailable" when the backend cannot say (a store that is down)."""
    try:
        return backend_of(app).version()
    except QueryError:
        return "unavailable"


def _gzip(response: Response) -> Response:
    """Compress when the client accepts gzip and it pays off."""
    vary = response.headers.get("Vary")
    response.headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code >= 300
        or "Content-Encoding" in response.headers
        or not _accepts_gzip()
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
    ):
        return response
    body = response.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response


def _accepts_gzip() -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False

"""The Flask application factory: one Settings, one backend, blueprints from a tuple.

Every error a request can cause is turned into a response here, in one place: a 4xx/5xx
with a plain message, never a traceback, and every response carries the dataset version.
"""

from __future__ import annotations

import importlib
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from cmikg.config import Settings
from cmikg.service.backend import QueryBackend, QueryError

#: Modules that each expose a blueprint ``bp``; a module not written yet is skipped.
BLUEPRINTS = (
    "cmikg.service.sparql",
    "cmikg.service.linked_data",
    "cmikg.service.pages",
)

log = logging.getLogger(__name__)


def create_app(settings: Settings, backend: QueryBackend | None = None) -> Flask:
    """The app serving ``settings.dist`` through ``backend`` (default: embedded workers)."""
    app = Flask("cmikg.service")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False
    if backend is None:
        from cmikg.service.embedded import EmbeddedBackend
        backend = EmbeddedBackend(settings)
    from cmikg.service.safety import GuardedBackend
    guarded = backend if isinstance(backend, GuardedBackend) else GuardedBackend(backend, settings)
    app.extensions["cmikg"] = guarded
    app.extensions["cmikg.settings"] = settings
    for name in BLUEPRINTS:
        module = _optional_module(name)
        if module is not None:
            app.register_blueprint(module.bp)
    _register_error_handlers(app)
    _register_common_headers(app)
    return app


def backend_of(app: Flask) -> QueryBackend:
    """The (guarded) backend every route must use."""
    return app.extensions["cmikg"]


def settings_of(app: Flask) -> Settings:
    return app.extensions["cmikg.settings"]


def _optional_module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def error_response(status: int, message: str) -> Response:
    """A plain-text error: what went wrong, in words the client can act on."""
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        _count_error(app, exc)
        return error_response(exc.status, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 413:
            limit = settings_of(app).max_body_bytes
            return error_response(413, f"request body larger than the limit of {limit} bytes")
        return error_response(exc.code or 500, f"{exc.name}: {exc.description}")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, f"internal error ({type(exc).__name__}); the query was not answered")


def _count_error(app: Flask, exc: QueryError) -> None:
    metrics = app.extensions.get("cmikg.metrics")
    if metrics is not None:
        metrics.error(exc)


def _register_common_headers(app: Flask) -> None:
    @app.after_request
    def dataset_headers(response: Response) -> Response:
        response.headers.setdefault("X-Dataset-Version", backend_of(app).version())
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        response.headers.setdefault("Access-Control-Expose-Headers",
                                    "X-Dataset-Version, Link, ETag, Last-Modified, Content-Length")
        return response

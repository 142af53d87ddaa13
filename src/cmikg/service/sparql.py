"""The SPARQL 1.1 Protocol endpoint at /sparql (filled in below)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from cmikg.service.app import backend_of
from cmikg.service.backend import QuerySyntax

bp = Blueprint("sparql", __name__)


@bp.get("/health")
def health() -> Response:
    backend = backend_of(current_app)
    return current_app.json.response({"status": "ok", "triples": backend.triple_count(),
                                      "version": backend.version()})


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query = request.values.get("query", "")
    if not query.strip():
        raise QuerySyntax("no query: pass the SPARQL text in the 'query' parameter")
    result = backend_of(current_app).run(query, "application/sparql-results+json")
    return Response(result.body, mimetype=result.media_type)

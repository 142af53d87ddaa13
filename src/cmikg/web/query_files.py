"""A data URL for every question of the gallery: ``/queries/NAME.rq`` and its answer as CSV, JSON or TSV.

``pd.read_csv("https://…/queries/personnel-abroad-over-time.csv")`` is then all a
researcher needs. Answers go through the guarded backend like any query sent to
``/sparql`` (same limits, same errors). Each answer carries an ETag made from the dataset
version, the query's name, its text and the format, so a client or proxy that repeats the
request with ``If-None-Match`` gets ``304 Not Modified`` without the query being run again;
the ETag changes as soon as the dataset or the query does.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request, url_for

from cmikg.service.app import backend_of, error_response, settings_of
from cmikg.sparql import formats
from cmikg.web import gallery

bp = Blueprint("query_files", __name__)

#: What each suffix serves: the query text itself, or its answer in a SPARQL results format.
MEDIA_TYPES = {f.suffix: f.media_type for f in formats.QUERY_FILE_FORMATS}
#: How long a client may reuse an answer before asking again (with its ETag).
MAX_AGE_SECONDS = 300


def data_urls(name: str) -> dict[str, str]:
    """Suffix → URL of one example's text and answers (for the query page and the gallery)."""
    return {suffix: url_for("query_files.query_file", name=name, suffix=suffix) for suffix in MEDIA_TYPES}


bp.add_app_template_global(data_urls)


def etag(version: str, name: str, suffix: str, text: str) -> str:
    digest = hashlib.sha256("\0".join((version, name, suffix, text)).encode("utf-8")).hexdigest()
    return f'"{digest[:32]}"'


def _matches(header: str, tag: str) -> bool:
    """If-None-Match holds this ETag (or ``*``); weak tags compare equal, as RFC 9110 says for GET."""
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or tag in candidates


@bp.get("/queries/<name>.<suffix>")
def query_file(name: str, suffix: str) -> Response:
    media = MEDIA_TYPES.get(suffix)
    if media is None:
        return error_response(404, f"no format {suffix!r} for a query; use .{', .'.join(MEDIA_TYPES)}")
    chosen = gallery.example(settings_of(current_app), name)
    if chosen is None:
        names = ", ".join(e.name for e in gallery.examples(settings_of(current_app)))
        return error_response(404, f"no query named {name!r}; the queries are: {names}")
    backend = backend_of(current_app)
    tag = etag(backend.version(), name, suffix, chosen.text)
    if _matches(request.headers.get("If-None-Match", ""), tag):
        response = Response(status=304)
    elif suffix == "rq":
        response = Response(chosen.text, mimetype=media)
    else:
        result = backend.run(chosen.text, media)
        response = Response(result.body, content_type=formats.content_type(result.media_type))
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    response.headers["Content-Disposition"] = f'inline; filename="{name}.{suffix}"'
    return response

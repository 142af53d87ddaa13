"""Linked Data: the project's IRIs resolve on this server, for people and for programs.

Following "Cool URIs for the Semantic Web" (W3C note, section 4.3), an entity IRI
``/id/<path>`` names the thing itself and is answered with ``303 See Other`` to a document
about it, ``/doc/<path>.<suffix>``, chosen by the Accept header (or by a suffix on the IRI).
``/doc/<path>`` without a suffix negotiates in place (``Content-Location`` names the
variant). The ontology uses hash IRIs, so ``/ontology`` is served directly. The dataset's
dumps are served from ``/download/<file>``, exactly the files ``dist/SHA256SUMS`` lists.
"""

from __future__ import annotations

import base64
import json

from flask import (
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue

from cmikg import dist, rdfio
from cmikg.engines.backend import BadParameter, NotAcceptable
from cmikg.iris import DATASET, ONTOLOGY_IRI
from cmikg.sparql import negotiation
from cmikg.sparql.formats import DOCUMENT_FORMATS, HTML, JSONLD, NTRIPLES, OWL_XML, RDFXML, TEXT, TURTLE, Format
from cmikg.web.content import dataset_info, entity, page_queries
from cmikg.web.content.ontology_doc import documentation
from cmikg.web.links import entity_iri, entity_path
from cmikg.web.pages import render_entity
from cmikg.web.templating import blueprint

bp = blueprint("linked_data", __name__)
FORMATS = DOCUMENT_FORMATS
RDF_FORMATS = DOCUMENT_FORMATS[1:]


def negotiate() -> Format | None:
    """The best document format for this request's Accept header; None when none is acceptable."""
    try:
        return negotiation.negotiate(FORMATS, request.headers.get("Accept"))
    except NotAcceptable:
        return None


# --- entities ------------------------------------------------------------------------------------


@bp.get("/id/<path:path>")
def identifier(path: str) -> ResponseReturnValue:
    """303 from the thing to the document about it, in the format the client asked for."""
    choice = _choose(path)
    if isinstance(choice, Response):
        return choice
    stem, _, chosen = choice
    response = redirect(url_for(".document", path=f"{stem}.{chosen.suffix}"), code=303)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<path:path>")
def document(path: str) -> Response:
    """The document about an entity: HTML page or RDF, by suffix or by negotiation."""
    choice = _choose(path)
    if isinstance(choice, Response):
        return choice
    stem, named, chosen = choice
    response = _entity_html(stem) if chosen is HTML else _entity_rdf(stem, chosen)
    if named is None:
        response.vary.add("Accept")
        response.headers["Content-Location"] = url_for(".document", path=f"{stem}.{chosen.suffix}")
    _link_alternates(response, lambda f: url_for(".document", path=f"{stem}.{f.suffix}"))
    return response


def _choose(path: str) -> tuple[str, Format | None, Format] | Response:
    """The entity's path, the format a suffix names and the format to serve; or the 404/406 to send."""
    stem, named = _resolve(path)
    if stem is None:
        return not_found(entity_iri(path))
    chosen = named or negotiate()
    if chosen is None:
        return _not_acceptable()
    return stem, named, chosen


def _resolve(path: str) -> tuple[str | None, Format | None]:
    """The entity path and the format a suffix names; (None, None) when nothing is known of it."""
    stem, fmt = negotiation.by_suffix(FORMATS, path)
    if fmt is not None and _exists(entity_iri(stem)):
        return stem, fmt
    if _exists(entity_iri(path)):
        return path, None
    return None, None


def _exists(iri: str) -> bool:
    try:
        return bool(page_queries.select("exists", this=iri))
    except BadParameter:
        return False


def _entity_html(path: str) -> Response:
    iri = entity_iri(path)
    if iri == str(DATASET):
        return Response(render_dataset(), mimetype=HTML.media_type)
    page = entity.load(iri)
    if page is None:
        return not_found(iri)
    return Response(render_entity(page, alternates("/doc/" + path)), mimetype=HTML.media_type)


def _entity_rdf(path: str, fmt: Format) -> Response:
    iri = entity_iri(path)
    result = page_queries.backend().run(
        page_queries.bind(page_queries.query_text("describe"), this=iri), NTRIPLES.media_type
    )
    ntriples = result.body.decode("utf-8")
    if not ntriples.strip():
        return not_found(iri)
    return Response(rdfio.rewrite(ntriples, fmt, _context(), about=iri), mimetype=fmt.media_type)


def _context() -> dict:
    """The JSON-LD @context the build generated (read once per process)."""
    path = page_queries.settings().dist / dist.CONTEXT
    return page_queries.cached(
        "jsonld-context", lambda: json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    )


def alternates(base: str) -> list[tuple[str, str, str]]:
    """(label, URL, media type) of every RDF variant of the document at ``base``."""
    return [(f.label, request.script_root + f"{base}.{f.suffix}", f.media_type) for f in RDF_FORMATS]


def _link_alternates(response: Response, url) -> None:
    links = [f'<{url(f)}>; rel="alternate"; type="{f.media_type}"' for f in FORMATS]
    response.headers["Link"] = ", ".join(links)


def not_found(iri: str) -> Response:
    """A real 404 page: the IRI is well formed but the graph says nothing about it."""
    if negotiate() in (HTML, None):
        body = render_template("not_found.html", iri=iri)
        return Response(body, status=404, mimetype=HTML.media_type)
    return Response(f"not found: the graph says nothing about <{iri}>\n", status=404, mimetype=TEXT.media_type)


def _not_acceptable() -> Response:
    return Response(negotiation.not_acceptable_message(FORMATS) + "\n", status=406, mimetype=TEXT.media_type)


# --- the ontology ------------------------------------------------------------------------------

#: The built files that hold the ontology in each RDF format (N-Triples and JSON-LD are derived).
ONTOLOGY_FILES = {TURTLE.suffix: dist.ONTOLOGY_TTL, RDFXML.suffix: dist.ONTOLOGY_OWL}


@bp.get("/ontology")
@bp.get("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    """The documentation page, or the ontology itself as RDF; term IRIs (#Term) land on anchors."""
    fmt = _suffix_format(suffix) if suffix else negotiate()
    if fmt is None:
        return _not_acceptable()
    if fmt is HTML:
        body = render_template("ontology.html", doc=documentation(), alternates=alternates("/ontology"))
        response = Response(body, mimetype=HTML.media_type)
    else:
        response = Response(_ontology_rdf(fmt), mimetype=fmt.media_type)
    if suffix is None:
        response.vary.add("Accept")
        response.headers["Content-Location"] = url_for(".ontology", suffix=fmt.suffix)
    _link_alternates(response, lambda f: url_for(".ontology", suffix=f.suffix))
    return response


def _suffix_format(suffix: str) -> Format | None:
    if suffix == OWL_XML.suffix:
        return RDFXML
    _, fmt = negotiation.by_suffix(FORMATS, "x." + suffix)
    if fmt is None:
        abort(404)
    return fmt


def _ontology_rdf(fmt: Format) -> bytes:
    folder = page_queries.settings().dist
    name = ONTOLOGY_FILES.get(fmt.suffix)
    if name and (folder / name).is_file():
        return (folder / name).read_bytes()
    triples = rdfio.parse((folder / ONTOLOGY_FILES[TURTLE.suffix]).read_bytes(), TURTLE)
    return rdfio.serialize(triples, fmt, _context() if fmt is JSONLD else None, about=ONTOLOGY_IRI)


@bp.get("/ontology/<version>")
def ontology_version(version: str) -> ResponseReturnValue:
    """The version IRI of the ontology: 303 to the ontology when it is the one served."""
    if documentation().version != version:
        return not_found(f"{ONTOLOGY_IRI}/{version}")
    return redirect(url_for(".ontology"), code=303)


# --- the dataset and its dumps -------------------------------------------------------------------


@bp.get("/dataset")
def dataset() -> ResponseReturnValue:
    """The dataset's page: what it is, its licence and version, counts, and the downloads."""
    return redirect(url_for(".document", path=entity_path(str(DATASET))))


def render_dataset() -> str:
    from cmikg.web.content import citation

    settings = page_queries.settings()
    backend = page_queries.backend()
    about, version = dataset_info.about(), backend.version()
    sha256 = dataset_info.checksums(settings).get(dist.DUMP_NT, "")
    return render_template(
        "dataset.html",
        about=about,
        bibtex=citation.bibtex(about, version, sha256),
        csl_json=citation.csl_json(about, version, sha256),
        downloads=dataset_info.downloads(settings),
        counts=dataset_info.class_counts(),
        triples=backend.triple_count(),
        version=version,
        alternates=alternates(f"/doc/{entity_path(str(DATASET))}"),
    )


@bp.get("/download/<name>")
def download(name: str) -> Response:
    """A file of the build, only those SHA256SUMS lists; its checksum as the ETag."""
    settings = page_queries.settings()
    sums = dataset_info.checksums(settings)
    if not dist.downloadable(name) or (name not in sums and name != dataset_info.CHECKSUMS):
        return Response(
            f"no such download: {name!r}; see {url_for('.dataset')}\n", status=404, mimetype=TEXT.media_type
        )
    response = send_from_directory(
        settings.dist,
        name,
        mimetype=dataset_info.media_type(name),
        conditional=True,
        etag=sums.get(name) or True,
        max_age=3600,
    )
    if name in sums:
        digest = base64.b64encode(bytes.fromhex(sums[name])).decode("ascii")
        response.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    return response

"""The pages a person browses: home and search, entity pages, the source text, the query page, charts.

Every page gets its data through the backend (``page_queries``), so the same pages work
when the service is pointed at an external SPARQL store.
"""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for

from cmikg.engines.backend import QueryError
from cmikg.namespaces import CMI
from cmikg.service.app import admitted, public_base
from cmikg.web import gallery, results
from cmikg.web import search as label_search
from cmikg.web.content import charts as chart_data
from cmikg.web.content import page_queries
from cmikg.web.content.charts import entity_charts
from cmikg.web.content.entity import EntityPage
from cmikg.web.content.nodes import Reference
from cmikg.web.content.source_text import Span, blocks
from cmikg.web.content.vocabulary import vocabulary
from cmikg.web.links import entity_iri, entity_path, href, short
from cmikg.web.templating import STATIC, blueprint

bp = blueprint("pages", __name__, static_folder=str(STATIC), static_url_path="/assets")

#: Rows shown on the query page; the downloads carry the whole answer.
SHOWN_ROWS = 1000
#: Download formats of the query page, by file suffix.
DOWNLOADS = {
    "csv": "text/csv",
    "json": "application/sparql-results+json",
    "nt": "application/n-triples",
    "ttl": "text/turtle",
}


@bp.app_template_global()
@bp.app_template_filter()
def label_of(iri: str) -> str:
    """The English label of an ontology term or a project IRI, else the IRI shortened."""
    if iri.startswith(str(CMI)):
        return vocabulary().label(iri)
    entry = label_search.index().get(iri)
    return entry.label if entry else short(iri)


def text_sources() -> dict[str, str]:
    """Source IRI → repository path of its text file, for sources shipped with the graph."""
    return page_queries.cached(
        "text-sources", lambda: {r["source"].value: r["textFile"].value for r in page_queries.select("text-sources")}
    )


@bp.app_template_global()
def quote_href(ref: Reference) -> str:
    """The quote's place in the source text page, when the text it is reported in is shipped."""
    source = ref.reported_in.iri if ref.reported_in else ""
    if not ref.anchor or source not in text_sources():
        return ""
    return url_for("pages.source_text", path=entity_path(source)) + "#" + ref.anchor


# --- home and search -------------------------------------------------------------------------------


@bp.get("/")
def home() -> str:
    figures = page_queries.select("home-figures")
    return render_template(
        "home.html",
        figures=figures[0] if figures else {},
        programs=page_queries.select("home-programs"),
        countries=page_queries.select("home-countries"),
    )


@bp.get("/search")
def search() -> str:
    query = request.args.get("q", "").strip()
    hits = label_search.search(query) if query else []
    return render_template("search.html", query=query, hits=hits)


# --- entity pages (served by linked_data at /doc/...) ------------------------------------------


def render_entity(page: EntityPage, alternates: list[tuple[str, str, str]]) -> str:
    about = [c for name in ("self", "about") for c in page.claims.get(name, [])]
    text_link = url_for("pages.source_text", path=page.path) if page.iri in text_sources() else ""
    return render_template(
        "entity.html",
        page=page,
        alternates=alternates,
        charts=entity_charts(about),
        canonical=href(page.iri),
        text_link=text_link,
    )


# --- the source text ---------------------------------------------------------------------------


@bp.get("/text")
def source_text_default() -> Response:
    """The first shipped source text (the article every quote points into)."""
    sources = sorted(text_sources())
    if not sources:
        abort(404, "no source text is recorded in the graph (cmi:textFile)")
    return source_text(entity_path(sources[0]))


@bp.get("/text/<path:path>")
def source_text(path: str) -> Response:
    """The source text with every quoted span highlighted and linked to what cites it."""
    iri = entity_iri(path)
    relative = text_sources().get(iri)
    if relative is None:
        abort(404, f"no shipped text for <{iri}>")
    file = (page_queries.settings().root / relative).resolve()
    if page_queries.settings().root.resolve() not in file.parents or not file.is_file():
        abort(404, f"the text file {relative} recorded for <{iri}> is not in the project")
    content = file.read_text(encoding="utf-8")
    quotes = page_queries.select("source-quotes", this=iri)
    spans = [Span(int(r["start"].value), int(r["end"].value)) for r in quotes]
    citations: dict[str, list] = {}
    for r in quotes:
        citations.setdefault(Span(int(r["start"].value), int(r["end"].value)).anchor, []).append(r)
    body = render_template(
        "source_text.html",
        iri=iri,
        label=label_of(iri),
        relative=relative,
        blocks=blocks(content, spans),
        citations=citations,
        length=len(content),
        quote_count=len(set(spans)),
    )
    return Response(body, mimetype="text/html")


# --- the query page -----------------------------------------------------------------------------


@bp.route("/query", methods=["GET", "POST"])
def query() -> Response:
    settings = page_queries.settings()
    examples = gallery.examples(settings)
    chosen = gallery.example(settings, request.values.get("example", ""))
    text_ = request.values.get("query", "")
    if chosen and not text_:
        text_ = chosen.text
    table, error, status = None, None, 200
    if text_.strip() and (request.values.get("run") or "query" in request.values or chosen):
        try:
            with admitted(current_app):
                table = results.run(page_queries.backend(), text_)
        except QueryError as exc:
            error, status = results.explain(exc.status, str(exc), text_), exc.status
    body = render_template(
        "query.html",
        examples=examples,
        chosen=chosen,
        query=text_,
        table=table,
        error=error,
        shown=SHOWN_ROWS,
        permalink=_permalink(text_),
        endpoint=_endpoint_url(),
    )
    return Response(body, status=status, mimetype="text/html")


def _endpoint_url() -> str:
    """The endpoint's public address (``--public-base``), else this server's own."""
    return public_base(current_app) + "sparql"


def _permalink(query_text: str) -> str:
    return url_for("pages.query", query=query_text, _external=False) if query_text.strip() else ""


@bp.route("/query/results.<fmt>", methods=["GET", "POST"])
def query_download(fmt: str) -> Response:
    """The whole answer as a file: CSV or SPARQL JSON for tables, N-Triples or Turtle for graphs."""
    media = DOWNLOADS.get(fmt)
    if media is None:
        abort(404, f"no download format {fmt!r}: use results.{', results.'.join(DOWNLOADS)}")
    query_text = request.values.get("query", "")
    if not query_text.strip():
        abort(400, "no query: pass the SPARQL text in the 'query' parameter")
    with admitted(current_app):
        result = page_queries.backend().run(query_text, media)
    response = Response(result.body, mimetype=result.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="cmikg-results.{fmt}"'
    return response


# --- charts -------------------------------------------------------------------------------------

CHARTS = ("personnel", "hosts", "disasters")


def _chart_context(by: str) -> dict:
    personnel, personnel_rows = chart_data.personnel_chart()
    return {
        "personnel": personnel,
        "personnel_rows": personnel_rows,
        "hosts": chart_data.hosts_chart(by),
        "by": by,
        "timeline": chart_data.disaster_timeline(),
    }


@bp.get("/charts")
def charts() -> str:
    by = "personnel" if request.args.get("by") == "personnel" else "missions"
    context = _chart_context(by)
    return render_template("charts.html", ctx=context, **context)


@bp.get("/charts/<name>.svg")
def chart_svg(name: str) -> Response:
    """One chart as a standalone SVG file (for slides and papers)."""
    if name not in CHARTS:
        abort(404, f"no chart {name!r}; charts: {', '.join(CHARTS)}")
    by = "personnel" if request.args.get("by") == "personnel" else "missions"
    body = render_template("chart_file.svg", name=name, ctx=_chart_context(by))
    return Response(body, mimetype="image/svg+xml")

"""The pages a person browses: home and search, entity pages, the source text, the query page, charts.

Every page gets its data through the backend (``page_queries``), so the same pages work
when the service is pointed at an external SPARQL store.
"""

from __future__ import annotations

import re

from flask import Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from cmikg import dist
from cmikg.engines.backend import QueryError
from cmikg.iris import BASE, CMI, PREFIXES
from cmikg.service.app import admitted, public_base
from cmikg.sparql import formats
from cmikg.web import gallery, results
from cmikg.web import search as label_search
from cmikg.web.content import charts as chart_data
from cmikg.web.content import page_queries, world_map
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
DOWNLOADS = {f.suffix: f.media_type for f in formats.QUERY_PAGE_DOWNLOADS}


@bp.app_template_global()
@bp.app_template_filter()
def label_of(iri: str) -> str:
    """The English label of an ontology term or a project IRI, else the IRI shortened."""
    if iri.startswith(str(CMI)):
        return vocabulary().label(iri)
    entry = label_search.index().get(iri)
    return entry.label if entry else short(iri)


#: A prefixed name of the project's (``org:psuv``, ``cmi:Claim``) as curators write them in notes.
_CURIE = re.compile(
    r"\b(" + "|".join(p for p, ns in PREFIXES.items() if ns.startswith(BASE)) + r"):([A-Za-z0-9](?:[\w.-]*\w)?)"
)


@bp.app_template_filter()
def linked_note(note: str) -> Markup:
    """A note or description with every entity or term it names (``org:psuv``, ``cmi:respondsTo``)
    as a link labelled with that thing's name."""

    def link(found: re.Match) -> str:
        iri = PREFIXES[found.group(1)] + found.group(2)
        return f'<a href="{escape(href(iri))}">{escape(label_of(iri))}</a>'

    parts, last = [], 0
    for found in _CURIE.finditer(note):
        parts += [str(escape(note[last : found.start()])), link(found)]
        last = found.end()
    return Markup("".join([*parts, str(escape(note[last:]))]))


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


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon where browsers look for it (an SVG; every current browser draws it)."""
    return bp.send_static_file("favicon.svg")


@bp.app_template_global()
def search_quote_href(hit: label_search.Hit) -> str:
    """Where a quote found by search sits in its source text, when that text is shipped."""
    if not hit.anchor or hit.source not in text_sources():
        return ""
    return url_for("pages.source_text", path=entity_path(hit.source)) + "#" + hit.anchor


# --- home and search -------------------------------------------------------------------------------


@bp.get("/")
def home() -> str:
    figures = page_queries.select("home-figures")
    return render_template(
        "home.html",
        figures=figures[0] if figures else {},
        programs=page_queries.select("home-programs"),
        countries=page_queries.select("home-countries"),
        map=world_map.world_map(),
    )


@bp.get("/search")
def search() -> Response:
    """Full-text search; a facet (``type``) or page (``page``) that does not exist is a 400."""
    query = request.args.get("q", "").strip()
    facet = request.args.get("type", "")
    if facet and facet not in label_search.FACETS:
        return _bad_request(f"unknown type={facet!r}; types: {', '.join(label_search.FACETS)}")
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        return _bad_request(f"page={page!r} is not a page number (1, 2, 3…)")
    found = label_search.search(query, facet, int(page)) if query else None
    if found is not None and found.total and int(page) > found.pages:
        return _bad_request(f"page={page} is past the last page of results ({found.pages})")
    body = render_template("search.html", query=query, found=found, facet=facet, facets=label_search.FACETS)
    return Response(body, mimetype=formats.HTML.media_type)


def _bad_request(message: str) -> Response:
    return Response(render_template("bad_request.html", message=message), status=400, mimetype=formats.HTML.media_type)


# --- entity pages (served by linked_data at /doc/...) ------------------------------------------


def render_entity(page: EntityPage, alternates: list[tuple[str, str, str]]) -> str:
    about = [c for name in ("self", "about") for c in page.claims.get(name, [])]
    dated = about + page.claims.get("mentions", [])
    text_link = url_for("pages.source_text", path=page.path) if page.iri in text_sources() else ""
    return render_template(
        "entity.html",
        page=page,
        alternates=alternates,
        summary=_country_summary(page),
        timeline=chart_data.claim_timeline(dated) if not page.is_claim else None,
        timeline_narrow=chart_data.claim_timeline(dated, width=NARROW) if not page.is_claim else None,
        charts=entity_charts(about),
        charts_narrow=entity_charts(about, width=NARROW),
        canonical=href(page.iri),
        text_link=text_link,
    )


def _country_summary(page: EntityPage) -> world_map.CountrySummary | None:
    if not any(t.iri == str(CMI.Country) for t in page.types):
        return None
    host = vocabulary().label(str(CMI.hostCountry))
    hosted = [(v.iri, v.text) for name, values in page.linked_from if name == host for v in values if v.iri]
    return world_map.country_summary(page.iri, hosted, len(page.disagreements))


# --- the source text ---------------------------------------------------------------------------


@bp.get("/text")
def source_text_default() -> Response:
    """The first shipped source text (the article every quote points into)."""
    sources = sorted(text_sources())
    if not sources:
        abort(404, "no source text is recorded in the graph (cmi:textFile)")
    return source_text(entity_path(sources[0]) or "")


@bp.get("/text/<path:path>")
def source_text(path: str) -> Response:
    """The source text with every quoted span highlighted and linked to what cites it."""
    iri = entity_iri(path)
    relative = text_sources().get(iri)
    if relative is None:
        abort(404, f"no shipped text for <{iri}>")
    file = dist.shipped_file(page_queries.settings().dist, relative)
    if file is None or not file.is_file():
        abort(404, f"the text file {relative} recorded for <{iri}> is not in the build")
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
    return Response(body, mimetype=formats.HTML.media_type)


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
    return Response(body, status=status, mimetype=formats.HTML.media_type)


@bp.get("/query/terms.json")
def query_terms() -> ResponseReturnValue:
    """What the editor completes: the prefixes, and every ontology term and entity as a prefixed name with its label."""
    names = {short(iri): label for iri, label in _labelled_terms() if short(iri) != iri}
    body = {
        "prefixes": PREFIXES,
        "terms": [{"name": name, "label": label} for name, label in sorted(names.items())],
    }
    response = current_app.json.response(body)
    response.headers["Cache-Control"] = "max-age=3600"
    return response


def _labelled_terms() -> list[tuple[str, str]]:
    vocab = vocabulary()
    terms = [(iri, vocab.label(iri)) for iri in vocab.labels]
    return terms + [(iri, entry.label) for iri, entry in label_search.index().items()]


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


# --- the map ------------------------------------------------------------------------------------


@bp.get("/map")
def world() -> Response:
    """Host countries on a world map, narrowed to one source (IRI) and one decade when asked."""
    try:
        chosen = world_map.world_map(request.args.get("source", ""), request.args.get("period", ""))
    except world_map.BadChoice as exc:
        return _bad_request(str(exc))
    return Response(render_template("map.html", map=chosen), mimetype=formats.HTML.media_type)


# --- charts -------------------------------------------------------------------------------------

CHARTS = ("personnel", "hosts", "disasters")


#: Width of the charts drawn for phones: at 390 px their 12-unit text stays above 11 px.
NARROW = 320


def _chart_context(by: str, narrow: bool = True) -> dict:
    personnel, personnel_rows = chart_data.personnel_chart()
    context: dict[str, object] = {
        "personnel": personnel,
        "personnel_rows": personnel_rows,
        "hosts": chart_data.hosts_chart(by),
        "by": by,
        "timeline": chart_data.disaster_timeline(),
    }
    if narrow:
        context["narrow"] = {
            "personnel": chart_data.personnel_chart(NARROW)[0],
            "hosts": chart_data.hosts_chart(by, NARROW),
            "by": by,
            "timeline": chart_data.disaster_timeline(NARROW),
        }
    return context


@bp.get("/charts")
def charts() -> str:
    by = "missions" if request.args.get("by") == "missions" else "personnel"
    context = _chart_context(by)
    return render_template("charts.html", ctx=context, **context)


@bp.get("/charts/<name>.svg")
def chart_svg(name: str) -> Response:
    """One chart as a standalone SVG file (for slides and papers)."""
    if name not in CHARTS:
        abort(404, f"no chart {name!r}; charts: {', '.join(CHARTS)}")
    by = "missions" if request.args.get("by") == "missions" else "personnel"
    body = render_template("chart_file.svg", name=name, ctx=_chart_context(by, narrow=False))
    return Response(body, mimetype=formats.SVG.media_type)

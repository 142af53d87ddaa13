"""The pages over plain HTTP: search, entity pages, the source text, the query page, charts.
Every expected value comes from the built dump (``oracle``) or from the example query files."""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from cmikg.namespaces import CMI
from tests.conftest import ROOT
from tests.web import oracle

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLES = sorted((ROOT / "queries").glob("*.rq"))
#: Rows the query page shows before pointing at the downloads.
SHOWN_ROWS = 1000


def hrefs(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


def test_search_ignores_accents_and_case_in_english_and_spanish(pages, graph):
    labels = [
        (s, str(o))
        for s, o in graph.subject_objects(RDFS.label)
        if str(s).startswith(oracle.ENTITY_SPACE)
        and isinstance(o, Literal)
        and o.language in ("en", "es")
        and oracle.fold(str(o)) != str(o).lower()
        and s not in oracle.claims(graph)
    ]
    assert labels, "the graph has no accented label to search for"
    for entity, label in labels[:40]:
        typed = oracle.fold(label).upper()
        page = pages.get("/search?q=" + quote(typed))
        assert page.status_code == 200
        assert f"/doc/{oracle.path_of(entity)}" in hrefs(page.text), (typed, entity)


def test_search_for_nothing_says_so(pages):
    page = pages.get("/search?q=" + quote("zzqx no such name"))
    assert page.status_code == 200 and "Nothing matches" in page.text


def test_an_entity_page_shows_every_claim_about_it_with_its_sources(pages, graph):
    program = oracle.program_with_spanish_name(graph)
    page = pages.get(f"/doc/{oracle.path_of(program)}").text
    about = oracle.claims_about(graph, program)
    section = html.unescape(page.split('id="claims-about"', 1)[1].split("</section>", 1)[0]) if about else ""
    assert len(re.findall(r'<article class="claim', section)) == len(about)
    for claim in about:
        assert f"/doc/{oracle.path_of(claim)}" in section
        for source in oracle.stated_in(graph, claim):
            assert f"/doc/{oracle.path_of(source)}" in section
        for ref in graph.objects(claim, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")):
            assert str(graph.value(ref, CMI.quote)) in section
    for qid in oracle.wikidata_links(graph, program):
        assert qid in page


def test_contested_claims_are_shown_side_by_side(pages, graph):
    pairs = sorted(
        (a, b)
        for link in (CMI.contradicts, CMI.disputes)
        for a, b in graph.subject_objects(link)
        if (a, CMI.subject, None) in graph and (b, RDF.type, None) in graph
    )
    assert pairs, "the graph links disputed claims (cmi:disputes), so some page must show a pair"
    claim, other = pairs[0]
    subject = graph.value(claim, CMI.subject)
    page = pages.get(f"/doc/{oracle.path_of(subject)}").text
    section = page.split('id="disagreements"', 1)[1].split("</section>", 1)[0]
    blocks = section.split('<div class="disagreement">')[1:]
    assert any(f"/doc/{oracle.path_of(claim)}" in b and f"/doc/{oracle.path_of(other)}" in b for b in blocks)
    assert "contested" in section


@pytest.fixture(scope="module")
def article(graph: Graph) -> tuple[URIRef, str]:
    sources = sorted(graph.subjects(CMI.textFile, None))
    assert sources, "no source records a text file"
    source = sources[0]
    return source, (ROOT / oracle.text_file(graph, source)).read_text(encoding="utf-8")


def test_the_source_text_is_served_whole_with_every_quote_highlighted_at_its_place(pages, graph, article):
    source, text = article
    page = pages.get(f"/text/{oracle.path_of(source)}")
    assert page.status_code == 200
    parsed = oracle.text_of(page.text, "text")
    assert "".join(parsed.parts) == text.replace("\n", "")
    quotes = [q for q in oracle.quotes(graph) if q.reported_in == source]
    assert quotes
    for q in quotes:
        assert q.anchor in parsed.anchors, q
        assert "".join(parsed.by_quote.get(q.anchor, [])) == text[q.start : q.end] == q.text, q
        assert f'href="/doc/{oracle.path_of(q.holder)}"' in page.text


def test_a_claim_links_each_quote_to_its_place_in_the_text(pages, graph, article):
    source, _ = article
    quote_ = next(q for q in oracle.quotes(graph) if q.reported_in == source and q.holder in oracle.claims(graph))
    page = pages.get(f"/doc/{oracle.path_of(quote_.holder)}").text
    assert f'href="/text/{oracle.path_of(source)}#{quote_.anchor}"' in page


@pytest.fixture(scope="module")
def store(site_data) -> ox.Store:
    """The dump in an Oxigraph store of the test's own, to know what each query must return."""
    loaded = ox.Store()
    loaded.load(path=str(site_data.dataset_file), format=ox.RdfFormat.N_TRIPLES)
    return loaded


def rows_of(store: ox.Store, query: str) -> list:
    result = store.query(query)
    return list(result) if isinstance(result, ox.QuerySolutions) else []


def test_the_gallery_lists_every_example_with_its_question(pages):
    assert EXAMPLES, "queries/ holds no example"
    page = html.unescape(pages.get("/query").text)
    for path in EXAMPLES:
        question = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        assert question.startswith("#"), f"{path.name}: the first line is not the question"
        assert question.lstrip("#").strip() in page, path.name
        assert f"/query?example={path.stem}" in page


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_each_example_runs_from_the_gallery_with_all_its_rows(pages, store, path):
    page = pages.get(f"/query?example={path.stem}")
    assert page.status_code == 200, page.text[:500]
    rows = rows_of(store, path.read_text(encoding="utf-8"))
    table = page.text.split('id="results-table"', 1)[1].split("</table>", 1)[0] if rows else ""
    assert table.count("<tr>") - 1 == min(len(rows), SHOWN_ROWS)


def test_results_link_iris_to_entity_pages_and_download_as_csv_and_json(pages, store):
    query = (
        "PREFIX cmi: <https://w3id.org/cmikg/ontology#> SELECT ?program WHERE { ?program a cmi:Program } "
        "ORDER BY ?program"
    )
    page = pages.get("/query?query=" + quote(query)).text
    programs = [str(r["program"].value) for r in rows_of(store, query)]
    assert programs and all(f'href="/doc/{oracle.path_of(p)}"' in page for p in programs)
    table = list(csv.reader(io.StringIO(pages.get("/query/results.csv?query=" + quote(query)).text)))
    assert table[0] == ["program"] and [r[0] for r in table[1:]] == programs
    bindings = pages.get("/query/results.json?query=" + quote(query)).json()["results"]["bindings"]
    assert [b["program"]["value"] for b in bindings] == programs
    permalink = html.unescape(re.search(r'id="permalink" href="([^"]+)"', page).group(1))
    assert pages.get(permalink).text.count("<tr>") == page.count("<tr>")


def test_a_construct_query_is_shown_as_triples_and_downloads_as_rdf(pages, store):
    query = (
        "PREFIX cmi: <https://w3id.org/cmikg/ontology#> CONSTRUCT { ?m cmi:hostCountry ?c } "
        "WHERE { ?m cmi:hostCountry ?c }"
    )
    expected = len(list(store.query(query)))
    page = pages.get("/query?query=" + quote(query)).text
    assert page.split('id="results-table"', 1)[1].split("</table>", 1)[0].count("<tr>") - 1 == expected > 0
    turtle = Graph().parse(data=pages.get("/query/results.ttl?query=" + quote(query)).text, format="turtle")
    assert len(turtle) == expected


def test_a_syntax_error_is_shown_with_its_line_and_column(pages):
    query = "SELECT ?s WHERE {\n  ?s ?p \n"
    page = pages.get("/query?query=" + quote(query))
    assert page.status_code == 400
    # The reading stops where the text ends: after "?p" on line 2, before the brace is closed.
    assert 'role="alert"' in page.text and "line 2, column 8" in page.text
    assert "Traceback" not in page.text


def test_an_update_is_refused_readably(pages):
    page = pages.get("/query?query=" + quote("DELETE WHERE { ?s ?p ?o }"))
    assert 400 <= page.status_code < 500
    assert 'role="alert"' in page.text


def svg(pages, name: str, **params) -> ET.Element:
    response = pages.get(
        f"/charts/{name}.svg" + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    )
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("image/svg+xml")
    return ET.fromstring(response.content)


def test_the_personnel_chart_has_a_mark_per_figure_and_source(pages, graph):
    root = svg(pages, "personnel")
    marks = root.findall(f".//{SVG}a[@class='point']")
    assert len(marks) == oracle.personnel_marks(graph) > 0
    assert all(m.find(f"{SVG}title") is not None for m in marks)


def test_the_host_chart_ranks_every_host_country(pages, graph):
    bars = svg(pages, "hosts", by="missions").findall(f".//{SVG}a[@class='bar']")
    hosts = oracle.host_countries(graph)
    assert len(bars) == len(hosts) > 0
    labels = [b.find(f"{SVG}text").text for b in bars]
    assert sorted(labels) == sorted(oracle.label(graph, h) for h in hosts)
    values = [float(b.findall(f"{SVG}rect")[0].get("width")) for b in bars]
    assert values == sorted(values, reverse=True)


def test_the_host_chart_ranks_by_the_largest_figure_and_names_its_source(pages, graph):
    figures: dict = {}
    for claim in graph.subjects(CMI.predicate, CMI.personnelCount):
        value = graph.value(claim, CMI.quantity) or graph.value(claim, CMI.upperBound)
        if value is None or not oracle.stated_in(graph, claim):
            continue
        places = {graph.value(claim, CMI.place)} - {None}
        for prop in (CMI.subject, CMI.mission, CMI.program):
            places |= (
                set(graph.objects(graph.value(claim, prop), CMI.hostCountry)) if graph.value(claim, prop) else set()
            )
        for country in places - oracle.senders(graph):
            if (country, RDF.type, CMI.Country) in graph:
                figures[country] = max(figures.get(country, 0), float(value))
    bars = svg(pages, "hosts").findall(f".//{SVG}a[@class='bar']")
    assert len(bars) == len(figures) > 0
    last_number = lambda text: float(re.findall(r"\d[\d,]*", text)[-1].replace(",", ""))  # noqa: E731 - "7,000–8,000"
    shown = {b.find(f"{SVG}text").text: last_number(b.findall(f"{SVG}text")[1].text) for b in bars}
    assert shown == {oracle.label(graph, c): v for c, v in figures.items()}
    assert all("according to" in b.find(f"{SVG}title").text for b in bars)


def test_the_disaster_timeline_shows_every_answered_event(pages, graph):
    rows = svg(pages, "disasters").findall(f".//{SVG}g[@class='timeline-row']")
    answered = {
        e
        for e in graph.objects(None, CMI.respondsTo)
        if any(graph.value(e, p) is not None for p in (CMI.pointInTime, CMI.startTime))
        or any(graph.value(r, CMI.startTime) is not None for r in graph.subjects(CMI.respondsTo, e))
    }
    shown = {a.get("href") for row in rows for a in row.findall(f"{SVG}a")}
    assert answered and {f"/doc/{oracle.path_of(e)}" for e in answered} <= shown


def test_the_charts_page_holds_the_three_charts_and_their_tables(pages):
    page = pages.get("/charts").text
    for chart in ("chart-personnel", "chart-hosts", "chart-disasters"):
        assert f'id="{chart}"' in page
    assert page.count("<svg") >= 3 and page.count("<table") >= 3


def test_no_page_repeats_an_id(pages, graph):
    """Anchors and label references only work when every id is unique on its page."""
    subjects = {graph.value(c, CMI.subject) for c in oracle.claims(graph)} - {None}
    busiest = max(subjects, key=lambda s: len(oracle.claims_about(graph, s)))
    for path in (
        "/",
        f"/doc/{oracle.path_of(busiest)}",
        "/ontology",
        "/charts",
        "/text",
        "/query?example=programs",
        "/dataset",
        f"/doc/{oracle.path_of(oracle.program_with_spanish_name(graph))}",
    ):
        ids = re.findall(r'\sid="([^"]+)"', pages.get(path, allow_redirects=True).text)
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        assert not repeated, (path, repeated[:5])


def test_the_home_page_counts_what_the_graph_holds(pages, graph):
    page = pages.get("/").text
    missions = len(oracle.entities_of(graph, CMI.MedicalMission))
    assert re.search(rf'<span class="n">{missions:,}</span> <span class="what">medical missions', page)
    for program in oracle.entities_of(graph, CMI.Program):
        assert f"/doc/{oracle.path_of(program)}" in page
    for country in oracle.host_countries(graph):
        assert f"/doc/{oracle.path_of(country)}" in page


def test_undated_claims_say_so_and_derived_shortcuts_stay_off_the_cards(pages, graph):
    undated = sorted(graph.subjects(CMI.undated, Literal(True)))
    assert undated, "the build marks the claims the article leaves undated"
    page = pages.get(f"/doc/{oracle.path_of(undated[0])}").text
    assert "not given by the source" in page
    dated = sorted(c for c in oracle.claims(graph) if graph.value(c, CMI.earliest) is not None)
    assert dated, "the build derives time bounds"
    card = pages.get(f"/doc/{oracle.path_of(dated[0])}").text
    for shortcut in (CMI.earliest, CMI.latest, CMI.involves, CMI.attributedTo):
        assert (shortcut, CMI.derivedShortcut, Literal(True)) in graph
        assert f"<dt>{graph.value(shortcut, RDFS.label)}</dt>" not in card, shortcut

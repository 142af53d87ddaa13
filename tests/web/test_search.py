"""Full-text search against a real server: true totals, pages, the type facet, snippets, quotes.

Expected answers are computed from the served dump: which entities carry the word in a
label, a description or a quote of one of their references.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import quote

import pytest
from rdflib import Graph, Literal, URIRef

from cmikg.namespaces import CMI, PROV, RDFS, SKOS
from tests.web import oracle

pytestmark = pytest.mark.server

RESULT = re.compile(r'<li>\s*<a href="/doc/([^"]+)">')


def texts_by_entity(graph: Graph) -> dict[URIRef, dict[str, list[str]]]:
    """Every searchable text of every entity, by kind (label, description, quote)."""
    found: dict[URIRef, dict[str, list[str]]] = {}
    for entity in {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(oracle.ENTITY_SPACE)}:
        if str(entity)[len(oracle.ENTITY_SPACE) :].split("/", 1)[0] == "reference":
            continue
        texts = {
            "label": [str(o) for p in (RDFS.label, SKOS.altLabel) for o in graph.objects(entity, p)],
            "description": [str(o) for o in graph.objects(entity, RDFS.comment)],
            "quote": [str(q) for r in graph.objects(entity, PROV.wasDerivedFrom) for q in graph.objects(r, CMI.quote)],
        }
        found[entity] = texts
    return found


def has_word(text: str, prefix: str) -> bool:
    return any(word.startswith(prefix) for word in oracle.fold(text).split())


def matching(graph: Graph, word: str) -> set[URIRef]:
    return {
        e for e, kinds in texts_by_entity(graph).items() if any(has_word(t, word) for ts in kinds.values() for t in ts)
    }


def total_of(page: str) -> int:
    return int(re.search(r'data-total="(\d+)"', page).group(1))


def test_search_reports_the_true_total_and_pages_through_every_result(site, graph):
    expected = matching(graph, "doctors")
    assert len(expected) > 50, "the graph should mention doctors more than one page's worth"
    first = site.get("/search?q=doctors").text
    assert total_of(first) == len(expected)
    assert f"{len(expected):,} results for “doctors”" in html.unescape(first)
    seen: list[str] = []
    page = 1
    while True:
        answer = site.get(f"/search?q=doctors&page={page}")
        assert answer.status_code == 200
        listed = RESULT.findall(answer.text)
        assert listed, f"page {page} is empty"
        seen += listed
        if 'rel="next"' not in answer.text:
            break
        page += 1
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == {oracle.path_of(e) for e in expected}
    assert site.get(f"/search?q=doctors&page={page + 1}").status_code == 400


def test_the_type_facet_counts_and_narrows(site, graph):
    expected = matching(graph, "doctors")
    counts = Counter(str(e)[len(oracle.ENTITY_SPACE) :].split("/", 1)[0] for e in expected)
    page = site.get("/search?q=doctors&type=country").text
    assert total_of(page) == counts["country"]
    assert all(path.startswith("country/") for path in RESULT.findall(page))
    everything = site.get("/search?q=doctors").text
    for facet, count in counts.items():
        assert re.search(rf'type={facet}"[^>]*>[^<]+<span class="count">{count:,}</span>', everything), facet


def quote_only_word(graph: Graph) -> str:
    """A word of one entity's quotes that no label, description or other entity's text has
    (nor any longer word starting with it, since search matches prefixes)."""
    by_entity = texts_by_entity(graph)
    holders: dict[str, set[URIRef]] = {}
    words: set[str] = set()
    for entity, kinds in by_entity.items():
        for kind, texts in kinds.items():
            for t in texts:
                for w in oracle.fold(t).split():
                    words.add(w)
                    holders.setdefault(w, set()).add(entity if kind == "quote" else URIRef("urn:elsewhere"))
    for w in sorted(words):
        if len(w) > 7 and w.isalpha() and len(holders[w]) == 1 and URIRef("urn:elsewhere") not in holders[w]:
            if not any(o != w and o.startswith(w) for o in words):
                return w
    raise AssertionError("no word is found only in one entity's quotes")


def test_a_word_found_only_in_quotes_comes_with_its_snippet_and_a_link_to_the_text(site, graph):
    word = quote_only_word(graph)
    page = site.get("/search?q=" + quote(word)).text
    assert total_of(page) == 1
    marked = re.findall(r"<mark>(.*?)</mark>", page)
    assert marked and all(oracle.fold(html.unescape(m)) == word for m in marked), (word, marked)
    assert "· quote" in page
    link = re.search(r'<a class="quote-link" href="(/text/[^"#]+#q-(\d+)-(\d+))"', page)
    assert link, "the quote's hit links to its place in the source text"
    quoted = {(q.start, q.end): q.text for q in oracle.quotes(graph)}
    assert word in oracle.fold(quoted[(int(link.group(2)), int(link.group(3)))])


def test_search_ignores_accents_in_spanish_words(site, graph):
    spanish = [
        str(o)
        for o in graph.objects(None, RDFS.label)
        if isinstance(o, Literal) and o.language == "es" and oracle.fold(str(o)) != str(o).lower()
    ]
    assert spanish, "no accented Spanish label in the graph"
    typed = oracle.fold(spanish[0])
    assert total_of(site.get("/search?q=" + quote(typed)).text) >= 1


@pytest.mark.parametrize("query", ["q=doctors&type=planet", "q=doctors&page=0", "q=doctors&page=two"])
def test_a_bad_facet_or_page_is_a_400_naming_the_parameter(site, query):
    answer = site.get("/search?" + query)
    assert answer.status_code == 400
    name = query.split("&", 1)[1].split("=", 1)[0]
    assert f"{name}=" in html.unescape(answer.text)

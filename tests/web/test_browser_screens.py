"""Every kind of page in headless Chromium at a laptop's 1280×900 and a phone's 390×844.

On each page and at each size: nothing scrolls sideways, the visible text holds no raw
timestamp and no prefixed name (outside SPARQL and code samples; the ontology's page names
its terms and shows how time is modelled), and the text of the charts is at least 11 px. The map has
one linked shape per host country; Venezuela and Haiti show a timeline. One browser session
serves the whole module; a screenshot of each page at each size goes to test-artifacts/pages/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from cmikg.namespaces import PREFIXES, RDF
from tests.web import oracle
from tests.web.test_map import mapped_hosts

pytestmark = [pytest.mark.browser, pytest.mark.server]

SCREENS = {"laptop": (1280, 900), "phone": (390, 844)}
#: A prefixed name of the project's entities ("org:psuv"), which no reader should see.
ENTITY_CURIE = re.compile(
    r"\b(?:" + "|".join(p for p, ns in PREFIXES.items() if ns.startswith(oracle.ENTITY_SPACE)) + r"):[A-Za-z0-9]"
)
#: Ontology terms as prefixed names: allowed only on the ontology's own documentation page.
TERM_CURIE = re.compile(r"\bcmi:[A-Za-z]")
MIN_CHART_TEXT_PX = 11.0


def one_of(graph: Graph, folder: str) -> str:
    """The first entity (by IRI) in a type folder of the identifiers: ``org`` → ``org/…``."""
    space = oracle.ENTITY_SPACE + folder + "/"
    return oracle.path_of(min(s for s in graph.subjects(RDF.type, None) if str(s).startswith(space)))


def page_kinds(graph: Graph) -> dict[str, str]:
    """One address per kind of page."""
    claim = sorted(oracle.claims(graph))[0]
    return {
        "home": "/",
        "search": "/search?q=doctors",
        "map": "/map",
        "charts": "/charts",
        "query": "/query?example=" + "personnel-abroad-over-time",
        "text": "/text",
        "ontology": "/ontology",
        "dataset": "/doc/dataset",
        "country-venezuela": "/doc/country/ven",
        "country-haiti": "/doc/country/hti",
        "program": f"/doc/{one_of(graph, 'program')}",
        "mission": f"/doc/{one_of(graph, 'mission')}",
        "event": f"/doc/{one_of(graph, 'event')}",
        "organisation": f"/doc/{one_of(graph, 'org')}",
        "person": f"/doc/{one_of(graph, 'person')}",
        "source": "/doc/source/article",
        "claim": f"/doc/{oracle.path_of(claim)}",
        "not-found": "/doc/country/atlantis",
    }


@pytest.fixture(scope="module")
def screens(site, graph: Graph, browser, artifacts: Path) -> dict[tuple[str, str], dict]:
    """Every page at every size, measured once: overflow, visible text, chart text sizes."""
    folder = artifacts / "pages"
    folder.mkdir(exist_ok=True)
    measured = {}
    for screen, (width, height) in SCREENS.items():
        browser.set_window_size(width, height)
        inner = browser.execute_script("return window.innerWidth")
        browser.set_window_size(width + (width - inner), height)  # the viewport itself is `width` wide
        for kind, path in page_kinds(graph).items():
            browser.get(site.base + path)
            measured[(screen, kind)] = browser.execute_script(MEASURE)
            browser.save_screenshot(str(folder / f"{kind}-{screen}.png"))
    return measured


MEASURE = """
const visible = e => e.getClientRects().length > 0;
const sizes = [...document.querySelectorAll('figure svg text')].filter(visible).map(t => {
  const svg = t.ownerSVGElement, box = svg.viewBox.baseVal;
  const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
  return parseFloat(getComputedStyle(t).fontSize) * scale;
});
return {
  scroll: document.documentElement.scrollWidth,
  viewport: document.documentElement.clientWidth,
  text: document.body.innerText,
  smallest: sizes.length ? Math.min(...sizes) : null,
  prose: (() => {  // the visible text, SPARQL in the editor and code samples aside
    const code = [...document.querySelectorAll('.editor, pre, code, textarea')];
    code.forEach(e => { e.dataset.display = e.style.display; e.style.display = 'none'; });
    const text = document.body.innerText;
    code.forEach(e => { e.style.display = e.dataset.display; });
    return text;
  })(),
  timelines: [...document.querySelectorAll('svg.claims-timeline')].filter(visible).length,
  hosts: [...document.querySelectorAll('svg.world-map a.host')].filter(visible)
    .map(a => a.getAttribute('data-country')),
};
"""


@pytest.mark.parametrize("screen", SCREENS)
def test_no_page_scrolls_sideways(screens, screen):
    wide = {
        k: (m["scroll"], m["viewport"]) for (s, k), m in screens.items() if s == screen and m["scroll"] > m["viewport"]
    }
    assert not wide, wide


@pytest.mark.parametrize("screen", SCREENS)
def test_no_page_shows_a_raw_timestamp_or_a_prefixed_name(screens, screen):
    for (s, kind), m in screens.items():
        if s != screen:
            continue
        assert not ENTITY_CURIE.findall(m["prose"]), (kind, ENTITY_CURIE.findall(m["prose"])[:5])
        if kind == "ontology":  # documents the modelling of time with an example, and names its terms
            continue
        assert "T00:00:00Z" not in m["text"], kind
        assert not TERM_CURIE.findall(m["prose"]), (kind, TERM_CURIE.findall(m["prose"])[:5])


@pytest.mark.parametrize("screen", SCREENS)
def test_chart_text_is_readable(screens, screen):
    small = {k: m["smallest"] for (s, k), m in screens.items() if s == screen and m["smallest"] is not None}
    assert "charts" in small and "country-venezuela" in small
    assert all(px >= MIN_CHART_TEXT_PX for px in small.values()), small


@pytest.mark.parametrize("screen", SCREENS)
def test_the_map_has_one_linked_shape_per_host_country(screens, graph, screen):
    expected = {str(c) for c in mapped_hosts(graph)}
    hosts = screens[(screen, "map")]["hosts"]
    assert len(hosts) == len(set(hosts)) == len(expected) and set(hosts) == expected


@pytest.mark.parametrize("screen", SCREENS)
def test_venezuela_and_haiti_have_a_timeline(screens, screen):
    assert screens[(screen, "country-venezuela")]["timelines"] == 1
    assert screens[(screen, "country-haiti")]["timelines"] == 1


def test_a_browser_on_the_endpoint_lands_on_the_query_page(site, browser):
    browser.set_window_size(1280, 900)
    browser.get(site.base + "/sparql")
    assert browser.current_url.endswith("/query")
    assert browser.find_element(By.CSS_SELECTOR, "textarea")


def test_the_editor_completes_terms_sorts_charts_and_shares(site, browser, artifacts: Path):
    browser.set_window_size(1280, 900)
    browser.get(site.base + "/query")
    area = browser.find_element(By.ID, "query-text")
    area.clear()
    area.send_keys("SELECT * WHERE { ?m cmi:hostCoun")
    option = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.CSS_SELECTOR, "#completions li"))
    assert option.text.startswith("cmi:hostCountry")
    area.send_keys(Keys.ENTER)
    text = area.get_attribute("value")
    assert text.startswith("PREFIX cmi: <https://w3id.org/cmikg/ontology#>\n")
    assert "?m cmi:hostCountry" in text
    browser.get(site.base + "/query?example=personnel-abroad-over-time")
    table = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "results-table"))
    numeric = [
        i
        for i, c in enumerate(table.find_elements(By.CSS_SELECTOR, "tbody tr:first-child td"))
        if "num" in (c.get_attribute("class") or "")
    ]
    assert numeric, "the example has a numeric column"
    header = table.find_elements(By.CSS_SELECTOR, "thead th")[numeric[0]]
    header.find_element(By.TAG_NAME, "button").click()
    values = [
        float(r.find_elements(By.TAG_NAME, "td")[numeric[0]].text)
        for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert values == sorted(values) and header.get_attribute("aria-sort") == "ascending"
    header.find_element(By.TAG_NAME, "button").click()
    values = [
        float(r.find_elements(By.TAG_NAME, "td")[numeric[0]].text)
        for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert values == sorted(values, reverse=True)
    bars = browser.find_elements(By.CSS_SELECTOR, "#results-chart svg rect")
    assert len(bars) == min(len(values), 40)
    assert browser.find_element(By.ID, "share").text == "Copy share link"
    browser.save_screenshot(str(artifacts / "pages" / "query-tools-laptop.png"))

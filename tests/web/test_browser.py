"""A person's walk through the site in headless Chromium: search, entity page, quote, query,
charts, a narrow screen. Each step leaves a screenshot in test-artifacts/web/."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from cmikg.namespaces import CMI
from tests.web import oracle

WAIT = 30


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "web"
    folder.mkdir(exist_ok=True)
    return folder


def snap(browser, folder: Path, name: str) -> None:
    """A full-page screenshot (up to 5,000 pixels tall) for a person to look at."""
    height = browser.execute_script("return Math.min(document.documentElement.scrollHeight, 5000)")
    width = browser.execute_script("return window.innerWidth")
    browser.set_window_size(max(width, 320), max(height, 600))
    browser.save_screenshot(str(folder / f"{name}.png"))


def wait_for(browser, css: str):
    return WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, css)))


def test_search_a_program_by_its_unaccented_name_and_read_its_claims(site, graph: Graph, browser, shots):
    program = oracle.program_with_spanish_name(graph)
    typed = oracle.fold(oracle.label(graph, program, "es") or oracle.label(graph, program))
    browser.set_window_size(1280, 1000)
    browser.get(site.base + "/")
    snap(browser, shots, "01-home")
    box = browser.find_element(By.ID, "home-q")
    box.send_keys(typed, Keys.ENTER)
    wait_for(browser, "ol.results")
    snap(browser, shots, "02-search")
    browser.find_element(By.CSS_SELECTOR, f'ol.results a[href="/doc/{oracle.path_of(program)}"]').click()
    heading = wait_for(browser, "h1")
    assert heading.text == oracle.label(graph, program)
    claims = browser.find_elements(By.CSS_SELECTOR, "#claims-about ~ article.claim")
    assert len(claims) == len(oracle.claims_about(graph, program))
    sources = {
        e.get_attribute("href").split("/doc/", 1)[1]
        for e in browser.find_elements(By.CSS_SELECTOR, ".ref-meta a")
        if "/doc/" in (e.get_attribute("href") or "")
    }
    expected = {oracle.path_of(s) for c in oracle.claims_about(graph, program) for s in oracle.stated_in(graph, c)}
    assert expected <= sources
    snap(browser, shots, "03-entity")


def test_follow_a_quote_to_its_place_in_the_source_text(site, graph: Graph, browser, shots):
    quote = next(
        q
        for q in oracle.quotes(graph)
        if q.holder in oracle.claims(graph) and (q.reported_in, CMI.textFile, None) in graph
    )
    browser.set_window_size(1280, 1000)
    browser.get(f"{site.base}/doc/{oracle.path_of(quote.holder)}")
    link = browser.find_element(By.CSS_SELECTOR, f'a.quote-link[href$="#{quote.anchor}"]')
    link.click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_elements(By.CSS_SELECTOR, "mark.q.target"))
    assert browser.current_url.endswith("#" + quote.anchor)
    marked = browser.find_elements(By.CSS_SELECTOR, f'mark.q[data-q~="{quote.anchor}"]')
    assert "".join(m.get_attribute("textContent") for m in marked) == quote.text
    assert all("target" in m.get_attribute("class") for m in marked)
    citation = browser.find_element(By.ID, f"cite-{quote.anchor}")
    assert citation.is_displayed()
    browser.save_screenshot(str(shots / "04-source-text.png"))


def test_run_an_example_from_the_gallery_and_download_its_rows(site, browser, shots):
    browser.set_window_size(1280, 1000)
    browser.get(site.base + "/query")
    examples = browser.find_elements(By.CSS_SELECTOR, ".gallery a")
    assert examples
    chosen = (
        next(e for e in examples if e.get_attribute("data-example") == "programs")
        if any(e.get_attribute("data-example") == "programs" for e in examples)
        else examples[0]
    )
    question = chosen.text.splitlines()[0]
    chosen.click()
    rows = WebDriverWait(browser, WAIT).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#results-table tbody tr"))
    assert rows and question in browser.title
    assert browser.find_element(By.ID, "download-csv").get_attribute("href")
    snap(browser, shots, "05-query")


def test_type_a_query_and_run_it_from_the_keyboard(site, graph: Graph, browser):
    browser.set_window_size(1280, 1000)
    browser.get(site.base + "/query")
    area = browser.find_element(By.ID, "query-text")
    area.clear()
    area.send_keys("PREFIX cmi: <https://w3id.org/cmikg/ontology#>\nSELECT ?m WHERE { ?m a cmi:MedicalMission }")
    area.send_keys(Keys.CONTROL, Keys.ENTER)
    rows = WebDriverWait(browser, WAIT).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#results-table tbody tr"))
    assert len(rows) == len(oracle.entities_of(graph, CMI.MedicalMission))
    coloured = browser.find_elements(By.CSS_SELECTOR, "#editor pre .tok-kw")
    assert {e.text.upper() for e in coloured} >= {"PREFIX", "SELECT", "WHERE"}


def test_the_charts_render_as_svg(site, graph: Graph, browser, shots):
    browser.set_window_size(1280, 1000)
    browser.get(site.base + "/charts")
    for chart in ("chart-personnel", "chart-hosts", "chart-disasters"):
        svg = browser.find_element(By.CSS_SELECTOR, f"#{chart} .wide-only svg")
        size = svg.size
        assert size["width"] > 300 and size["height"] > 150, (chart, size)
        assert svg.find_elements(By.CSS_SELECTOR, "a"), f"{chart} has no marks"
    marks = browser.find_elements(By.CSS_SELECTOR, "#chart-personnel .wide-only svg a.point")
    assert len(marks) == oracle.personnel_marks(graph)
    snap(browser, shots, "06-charts")


def test_pages_fit_a_narrow_screen(site, graph: Graph, browser, shots):
    program = oracle.program_with_spanish_name(graph)
    browser.set_window_size(390, 900)
    for name, path in (
        ("07-narrow-entity", f"/doc/{oracle.path_of(program)}"),
        ("08-narrow-home", "/"),
        ("09-narrow-query", "/query?example=programs"),
    ):
        browser.get(site.base + path)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (path, overflow)
        browser.save_screenshot(str(shots / f"{name}.png"))


def test_the_ontology_page_and_the_dataset_page(site, browser, shots):
    browser.set_window_size(1280, 1000)
    browser.get(site.base + "/ontology#Claim")
    assert browser.find_element(By.ID, "Claim").is_displayed()
    browser.save_screenshot(str(shots / "10-ontology.png"))
    browser.get(site.base + "/dataset")
    wait_for(browser, "#downloads-table")
    snap(browser, shots, "11-dataset")

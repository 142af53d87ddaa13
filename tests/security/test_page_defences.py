"""Script in a result never runs: IRIs that are not http(s) are shown as text, and every
page forbids inline script by its Content-Security-Policy (checked in headless Chromium)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

pytestmark = pytest.mark.server

PROBES = [
    "SELECT (<javascript:alert(document.domain)> AS ?x) {}",
    'SELECT (IRI("JaVaScRiPt:alert(1)") AS ?x) {}',
    "SELECT (<vbscript:msgbox(1)> AS ?x) {}",
    "SELECT (<data:text/html,x> AS ?x) {}",
    'CONSTRUCT { <javascript:alert(1)> <javascript:alert(2)> ?o } WHERE { BIND("x" AS ?o) }',
]
PAGES = ["/", "/query", "/sparql", "/search?q=cuba", "/charts", "/health", "/nope"]


@pytest.mark.parametrize("probe", PROBES)
def test_a_script_iri_in_an_answer_is_text_not_a_link(server, probe):
    page = requests.get(f"{server.base}/query", params={"run": "1", "query": probe}, timeout=60)
    assert page.status_code == 200, page.text[:500]
    lowered = page.text.lower()
    assert 'id="results-table"' in lowered
    for scheme in ("javascript:", "vbscript:", "data:"):
        assert f'href="{scheme}' not in lowered
    assert "alert(" in lowered or "msgbox" in lowered or "data:text" in lowered  # shown, as text


def test_every_page_carries_the_security_headers(server):
    for path in PAGES:
        response = requests.get(server.base + path, timeout=60)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], path
        assert "frame-ancestors 'none'" in csp, path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy"), path


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_in_chromium_no_script_link_and_no_inline_script_runs(server, browser, width):
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 900)
    browser.get(f"{server.base}/query?run=1&query={quote(PROBES[0])}")
    cells = browser.find_elements(By.CSS_SELECTOR, "#results-table td")
    assert cells and "javascript:alert(document.domain)" in cells[0].text
    links = browser.execute_script(
        "return [...document.querySelectorAll('a')].map(a => a.getAttribute('href') || '')"
        ".filter(h => /^\\s*(javascript|vbscript|data):/i.test(h))"
    )
    assert links == []
    ran = browser.execute_script(
        "window.__inline = 0; const s = document.createElement('script');"
        "s.textContent = 'window.__inline = 1'; document.body.appendChild(s); return window.__inline"
    )
    assert ran == 0, "an inline script ran despite the Content-Security-Policy"
    assert browser.execute_script("return typeof window.__inline") == "number"

"""The page for Wikidata editors, served by ``cmikg serve``: the statements with their quotes and
Wikidata links, the batch as a download, the skipped claims by reason; it fits a phone."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By

pytestmark = [pytest.mark.server, pytest.mark.browser]


def test_the_page_lists_what_the_build_exported(site):
    detail = json.loads((site.settings.dist / "quickstatements.json").read_text(encoding="utf-8"))
    page = site.get("/wikidata")
    assert page.status_code == 200
    html = page.text
    assert detail["statements"], "nothing exported: the page would have nothing to show"
    for statement in detail["statements"]:
        assert f"https://www.wikidata.org/wiki/{statement['item']}" in html
        assert all(quote.replace('"', "&#34;") in html or quote in html for quote in statement["quotes"])
    for reason, claims in detail["skipped"].items():
        assert f"({len(claims)})" in html and reason.split(" (")[0] in html
    assert "<script" not in html
    batch = site.get("/wikidata/quickstatements.txt")
    assert batch.status_code == 200 and "attachment" in batch.headers["Content-Disposition"]
    assert batch.content == (site.settings.dist / "quickstatements.txt").read_bytes()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_page_fits_the_screen(site, browser, artifacts, width):
    browser.set_window_size(width, 900)
    browser.get(site.base + "/wikidata")
    browser.find_element(By.CSS_SELECTOR, "details summary").click()
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, (width, overflow)
    assert browser.find_elements(By.CSS_SELECTOR, "code.qs"), "no batch line shown"
    folder = artifacts / "web"
    folder.mkdir(exist_ok=True)
    browser.save_screenshot(str(folder / f"editors-{width}.png"))
    browser.set_window_size(1280, 1000)

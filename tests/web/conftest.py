"""The site under test: a real ``cmikg serve`` (gunicorn) on 127.0.0.1 over the built graph,
a headless Chromium driving it, and the built graph itself, from which every expected value
is computed.

While the graph is mid-edit and fails a check, the same files are written without the
checks (the reason is printed): the pages are about the graph's content, which is there.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from rdflib import Graph

from cmikg.build.derivation import derived_triples
from cmikg.build.loading import load_sources
from cmikg.build.pipeline import CheckedGraph, write_dist
from cmikg.config import Settings
from tests.conftest import ROOT, cmikg_command, free_port, start_process, stop_process

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Flags that keep the browser off the network and away from any profile but its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="session")
def site_data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real graph built; unchecked when the curated data does not pass the checks yet."""
    try:
        return request.getfixturevalue("built")
    except Exception as exc:  # noqa: BLE001 - any check failure: say why, write the files anyway
        print(
            f"\nthe graph does not pass the build's checks ({type(exc).__name__}: {str(exc)[:200]}); "
            "the web tests serve the same files written without the checks"
        )
        settings = Settings.discover(root=ROOT, dist=tmp_path_factory.mktemp("unchecked") / "dist")
        sources = load_sources(settings)
        graph = sources.union()
        graph += derived_triples(sources.ontology, sources.data)
        write_dist(settings, CheckedGraph(sources, graph))
        return settings


@pytest.fixture(scope="session")
def graph(site_data: Settings) -> Graph:
    """The served dump, parsed: the oracle of every test."""
    loaded = Graph()
    loaded.parse(site_data.dataset_file, format="nt")
    return loaded


@dataclass
class Site:
    base: str
    settings: Settings

    def get(self, path: str, accept: str | None = None, **options) -> requests.Response:
        headers = {"Accept": accept} if accept else {}
        options.setdefault("allow_redirects", False)
        return requests.get(self.base + path, headers=headers, timeout=60, **options)


@pytest.fixture(scope="session")
def site(site_data: Settings):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [
        *cmikg_command(),
        "--project",
        str(ROOT),
        "--dist",
        str(site_data.dist),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--threads",
        "4",
    ]
    process = start_process(args, f"{base}/health", timeout=120)
    yield Site(base, site_data)
    stop_process(process)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through chromedriver, with a fresh profile deleted afterwards."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed: `bash quickstart.sh test` installs Debian's "
            "chromium and chromium-driver"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="cmikg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)

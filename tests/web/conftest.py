"""The site under test: a real ``cmikg serve`` (gunicorn) on 127.0.0.1 over the built graph,
a headless Chromium driving it, and the built graph itself, from which every expected value
is computed. When the graph does not pass the build's checks, the tests that need it fail
with the build's error: no page is tested on an unchecked build.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient
from rdflib import Graph

from cmikg.config import Settings
from tests.conftest import free_port, missing_prerequisite, serve_command, start_process, starts, stop_process

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
def site_data(built: Settings) -> Settings:
    """The real graph, built with every check: what the site serves."""
    return built


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


class Answer:
    """A response of the in-process app read as the tests read one from a real server."""

    def __init__(self, response):
        self.raw = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = response.get_data()
        self.history = [Answer(r) for r in getattr(response, "history", ())]

    @property
    def text(self) -> str:
        return self.content.decode(self.raw.mimetype_params.get("charset", "utf-8"), "replace")

    def json(self):
        return json.loads(self.content)


@dataclass
class Pages:
    """The site through the in-process app (Flask's test client): the same routes, templates,
    negotiation and queries as ``cmikg serve``, without a socket."""

    client: FlaskClient
    settings: Settings

    def get(self, path: str, accept: str | None = None, allow_redirects: bool = False, **options) -> Answer:
        headers = {"Accept": accept} if accept else {}
        return Answer(self.client.get(path, headers=headers, follow_redirects=allow_redirects, **options))


@pytest.fixture(scope="session")
def pages(client: FlaskClient, site_data: Settings) -> Pages:
    """The pages in process, for what the app decides; ``site`` is the real server."""
    return Pages(client, site_data)


@pytest.fixture(scope="session")
@starts("server")
def site(site_data: Settings):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [
        *serve_command(site_data, port),
        "--workers",
        "1",
        "--threads",
        "4",
    ]
    process = start_process(args, f"{base}/health", timeout=120)
    yield Site(base, site_data)
    stop_process(process)


@pytest.fixture(scope="session")
@starts("browser")
def browser():
    """Headless Chromium through chromedriver, with a fresh profile deleted afterwards."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        missing_prerequisite(
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

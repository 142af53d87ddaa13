"""A built ``dist/`` alone can be served: copied elsewhere, served from a folder with no
checkout, under gunicorn, it answers the home page, an entity page, the endpoint, a data
URL of the gallery and the source text page, none of which may read the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import requests

from cmikg import dist
from cmikg.config import Settings
from tests.conftest import cmikg_command, free_port, stop_process, wait_for_http

pytestmark = pytest.mark.server

ENTITY_SPACE = "https://w3id.org/cmikg/id/"
#: A gallery query written into the copy only: the server must find it there.
ONLY_IN_COPY = "only-in-the-copy"


@pytest.fixture(scope="module")
def copied(built: Settings, tmp_path_factory: pytest.TempPathFactory):
    """``cmikg serve --dist COPY`` run from an empty folder, with ``--project`` an empty folder too."""
    place = tmp_path_factory.mktemp("elsewhere")
    copy = place / "served"
    shutil.copytree(built.dist, copy)
    (copy / "queries" / f"{ONLY_IN_COPY}.rq").write_text(
        "# Only in the copy\nSELECT ?answer WHERE { VALUES ?answer { 42 } }\n", encoding="utf-8"
    )
    nowhere = place / "no-project"
    nowhere.mkdir()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "CMIKG_HOME"}
    args = [*cmikg_command(), "--project", str(nowhere), "--dist", str(copy), "serve"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "2"]
    process = subprocess.Popen(
        args, cwd=place, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/health", process, timeout=90)
    except Exception:
        stop_process(process)
        raise
    yield base, copy, place
    stop_process(process)


def get(base: str, path: str, **options) -> requests.Response:
    response = requests.get(base + path, timeout=60, **options)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response


def select(base: str, query: str) -> list[dict]:
    response = get(base, "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    return response.json()["results"]["bindings"]


def test_the_build_copies_what_the_service_reads(built: Settings):
    for folder in dist.FOLDERS:
        shipped = built.dist / folder.name
        original = built.root / folder.checkout
        names = sorted(p.relative_to(original).as_posix() for p in original.rglob("*") if p.is_file())
        assert names, folder
        assert names == sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file())


def test_home_page_and_endpoint_from_a_copy(copied):
    base, _, _ = copied
    assert "<html" in get(base, "/").text.lower()
    rows = select(base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]["value"]) > 1000


def test_an_entity_page_from_a_copy(copied):
    base, _, _ = copied
    rows = select(
        base,
        "SELECT ?s ?label WHERE { ?s a <https://w3id.org/cmikg/ontology#Country> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(lang(?label) = 'en') } "
        "ORDER BY ?s LIMIT 1",
    )
    iri, label = rows[0]["s"]["value"], rows[0]["label"]["value"]
    page = get(base, "/doc/" + iri[len(ENTITY_SPACE) :], headers={"Accept": "text/html"})
    assert label in page.text
    turtle = get(base, "/doc/" + iri[len(ENTITY_SPACE) :] + ".ttl")
    assert turtle.headers["Content-Type"].startswith("text/turtle") and label in turtle.text


def test_a_gallery_data_url_from_a_copy(copied):
    base, copy, _ = copied
    name = sorted((copy / "queries").glob("*.rq"))[0].stem
    answer = get(base, f"/queries/{name}.csv")
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.text.splitlines()[0]  # the header row of the answer
    assert get(base, f"/queries/{name}.rq").text == (copy / "queries" / f"{name}.rq").read_text(encoding="utf-8")


def test_the_source_text_page_from_a_copy(copied):
    base, copy, _ = copied
    rows = select(base, "SELECT ?s ?file WHERE { ?s <https://w3id.org/cmikg/ontology#textFile> ?file } LIMIT 1")
    iri, recorded = rows[0]["s"]["value"], rows[0]["file"]["value"]
    shipped = dist.shipped_file(copy, recorded)
    assert shipped is not None and shipped.is_file()
    page = get(base, "/text/" + iri[len(ENTITY_SPACE) :])
    first_words = shipped.read_text(encoding="utf-8").split()[:3]
    assert all(word in page.text for word in first_words)


def test_the_queries_are_read_from_the_copy(copied, built: Settings):
    base, _, _ = copied
    assert not (built.root / "queries" / f"{ONLY_IN_COPY}.rq").exists()
    assert get(base, f"/queries/{ONLY_IN_COPY}.csv").text.splitlines() == ["answer", "42"]

"""/queries/NAME.rq|csv|json|tsv: every gallery query has a data URL, answered like /sparql, cached by ETag."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask.testing import FlaskClient

from cmikg.config import Settings
from cmikg.web import gallery
from tests.conftest import ROOT

NAMES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))


def rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def test_every_gallery_query_is_listed(built: Settings) -> None:
    assert NAMES == sorted(e.name for e in gallery.examples(built)) and len(NAMES) > 20


@pytest.mark.parametrize("name", NAMES)
def test_csv_answers_like_sparql_and_repeats_as_304(client: FlaskClient, name: str) -> None:
    text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    answer = client.get(f"/queries/{name}.csv")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/csv"
    direct = client.post("/sparql", data={"query": text}, headers={"Accept": "text/csv"})
    assert direct.status_code == 200
    assert rows(answer.data) == rows(direct.data)
    again = client.get(f"/queries/{name}.csv", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_text_json_and_tsv(client: FlaskClient) -> None:
    name = "personnel-abroad-over-time"
    text = client.get(f"/queries/{name}.rq")
    assert text.status_code == 200 and text.mimetype == "application/sparql-query"
    assert text.get_data(as_text=True) == (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    answer = json.loads(client.get(f"/queries/{name}.json").data)
    tsv = client.get(f"/queries/{name}.tsv").get_data(as_text=True).splitlines()
    assert len(answer["results"]["bindings"]) == len(tsv) - 1 > 0
    tags = {client.get(f"/queries/{name}.{s}").headers["ETag"] for s in ("rq", "csv", "json", "tsv")}
    assert len(tags) == 4, "each format has its own ETag"


def test_unknown_names_and_formats_are_404_with_the_choices(client: FlaskClient) -> None:
    unknown = client.get("/queries/no-such-question.csv")
    assert unknown.status_code == 404 and "personnel-abroad-over-time" in unknown.get_data(as_text=True)
    assert client.get("/queries/personnel-abroad-over-time.xlsx").status_code == 404
    assert client.get("/queries/..%2Fpages%2Fdataset.csv").status_code == 404


def test_query_page_lists_the_data_urls_and_offers_the_csv(client: FlaskClient) -> None:
    page = client.get("/query?example=personnel-abroad-over-time").get_data(as_text=True)
    assert 'href="/queries/personnel-abroad-over-time.csv"' in page
    assert page.count('href="/queries/') >= 4 * len(NAMES)
    assert "Download this answer as CSV" in page

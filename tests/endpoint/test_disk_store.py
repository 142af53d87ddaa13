"""`cmikg serve --disk-store`: a read-only on-disk store every worker opens, loaded once."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from cmikg.config import Settings
from cmikg.engines.store import EmbeddedStore, prepare_disk_store
from tests.conftest import ROOT, free_port, serve_command, start_process, stop_process

QUERIES = sorted((ROOT / "queries").glob("*.rq"))


def canonical(binding: dict) -> str:
    return json.dumps(binding, sort_keys=True)


def serve(dataset: Settings, folder: Path):
    port = free_port()
    args = [
        *serve_command(dataset, port),
        "--workers",
        "1",
        "--threads",
        "2",
        "--disk-store",
        str(folder),
    ]
    return start_process(args, f"http://127.0.0.1:{port}/health", timeout=120), f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def disk_server(dataset: Settings, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("disk") / "store"
    process, base = serve(dataset, folder)
    yield base, folder
    stop_process(process)


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_disk_store_answers_like_the_in_memory_store(path: Path, disk_server, dataset: Settings) -> None:
    base, _ = disk_server
    query = path.read_text(encoding="utf-8")
    local = EmbeddedStore.load(dataset.dataset_file).query(query)
    expected = json.loads(local.serialize(format=ox.QueryResultsFormat.JSON))["results"]["bindings"]
    response = requests.post(
        f"{base}/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60
    )
    assert response.status_code == 200, response.text
    got = response.json()["results"]["bindings"]
    assert sorted(map(canonical, got)) == sorted(map(canonical, expected))


def test_the_store_is_loaded_once_and_reused(disk_server, dataset: Settings) -> None:
    _, folder = disk_server
    mark = next(folder.glob("*.sha256"))
    stamp = mark.stat().st_mtime_ns
    assert prepare_disk_store(dataset.dataset_file, folder) == folder
    assert mark.stat().st_mtime_ns == stamp, "an unchanged dump is not loaded again"
    reopened = ox.Store.read_only(str(folder))
    assert len(reopened) == len(EmbeddedStore.load(dataset.dataset_file))


def test_a_changed_dump_is_loaded_again(tmp_path: Path, dataset: Settings) -> None:
    dump = tmp_path / "cmikg.nt"
    lines = dataset.dataset_file.read_text(encoding="utf-8").splitlines(keepends=True)
    dump.write_text("".join(lines[:100]), encoding="utf-8")
    folder = prepare_disk_store(dump, tmp_path / "store")
    assert len(ox.Store.read_only(str(folder))) == 100
    dump.write_text("".join(lines[:150]), encoding="utf-8")
    folder = prepare_disk_store(dump, tmp_path / "store")
    assert len(ox.Store.read_only(str(folder))) == 150
    assert not (tmp_path / "store.loading").exists()

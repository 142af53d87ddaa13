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


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _holds_rocksdb(pid: int) -> bool:
    """Whether the process runs RocksDB's background threads (``rocksdb:low``, ``rocksdb:high``)."""
    tasks = Path(f"/proc/{pid}/task")
    return any((task / "comm").read_text().startswith("rocksdb") for task in tasks.iterdir())


def test_only_the_query_workers_open_the_store_and_the_server_stops_cleanly(dataset: Settings, tmp_path: Path) -> None:
    """RocksDB's background threads do not survive a fork: a process forked from one that had
    opened the store inherits their state without the threads (reads then failed with "Bad
    file descriptor", and the HTTP workers crashed on exit)."""
    process, base = serve(dataset, tmp_path / "store")
    try:
        answer = requests.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        http_workers = _children(process.pid)
        query_workers = [child for worker in http_workers for child in _children(worker)]
        assert http_workers and query_workers
        assert not _holds_rocksdb(process.pid), "the process the workers are forked from opened the store"
        assert not any(_holds_rocksdb(worker) for worker in http_workers)
        assert any(_holds_rocksdb(worker) for worker in query_workers), "each query worker opens the store itself"
    finally:
        stop_process(process)
    log = process.stdout.read().decode(errors="replace") if process.stdout else ""
    for crash in ("SIGSEGV", "SIGABRT", "terminate called"):
        assert crash not in log, log

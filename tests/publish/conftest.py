"""A real Oxigraph server per test, dataset versions derived from the built graph, and the
``cmikg publish`` command run as a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from cmikg.config import Settings
from cmikg.publish.layout import DEFAULT_GRAPH, Release, current, local_fingerprint, remote_fingerprint
from cmikg.sparqlclient import StoreClient
from tests.conftest import ROOT, cmikg_command, free_port, start_process, starts, stop_process


@dataclass
class Oxigraph:
    """A running ``oxigraph serve``: its Graph Store, query and update endpoints."""

    port: int
    process: subprocess.Popen

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def store(self) -> str:
        return self.url("/store")

    @property
    def query(self) -> str:
        return self.url("/query")

    @property
    def update(self) -> str:
        return self.url("/update")

    def client(self) -> StoreClient:
        return StoreClient(query_url=self.query, graph_store_url=self.store, update_url=self.update)

    def served(self) -> Release | None:
        """What a reader gets now, looked up the way the remote backend does."""
        return current(self.client(), DEFAULT_GRAPH)

    def graphs(self) -> set[str]:
        rows = self.client().select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return {row["g"]["value"] for row in rows}


def start_oxigraph(location: Path, *options: str) -> Oxigraph:
    port = free_port()
    exe = shutil.which("oxigraph")
    assert exe, "the oxigraph server (package 'oxigraph', in the test extras) is not installed"
    process = start_process(
        [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *options],
        f"http://127.0.0.1:{port}/query",
    )
    return Oxigraph(port, process)


@pytest.fixture
@starts("server")
def oxigraph(tmp_path: Path):
    server = start_oxigraph(tmp_path / "oxigraph")
    yield server
    stop_process(server.process)


@dataclass(frozen=True)
class Version:
    """A dist/ folder to publish and what the store must hold once it is published."""

    dist: Path

    @property
    def dump(self) -> Path:
        return self.dist / "cmikg.nt"

    def fingerprint(self):
        return local_fingerprint(self.dump)

    def is_what(self, server: Oxigraph, release: Release | None) -> bool:
        """True when ``release`` is this version and its graph holds exactly this dump."""
        return (
            release is not None
            and remote_fingerprint(server.client(), release.graph) == self.fingerprint()
            and release.triples == self.fingerprint().triples
        )


@pytest.fixture(scope="session")
def versions(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> list[Version]:
    """Three different dumps: the built graph, then two edits of it (lines dropped)."""
    lines = built.dataset_file.read_text(encoding="utf-8").splitlines(keepends=True)
    made = []
    for name, kept in (("v1", lines), ("v2", lines[:-25]), ("v3", lines[25:])):
        dist = tmp_path_factory.mktemp(name) / "dist"
        shutil.copytree(built.dist, dist)
        (dist / "cmikg.nt").write_text("".join(kept), encoding="utf-8")
        made.append(Version(dist))
    return made


def publish_command(version: Version, *options: str) -> list[str]:
    return [*cmikg_command(), "--project", str(ROOT), "--dist", str(version.dist), "publish", *options]


def run_publish(version: Version, *options: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``cmikg publish`` as a user runs it; bounded in time."""
    return subprocess.run(
        publish_command(version, *options),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )

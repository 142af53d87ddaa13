"""Fixtures shared by every test folder: the project, a built copy of the real graph, the
app in process with Flask's test client, free ports, and a helper that starts a real
server process and waits for it.

Area-specific fixtures live in each folder's own conftest.py. A fixture that starts a real
server process or drives a browser is declared with :func:`starts` so that every test
using it, directly or through another fixture, carries the ``server`` or ``browser``
marker without saying so: ``pytest -n 2 -m "not browser and not server and not reasoner and not slow"``
is the fast lane (``-n 2``: pytest-xdist, one process per core, each with its own build).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from cmikg.build.pipeline import build
from cmikg.config import Settings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def missing_prerequisite(reason: str) -> None:
    """A test whose prerequisite (a reference file, a browser, a package the test command
    installs) is absent. Under ``bash quickstart.sh test`` (which sets ``CMIKG_STRICT``) and in
    CI (``CI`` set) it fails: they install everything, so a skip there would hide a failure.
    Only a bare ``pytest`` on a developer's machine skips, printing ``reason`` and the fix."""
    if os.environ.get("CI") or os.environ.get("CMIKG_STRICT"):
        pytest.fail(f"{reason} (the test command installs it: a failure there, not a skip)")
    pytest.skip(f"{reason}; `bash quickstart.sh test` installs it and runs this test")


#: Set once the tests to run are known: does any of them need the reasoner?
_REASONER_WANTED = pytest.StashKey[bool]()
_STARTS = "_cmikg_starts"


def starts(marker: str):
    """Declare that a fixture starts a real ``server`` process or drives a ``browser``; every
    test that uses it then carries that marker (see :func:`pytest_collection_modifyitems`)."""

    def declare(function):
        setattr(function, _STARTS, marker)
        return function

    return declare


def _fixture_markers(item: pytest.Item) -> set[str]:
    info = getattr(item, "_fixtureinfo", None)
    found = set()
    for name in getattr(item, "fixturenames", ()):
        for definition in info.name2fixturedefs.get(name, ()) if info else ():
            marker = getattr(definition.func, _STARTS, None)
            if marker:
                found.add(marker)
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test by the fixtures it uses, directly or not: a server or a browser."""
    for item in items:
        for marker in sorted(_fixture_markers(item)):
            if item.get_closest_marker(marker) is None:
                item.add_marker(marker)


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[_REASONER_WANTED] = any(i.get_closest_marker("reasoner") for i in session.items)


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real graph, built once per test session into a temporary dist/, with every check.

    A session that runs no test marked ``reasoner`` (the fast lane, ``-m "not reasoner"``)
    skips only HermiT, the OWL consistency check, and the build report says so; the full
    suite builds with it. There is no fallback: when the real graph does not build, every
    test that needs it fails with the build's own error.
    """
    settings = Settings.discover(root=ROOT, dist=tmp_path_factory.mktemp("built") / "dist")
    build(settings, reason=request.config.stash.get(_REASONER_WANTED, True))
    return settings


@pytest.fixture(scope="session")
def app(built: Settings):
    """The Flask app serving the built graph in this process, as ``cmikg serve`` runs it in
    each worker (embedded store, the same guard and limits), for the protocol, negotiation and
    page logic; tests of what only a real server does (gunicorn, sockets, concurrency) use the
    ``server`` fixtures instead."""
    from cmikg.service.app import create_app

    return create_app(built)


@pytest.fixture(scope="session")
def client(app):
    """Flask's test client on :func:`app`: real requests through the whole app, no socket."""
    return app.test_client()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers, failing early if ``process`` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            out = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"server exited with {process.returncode} before answering:\n{out}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def start_process(args: list[str], url: str, env: dict | None = None, timeout: float = 60.0) -> subprocess.Popen:
    """Start a real server process and return once ``url`` answers."""
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    try:
        wait_for_http(url, process, timeout)
    except Exception:
        stop_process(process)
        raise
    return process


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, 15)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def cmikg_command() -> list[str]:
    """The installed command, run by the current interpreter."""
    return [sys.executable, "-m", "cmikg"]


def serve_command(settings: Settings, port: int, *options: str) -> list[str]:
    """``cmikg serve`` of ``settings.dist`` on 127.0.0.1:``port``, with extra serve ``options``."""
    return [
        *cmikg_command(),
        "--project",
        str(settings.root),
        "--dist",
        str(settings.dist),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *options,
    ]


def oxigraph_exe() -> str:
    """The ``oxigraph`` server command from the test extras, beside this interpreter."""
    exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    assert Path(exe).exists(), "the oxigraph server (package 'oxigraph', in the test extras) is not installed"
    return exe


def start_oxigraph_read_only(data: Path, location: Path) -> tuple[subprocess.Popen, str]:
    """Load ``data`` into an on-disk Oxigraph store and serve it read-only on 127.0.0.1.

    Returns the process and its SPARQL query URL; stop it with :func:`stop_process`.
    """
    subprocess.run(
        [oxigraph_exe(), "load", "--location", str(location), "--file", str(data)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/query"
    process = start_process(
        [oxigraph_exe(), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"], url
    )
    return process, url


@pytest.fixture
def copy_project(tmp_path: Path):
    """A throw-away copy of the project's hand-edited folders, for tests that break it."""

    def make(with_graph: bool = True) -> Settings:
        for name in ("ontology", "shapes", "queries"):
            if (ROOT / name).exists():
                shutil.copytree(ROOT / name, tmp_path / name)
        (tmp_path / "graph" / "sources").mkdir(parents=True)
        if with_graph:
            shutil.copytree(ROOT / "graph", tmp_path / "graph", dirs_exist_ok=True)
        else:
            for name in ("article.ttl", "dataset.ttl", "sources/cuban-medical-internationalism.txt"):
                shutil.copyfile(ROOT / "graph" / name, tmp_path / "graph" / name)
        return Settings.discover(root=tmp_path, dist=tmp_path / "dist")

    return make

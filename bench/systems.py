"""The systems compared, each started on 127.0.0.1 with the same N-Triples file.

* ``cmikg``: ``cmikg serve`` as shipped (gunicorn, time limit, SERVICE allowlist, row cap
  all at their defaults; one address may run as many queries as the loop has clients,
  with a long-query slot for each),
  pointed at a dist/ folder holding the dataset.
* ``cmikg-disk``: the same with ``--disk-store`` at every size.
* ``cmikg-1w``: the same with ``--workers 1``, below the size from which that is the default.
* ``oxigraph-mem``: the Oxigraph server from the ``oxigraph`` package, in memory; it starts
  empty, so the file is POSTed to its Graph Store endpoint before the first query.
* ``oxigraph-disk``: the same server read-only on a RocksDB store made by ``oxigraph load``
  (the load is timed separately and kept between runs).
* ``rdflib-endpoint``: the Python peer, rdflib's own engine behind FastAPI/uvicorn.

Start-up is measured from process start to the first answer to ``ASK { ?s ?p ?o }`` over
the loaded data (for ``oxigraph-mem``, that includes the upload).
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import process
from client import Endpoint, ask
from dataset import Dataset
from querymix import classify

PROBE = classify("probe", "ASK { ?s ?p ?o }")
REFERENCE = "oxigraph-mem"


@dataclass
class Running:
    """A started server and what its start cost."""

    system: str
    process: subprocess.Popen
    endpoint: Endpoint
    startup_seconds: float
    notes: list[str] = field(default_factory=list)


@dataclass
class System:
    """How to start one system; subclasses add what differs."""

    name: str
    encoding: str = "form"
    path: str = "/sparql"
    start_timeout: float = 900.0

    def command(self, dataset: Dataset, port: int, work: Path) -> list[str]:
        raise NotImplementedError

    def prepare(self, dataset: Dataset, work: Path) -> list[str]:
        """Work done once per dataset before starting (not part of start-up); notes."""
        return []

    def after_listening(self, running: Running, dataset: Dataset) -> None:
        """Work between the first HTTP answer and the first answer over the data."""

    def launch(self, dataset: Dataset, port: int, work: Path) -> Running:
        notes = self.prepare(dataset, work)
        log = work / "logs" / f"{self.name}-{dataset.name}-{port}.log"
        endpoint = Endpoint(f"http://127.0.0.1:{port}{self.path}", self.encoding)
        started = time.perf_counter()
        proc = process.start(self.command(dataset, port, work), log)
        try:
            process.wait_until(lambda: _answers(endpoint), proc, log, self.start_timeout, self.name)
            running = Running(self.name, proc, endpoint, 0.0, notes)
            self.after_listening(running, dataset)
            process.wait_until(lambda: _answers(endpoint, data=True), proc, log, self.start_timeout, self.name)
        except BaseException:
            process.stop(proc)
            raise
        running.startup_seconds = time.perf_counter() - started
        return running


def _answers(endpoint: Endpoint, data: bool = False) -> bool:
    reply = ask(endpoint, PROBE, timeout=5.0)
    if reply.status != 200:
        return False
    if not data:
        return True
    try:
        return bool(json.loads(reply.body).get("boolean"))
    except ValueError:
        return False


@dataclass
class Cmikg(System):
    """Every limit at its default but one: the benchmark's clients all come from 127.0.0.1,
    which by default may run only half the query slots at once (a 429 past that), so that
    address may run as many queries as there are clients, and each HTTP worker has a
    long-query slot for each client (its keep-alive connections may all land on one)."""

    name: str = "cmikg"
    clients: int = 4

    def command(self, dataset: Dataset, port: int, work: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "cmikg",
            "--project",
            str(dataset.project),
            "--dist",
            str(dataset.dist),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--max-client-queries",
            str(self.clients),
            "--threads",
            str(max(4, self.clients + 1)),
            *(["--disk-store", str(work / f"cmikg-store-{dataset.name}")] if needs_disk_store(dataset) else []),
        ]


#: Memory the in-memory store and the query mix take per byte of the N-Triples dump, at
#: most: at 10M triples (a 1.6 GiB dump) the Oxigraph server held 3.0 GiB after loading it,
#: and cmikg's process tree peaked at 4.9 GiB of PSS under the mix, about 3 bytes a byte.
MEMORY_PER_DUMP_BYTE = 3
#: The share of the machine's available memory a served store may be expected to take.
MEMORY_SHARE = 0.5


def needs_disk_store(dataset: Dataset) -> bool:
    """Whether ``cmikg`` is served with ``--disk-store`` at this size: only where the store
    held in memory would not fit: the disk store only where memory needs it. On
    the benchmark's machine (23.5 GiB) every generated size, 10M triples included, fits."""
    need = dataset.ntriples.stat().st_size * MEMORY_PER_DUMP_BYTE
    return need > available_memory() * MEMORY_SHARE


def available_memory() -> int:
    """The kernel's estimate of the memory available for new work (``MemAvailable``), in bytes."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/meminfo has no MemAvailable line")


@dataclass
class CmikgDisk(Cmikg):
    """``cmikg serve --disk-store`` at every size: each query process opens the read-only
    RocksDB store itself, so the data sits once in the page cache instead of being copied,
    page by page, into every query process that reads it (the in-memory store's pages are
    shared copy-on-write, but the engine writes to those it reads)."""

    name: str = "cmikg-disk"

    def command(self, dataset: Dataset, port: int, work: Path) -> list[str]:
        command = super().command(dataset, port, work)
        if "--disk-store" not in command:
            command += ["--disk-store", str(work / f"cmikg-store-{dataset.name}")]
        return command


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).is_file():
        raise FileNotFoundError("the oxigraph server is not installed: pip install -e '.[bench]'")
    return found


@dataclass
class OxigraphMemory(System):
    name: str = "oxigraph-mem"
    path: str = "/query"

    def command(self, dataset: Dataset, port: int, work: Path) -> list[str]:
        return [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"]

    def after_listening(self, running: Running, dataset: Dataset) -> None:
        clock = time.perf_counter()
        where = urlsplit(running.endpoint.url)
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=self.start_timeout)
        try:
            with dataset.ntriples.open("rb") as body:
                conn.request(
                    "POST",
                    "/store?default",
                    body=body,
                    headers={
                        "Content-Type": "application/n-triples",
                        "Content-Length": str(dataset.ntriples.stat().st_size),
                    },
                )
                response = conn.getresponse()
                detail = response.read()[:300]
        finally:
            conn.close()
        if response.status not in (200, 201, 204):
            raise RuntimeError(f"oxigraph refused the upload: HTTP {response.status} {detail!r}")
        running.notes.append(f"upload over HTTP {time.perf_counter() - clock:.2f} s")


@dataclass
class OxigraphDisk(System):
    name: str = "oxigraph-disk"
    path: str = "/query"

    def store_dir(self, dataset: Dataset, work: Path) -> Path:
        return work / "stores" / f"{dataset.name}-{dataset.digest[:12]}"

    def prepare(self, dataset: Dataset, work: Path) -> list[str]:
        location = self.store_dir(dataset, work)
        if (location / ".loaded").is_file():
            return [f"store reused ({(location / '.loaded').read_text().strip()})"]
        shutil.rmtree(location, ignore_errors=True)
        location.parent.mkdir(parents=True, exist_ok=True)
        clock = time.perf_counter()
        subprocess.run(
            [oxigraph_binary(), "load", "--location", str(location), "--file", str(dataset.ntriples)],
            check=True,
            capture_output=True,
            timeout=self.start_timeout,
        )
        loaded = f"oxigraph load {time.perf_counter() - clock:.2f} s"
        (location / ".loaded").write_text(loaded + "\n")
        return [loaded]

    def command(self, dataset: Dataset, port: int, work: Path) -> list[str]:
        return [
            oxigraph_binary(),
            "serve-read-only",
            "--location",
            str(self.store_dir(dataset, work)),
            "--bind",
            f"127.0.0.1:{port}",
        ]


@dataclass
class RdflibEndpoint(System):
    name: str = "rdflib-endpoint"
    path: str = "/"
    #: rdflib-endpoint decodes form bodies twice; a direct POST reaches it intact.
    encoding: str = "direct"

    def command(self, dataset: Dataset, port: int, work: Path) -> list[str]:
        binary = shutil.which("rdflib-endpoint") or str(Path(sys.executable).with_name("rdflib-endpoint"))
        if not Path(binary).is_file():
            raise FileNotFoundError("rdflib-endpoint is not installed: pip install -e '.[bench]'")
        return [binary, "serve", "--host", "127.0.0.1", "--port", str(port), str(dataset.ntriples)]


@dataclass
class CmikgOneWorker(Cmikg):
    """``cmikg serve --workers 1``: one HTTP worker and its query process instead of one per
    core. The engine's threads still use every core; the requests' Python runs on one. This
    is what ``cmikg serve`` does by default from ``ONE_HTTP_WORKER_FROM`` triples held in
    memory; below that it is the setting that trades throughput for memory."""

    name: str = "cmikg-1w"

    def command(self, dataset: Dataset, port: int, work: Path) -> list[str]:
        return super().command(dataset, port, work) + ["--workers", "1"]


SYSTEMS: dict[str, System] = {
    s.name: s for s in (OxigraphMemory(), Cmikg(), CmikgDisk(), CmikgOneWorker(), OxigraphDisk(), RdflibEndpoint())
}

"""``cmikg publish``: send the built dataset to an institution's triple store, losing nothing.

The dump goes to a *new* named graph (one per distinct dump), is verified there (triple
count and checksum, computed by the store and compared with the same query run on the
local file), and only then do readers switch to it, by one small request that adds a
record to the pointer graph (see :mod:`cmikg.publish.layout`). Until that request, readers get
the old version whatever happens to the upload: a dropped connection, a killed process, a
store that runs out of space. The previous version is kept (``--keep``) so that a reader
that looked up the pointer just before the switch still finds its graph; older versions,
and the leftovers of interrupted uploads, are deleted after the switch.

Data travels by the SPARQL 1.1 Graph Store HTTP Protocol (one streamed PUT), or, for
stores that only take SPARQL Update, by ``INSERT DATA`` requests to ``--update-endpoint``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cmikg import dist
from cmikg.config import Settings
from cmikg.errors import CmikgError
from cmikg.publish.layout import (
    Fingerprint,
    Release,
    local_fingerprint,
    releases,
    remote_fingerprint,
    sha256_of,
    switch_record,
    template,
    version_graph,
)
from cmikg.sparqlclient import NotAStore, StoreClient, StoreError

#: Largest body of one ``INSERT DATA`` request when the store only takes SPARQL Update.
UPDATE_CHUNK_BYTES = 4_000_000


def derive_query_url(store_url: str) -> str:
    """The query endpoint next to a Graph Store endpoint (Oxigraph's /store, Fuseki's /ds/data)."""
    parts = urlsplit(store_url)
    head, _, last = parts.path.rstrip("/").rpartition("/")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CmikgError(f"--store {store_url!r}: not an http(s) URL")
    if last not in ("store", "data"):
        raise CmikgError(f"--store {store_url}: cannot guess the query endpoint; pass --query-endpoint URL")
    return urlunsplit((parts.scheme, parts.netloc, f"{head}/query", "", ""))


@dataclass(frozen=True)
class Dump:
    """The local dataset: the file, its release label, SHA-256 and fingerprint."""

    path: Path
    label: str
    sha256: str
    fingerprint: Fingerprint


def read_dump(settings: Settings) -> Dump:
    path = settings.dataset_file
    if not path.is_file():
        raise CmikgError(f"{settings.rel(path)}: not built yet; run `cmikg build` first")
    fingerprint = local_fingerprint(path)
    if fingerprint.triples == 0:
        raise CmikgError(f"{settings.rel(path)}: no triples; nothing to publish")
    return Dump(path, release_label(settings), sha256_of(path), fingerprint)


def release_label(settings: Settings) -> str:
    """The dataset version recorded by the build (``unversioned`` when the report is missing)."""
    report = settings.dist / dist.BUILD_REPORT
    try:
        return str(json.loads(report.read_text(encoding="utf-8")).get("version") or "unversioned")
    except (OSError, ValueError):
        return "unversioned"


@dataclass
class Publisher:
    """Upload, verify, switch, clean up: each step leaves the served version intact."""

    client: StoreClient
    pointer: str
    keep: int = 1
    say: Callable[[str], None] = field(default=print)
    via_update: bool = False

    def publish(self, dump: Dump) -> Release:
        started = time.perf_counter()
        history = releases(self.client, self.pointer)
        served = history[0] if history else None
        target = Release(
            version_graph(self.pointer, dump.label, dump.sha256), dump.label, dump.sha256, dump.fingerprint.triples
        )
        if served and served.graph == target.graph:
            return self._already_served(served, dump)
        self.say(
            f"publishing {dump.path.name} ({dump.fingerprint}) as <{target.graph}>; "
            f"readers get {_name(served)} until it is verified"
        )
        clock = time.perf_counter()
        if remote_fingerprint(self.client, target.graph) == dump.fingerprint:
            self.say("  the store already holds exactly this dump in that graph: not uploading it again")
        else:
            self._upload(target, dump, served)
        uploaded = time.perf_counter() - clock
        clock = time.perf_counter()
        self._verify(target, dump, served)
        verified = time.perf_counter() - clock
        self._switch(target, served)
        deleted = self._clean_up(target)
        self.say(
            f"published {target.short}: {dump.fingerprint.triples} triples in "
            f"{time.perf_counter() - started:.2f} s (upload {uploaded:.2f} s, verification {verified:.2f} s); "
            f"previous: {_name(served)}; deleted: {', '.join(deleted) or 'nothing'}"
        )
        return target

    def _already_served(self, served: Release, dump: Dump) -> Release:
        found = remote_fingerprint(self.client, served.graph)
        if found != dump.fingerprint:
            raise CmikgError(
                f"<{served.graph}> is served but holds {found}, not the dump's {dump.fingerprint}: "
                "delete that graph in the store, then publish again"
            )
        self.say(f"{served.short} is already the served version ({found}): nothing to do")
        return served

    def _upload(self, target: Release, dump: Dump, served: Release | None) -> None:
        try:
            if not self.via_update:
                try:
                    self.client.put_graph(target.graph, dump.path)
                    return
                except NotAStore:
                    if not self.client.update_url:
                        raise
                    self.via_update = True
                    self.say(
                        f"  {self.client.graph_store_url} has no Graph Store Protocol: "
                        f"uploading through SPARQL Update at {self.client.update_url}"
                    )
            self._upload_by_update(target.graph, dump.path)
        except NotAStore as exc:
            raise CmikgError(f"{exc} (for a store that only takes SPARQL Update, pass --update-endpoint)") from exc
        except StoreError as exc:
            self._drop_quietly(target.graph)
            raise CmikgError(
                f"upload of <{target.graph}> failed: {exc}; nothing was switched: readers still get {_name(served)}"
            ) from exc

    def _upload_by_update(self, graph: str, path: Path) -> None:
        """``DROP`` then ``INSERT DATA`` in chunks; every blank node's triples share one chunk."""
        self.client.update(template("drop-graph.ru", graph=graph))
        for chunk in update_chunks(path):
            self.client.update(template("insert-data.ru", graph=graph, triples=chunk))

    def _verify(self, target: Release, dump: Dump, served: Release | None) -> None:
        found = remote_fingerprint(self.client, target.graph)
        if found != dump.fingerprint:
            self._drop_quietly(target.graph)
            raise CmikgError(
                f"verification failed: <{target.graph}> holds {found}, the dump has "
                f"{dump.fingerprint}; nothing was switched: readers still get {_name(served)}"
            )
        self.say(f"  verified: the store holds {found}, as the dump does")

    def _switch(self, target: Release, served: Release | None) -> None:
        """One request that adds the new record; its time is later than every earlier record's."""
        now = datetime.now(UTC)
        if served and served.switched:
            latest = datetime.fromisoformat(served.switched.replace("Z", "+00:00"))
            now = max(now, latest + timedelta(milliseconds=1))
        record = switch_record(self.pointer, target, now)
        if self.via_update:
            self.client.update(template("insert-data.ru", graph=self.pointer, triples=record.decode("utf-8")))
        else:
            self.client.post_graph(self.pointer, record)
        now_served = releases(self.client, self.pointer, limit=1)
        if not now_served or now_served[0].graph != target.graph:
            raise CmikgError(
                f"the switch to <{target.graph}> did not take: readers get "
                f"{_name(now_served[0] if now_served else None)}"
            )

    def _clean_up(self, target: Release) -> list[str]:
        """Delete versions beyond ``keep`` and leftovers of interrupted uploads; never the served one."""
        kept = {r.graph for r in releases(self.client, self.pointer)[: 1 + self.keep]} | {target.graph}
        rows = self.client.select(template("graphs.rq", prefix=f"{self.pointer}/v"))
        stale = sorted({row["graph"]["value"] for row in rows} - kept)
        for graph in stale:
            self._drop(graph)
        if self.client.update_url:
            self._forget_records(kept)
        return [g.rsplit("/", 1)[-1] for g in stale]

    def _forget_records(self, kept: set[str]) -> None:
        gone = [r.graph for r in releases(self.client, self.pointer) if r.graph not in kept]
        if gone:
            self.client.update(
                template("forget-versions.ru", graph=self.pointer, versions=" ".join(f"<{g}>" for g in gone))
            )

    def _drop(self, graph: str) -> None:
        if self.via_update or not self.client.graph_store_url:
            self.client.update(template("drop-graph.ru", graph=graph))
        else:
            self.client.delete_graph(graph)

    def _drop_quietly(self, graph: str) -> None:
        """Best effort after a failure: the store may be the thing that failed."""
        try:
            self._drop(graph)
        except (StoreError, CmikgError):
            pass


def update_chunks(path: Path, limit: int = UPDATE_CHUNK_BYTES):
    """N-Triples text in pieces of about ``limit`` bytes for ``INSERT DATA``.

    A blank node label means the same node only within one request, so every line that
    mentions a blank node goes into the first piece, whatever its size.
    """
    with_blanks: list[str] = []
    pieces: list[list[str]] = [[]]
    size = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            if "_:" in line and _mentions_blank_node(line):
                with_blanks.append(line)
                continue
            if size + len(line) > limit and pieces[-1]:
                pieces.append([])
                size = 0
            pieces[-1].append(line)
            size += len(line)
    for piece in ([with_blanks] if with_blanks else []) + [p for p in pieces if p]:
        yield "".join(piece)


def _mentions_blank_node(line: str) -> bool:
    """True when the subject or object is a blank node (not ``_:`` inside a literal or IRI)."""
    if line.startswith("_:"):
        return True
    tail = line.rstrip().removesuffix(".").rstrip()
    return tail.rsplit(" ", 1)[-1].startswith("_:") and not tail.endswith('"')


def _name(release: Release | None) -> str:
    return release.short if release else "nothing (no version published yet)"

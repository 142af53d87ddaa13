"""An upload broken part-way leaves the old version serving: a connection dropped by the
network, and the publishing process killed mid-upload. Then a clean publish recovers and
removes what the broken one left behind."""

from __future__ import annotations

import os
import signal
import subprocess

from cmikg.publish.layout import DEFAULT_GRAPH

from .conftest import Oxigraph, Version, publish_command, run_publish
from .stand_ins import CuttingProxy


def cut_point(version: Version) -> int:
    """A third of the dump: the upload is well under way, far from done."""
    return version.dump.stat().st_size // 3


def test_dropped_connection_mid_upload(oxigraph: Oxigraph, versions: list[Version]) -> None:
    v1, v2 = versions[:2]
    assert run_publish(v1, "--store", oxigraph.store).returncode == 0
    old = oxigraph.served()
    proxy = CuttingProxy(oxigraph.port, cut_after=cut_point(v2), mode="drop")
    try:
        broken = run_publish(v2, "--store", proxy.url("/store"), "--query-endpoint", oxigraph.query)
    finally:
        proxy.close()
    assert proxy.cut.is_set(), "the proxy never cut the upload"
    assert broken.returncode == 1 and "Traceback" not in broken.stderr, broken.stderr
    assert "readers still get " + old.short in broken.stderr
    assert oxigraph.served() == old and v1.is_what(oxigraph, old)

    recovered = run_publish(v2, "--store", oxigraph.store)
    assert recovered.returncode == 0, recovered.stderr
    assert v2.is_what(oxigraph, oxigraph.served())
    assert old.graph in oxigraph.graphs(), "the previous version is kept"


def test_publisher_killed_mid_upload(oxigraph: Oxigraph, versions: list[Version]) -> None:
    v1, v2, v3 = versions
    assert run_publish(v1, "--store", oxigraph.store).returncode == 0
    old = oxigraph.served()
    proxy = CuttingProxy(oxigraph.port, cut_after=cut_point(v2), mode="stall")
    process = subprocess.Popen(
        publish_command(v2, "--store", proxy.url("/store"), "--query-endpoint", oxigraph.query),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert proxy.cut.wait(timeout=120), "the upload never reached the cut point"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        proxy.close()
    assert process.returncode == -signal.SIGKILL
    assert oxigraph.served() == old and v1.is_what(oxigraph, old), "readers still get the old version"

    recovered = run_publish(v3, "--store", oxigraph.store)
    assert recovered.returncode == 0, recovered.stderr
    new = oxigraph.served()
    assert v3.is_what(oxigraph, new)
    assert oxigraph.graphs() == {DEFAULT_GRAPH, new.graph, old.graph}, "whatever the killed upload left is gone"


def test_leftovers_of_broken_uploads_are_deleted(oxigraph: Oxigraph, versions: list[Version]) -> None:
    """A store that keeps what it received of a broken upload: the next publish removes it."""
    lines = versions[1].dump.read_text(encoding="utf-8").splitlines(keepends=True)
    leftover = f"{DEFAULT_GRAPH}/v0.0.0-000000000000"
    oxigraph.client().post_graph(leftover, "".join(lines[: len(lines) // 2]).encode("utf-8"))
    assert leftover in oxigraph.graphs()
    assert run_publish(versions[0], "--store", oxigraph.store).returncode == 0
    assert leftover not in oxigraph.graphs()
    assert versions[0].is_what(oxigraph, oxigraph.served())

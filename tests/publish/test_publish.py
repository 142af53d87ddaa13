"""``cmikg publish`` against a real Oxigraph server: upload, verification, the switch,
what is kept and deleted, the SPARQL Update path, credentials and the one-line errors."""

from __future__ import annotations

import time

from cmikg.publish.layout import DEFAULT_GRAPH, releases, version_graph
from tests.conftest import free_port

from .conftest import Oxigraph, Version, run_publish
from .stand_ins import AuthProxy, HtmlSite, basic


def assert_one_line_error(result, *words: str) -> None:
    """Exit 1, no traceback, one line on stderr naming the problem."""
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_publish_verifies_and_switches(oxigraph: Oxigraph, versions: list[Version], artifacts) -> None:
    v1 = versions[0]
    assert oxigraph.served() is None
    clock = time.perf_counter()
    result = run_publish(v1, "--store", oxigraph.store, "--update-endpoint", oxigraph.update)
    elapsed = time.perf_counter() - clock
    assert result.returncode == 0, result.stderr
    served = oxigraph.served()
    assert v1.is_what(oxigraph, served)
    sha = served.sha256
    assert served.graph == version_graph(DEFAULT_GRAPH, served.label, sha)
    assert f"verified: the store holds {v1.fingerprint()}" in result.stdout
    report = (
        f"publish of the full graph ({v1.fingerprint().triples} triples) to Oxigraph: {elapsed:.2f} s "
        f"for the whole command; the command's own line: {result.stdout.splitlines()[-1]}"
    )
    (artifacts / "publish-timing.txt").write_text(report + "\n", encoding="utf-8")
    print(report)


def test_publishing_the_served_version_again_changes_nothing(oxigraph: Oxigraph, versions: list[Version]) -> None:
    v1 = versions[0]
    assert run_publish(v1, "--store", oxigraph.store).returncode == 0
    before = releases(oxigraph.client(), DEFAULT_GRAPH)
    again = run_publish(v1, "--store", oxigraph.store)
    assert again.returncode == 0, again.stderr
    assert "already the served version" in again.stdout
    assert releases(oxigraph.client(), DEFAULT_GRAPH) == before


def test_previous_version_is_kept_and_older_ones_deleted(oxigraph: Oxigraph, versions: list[Version]) -> None:
    published = []
    for version in versions:
        result = run_publish(version, "--store", oxigraph.store, "--update-endpoint", oxigraph.update)
        assert result.returncode == 0, result.stderr
        published.append(oxigraph.served())
    v1, v2, v3 = published
    assert versions[2].is_what(oxigraph, oxigraph.served())
    graphs = oxigraph.graphs()
    assert v3.graph in graphs and v2.graph in graphs, "the served and the previous version are kept"
    assert v1.graph not in graphs, "versions older than the previous one are deleted"
    assert [r.graph for r in releases(oxigraph.client(), DEFAULT_GRAPH)] == [v3.graph, v2.graph]


def test_keep_zero_deletes_the_previous_version(oxigraph: Oxigraph, versions: list[Version]) -> None:
    for version in versions[:2]:
        assert run_publish(version, "--store", oxigraph.store, "--keep", "0").returncode == 0
    served = oxigraph.served()
    assert versions[1].is_what(oxigraph, served)
    assert {g for g in oxigraph.graphs() if g.startswith(DEFAULT_GRAPH + "/v")} == {served.graph}


def test_rolling_back_to_the_kept_version(oxigraph: Oxigraph, versions: list[Version]) -> None:
    v1, v2 = versions[:2]
    for version in (v1, v2, v1):
        result = run_publish(version, "--store", oxigraph.store, "--update-endpoint", oxigraph.update)
        assert result.returncode == 0, result.stderr
    assert "already holds exactly this dump" in result.stdout, "the kept graph is reused, not uploaded again"
    assert v1.is_what(oxigraph, oxigraph.served())


def test_store_with_sparql_update_only(oxigraph: Oxigraph, versions: list[Version]) -> None:
    """No Graph Store Protocol at --store: the data goes through INSERT DATA requests."""
    for version in versions[:2]:
        result = run_publish(
            version,
            "--store",
            oxigraph.url("/no-graph-store"),
            "--query-endpoint",
            oxigraph.query,
            "--update-endpoint",
            oxigraph.update,
        )
        assert result.returncode == 0, result.stderr
        assert "uploading through SPARQL Update" in result.stdout
    assert versions[1].is_what(oxigraph, oxigraph.served())
    assert len(releases(oxigraph.client(), DEFAULT_GRAPH)) == 2


def test_basic_and_bearer_credentials_from_the_environment(oxigraph: Oxigraph, versions: list[Version]) -> None:
    proxy = AuthProxy(oxigraph.url(""), writers={basic("curator", "s3cret"), "Bearer tok-123"})
    try:
        result = run_publish(
            versions[0],
            "--store",
            proxy.url("/store"),
            "--auth-env",
            "STORE_AUTH",
            env={"STORE_AUTH": "curator:s3cret"},
        )
        assert result.returncode == 0, result.stderr
        result = run_publish(
            versions[1], "--store", proxy.url("/store"), "--auth-env", "STORE_AUTH", env={"STORE_AUTH": "tok-123"}
        )
        assert result.returncode == 0, result.stderr
    finally:
        proxy.close()
    assert versions[1].is_what(oxigraph, oxigraph.served())


def test_refused_credentials(oxigraph: Oxigraph, versions: list[Version]) -> None:
    proxy = AuthProxy(oxigraph.url(""), writers={basic("curator", "s3cret")}, readers={basic("guest", "guest")})
    try:
        missing = run_publish(versions[0], "--store", proxy.url("/store"))
        wrong = run_publish(
            versions[0], "--store", proxy.url("/store"), "--auth-env", "STORE_AUTH", env={"STORE_AUTH": "curator:wrong"}
        )
        read_only = run_publish(
            versions[0], "--store", proxy.url("/store"), "--auth-env", "STORE_AUTH", env={"STORE_AUTH": "guest:guest"}
        )
    finally:
        proxy.close()
    assert_one_line_error(missing, "HTTP 401", "--auth-env")
    assert_one_line_error(wrong, "HTTP 401", "check the credentials")
    assert_one_line_error(read_only, "HTTP 403")
    assert oxigraph.served() is None


def test_unreachable_store(versions: list[Version]) -> None:
    port = free_port()  # nothing listens there
    result = run_publish(versions[0], "--store", f"http://127.0.0.1:{port}/store")
    assert_one_line_error(result, "cannot reach the store", str(port))


def test_url_without_the_graph_store_protocol(oxigraph: Oxigraph, versions: list[Version]) -> None:
    result = run_publish(versions[0], "--store", oxigraph.url("/no-graph-store"), "--query-endpoint", oxigraph.query)
    assert_one_line_error(
        result, "does not speak the SPARQL 1.1 Graph Store HTTP Protocol", "HTTP 404", "--update-endpoint"
    )
    assert oxigraph.served() is None


def test_query_endpoint_that_is_not_sparql(oxigraph: Oxigraph, versions: list[Version]) -> None:
    result = run_publish(versions[0], "--store", oxigraph.store, "--query-endpoint", oxigraph.url("/nothing-here"))
    assert_one_line_error(result, "does not speak the SPARQL 1.1 Protocol", "HTTP 404")


def test_web_site_answering_html(versions: list[Version]) -> None:
    site = HtmlSite()
    try:
        result = run_publish(versions[0], "--store", site.url("/store"))
    finally:
        site.close()
    assert_one_line_error(result, "text/html", "not SPARQL JSON results")

"""What each entry point imports, read from ``sys.modules`` in a fresh interpreter: serving
never loads rdflib or the build's reasoner and SHACL engine, and the command line's other
verbs never load Flask."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cmikg.config import Settings

pytestmark = pytest.mark.slow  # each test starts a fresh interpreter

#: Pages and endpoint calls the serving check visits, in process, through Flask's test client.
VISITED = (
    "/",
    "/sparql?query=ASK%7B%7D",
    "/sparql?query=CONSTRUCT%7B%3Fs%20%3Fp%20%3Fo%7DWHERE%7B%3Fs%20%3Fp%20%3Fo%7DLIMIT%203&format=ttl",
    "/sparql",
    "/sparql?format=jsonld",
    "/sparql?format=rdfxml",
    "/.well-known/void",
    "/.well-known/void?format=nt",
    "/doc/dataset",
    "/doc/country/cub",
    "/doc/country/cub.ttl",
    "/doc/country/cub.nt",
    "/doc/country/cub.rdf",
    "/doc/country/cub.jsonld",
    "/ontology",
    "/ontology.ttl",
    "/ontology.nt",
    "/ontology.jsonld",
    "/ontology.rdf",
    "/query",
    "/query?query=CONSTRUCT%7B%3Fs%20%3Fp%20%3Fo%7DWHERE%7B%3Fs%20%3Fp%20%3Fo%7DLIMIT%203",
    "/search?q=cuba",
    "/map",
    "/queries/programs.csv",
    "/reconcile",
    "/reconcile?queries=%7B%22q0%22%3A%7B%22query%22%3A%22Haiti%22%7D%7D",
)


def modules_after(code: str) -> dict:
    """Run ``code`` in a new interpreter; it must print a JSON object as its last line."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_serving_imports_neither_rdflib_nor_owlready2_nor_pyshacl(built: Settings):
    """pyoxigraph reads and writes every RDF text the server sends; rdflib would add about
    19 MiB to each of its processes."""
    code = f"""
import json, sys
from cmikg.config import Settings
from cmikg.service.app import create_app
app = create_app(Settings.for_dist(dist={str(built.dist)!r}))
client = app.test_client()
statuses = {{path: client.get(path).status_code for path in {VISITED!r}}}
loaded = sorted(m for m in ("rdflib", "owlready2", "pyshacl") if m in sys.modules)
print(json.dumps({{"statuses": statuses, "loaded": loaded}}))
"""
    found = modules_after(code)
    assert set(found["statuses"].values()) == {200}, found["statuses"]
    assert found["loaded"] == []


def test_the_process_workers_are_forked_from_holds_no_jsonld_or_http_client(built: Settings):
    """``cmikg serve`` builds the app before forking: what it imports then is in every
    worker. pyld (with requests and lxml) is loaded by the first JSON-LD document, and
    the HTTP client by the first SERVICE call, in the worker that needs them."""
    code = f"""
import json, sys
from cmikg.config import Settings
from cmikg.service.app import create_app
app = create_app(Settings.for_dist(dist={str(built.dist)!r}))
before = sorted(m for m in ("pyld", "requests", "lxml") if m in sys.modules)
status = app.test_client().get("/doc/country/cub.jsonld").status_code
print(json.dumps({{"before": before, "status": status, "after": "pyld" in sys.modules}}))
"""
    found = modules_after(code)
    assert found["before"] == [], found
    assert found["status"] == 200 and found["after"], found


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["query", "ASK {}"],
        ["export", "--format", "turtle", "--output", "{tmp}/out.ttl"],
        ["stats", "--json"],
        ["validate", "--no-reasoner"],
    ],
    ids=lambda argv: argv[0],
)
def test_non_serving_verbs_do_not_import_flask(built: Settings, tmp_path, argv: list[str]):
    args = ["--project", str(built.root), "--dist", str(built.dist), *[a.replace("{tmp}", str(tmp_path)) for a in argv]]
    code = f"""
import contextlib, io, json, sys
from cmikg.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        status = main({args!r})
    except SystemExit as exc:
        status = exc.code
print(json.dumps({{"status": status, "flask": "flask" in sys.modules, "werkzeug": "werkzeug" in sys.modules}}))
"""
    found = modules_after(code)
    assert found["status"] == 0, found
    assert not found["flask"] and not found["werkzeug"], found

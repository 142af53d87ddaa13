"""``cmikg export``: the dumps as built, and a JSON-LD context that JSON-LD tooling (pyld) can use
as it is. QuickStatements have their own file, test_quickstatements.py."""

from __future__ import annotations

import json

import pytest
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic

from cmikg.cli.export import DUMPS
from cmikg.namespaces import PREFIXES
from tests.wikidata.conftest import run_cmikg


@pytest.mark.parametrize("fmt", sorted(DUMPS))
def test_rdf_formats_are_the_built_dumps(built, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    done = run_cmikg(built, "export", "--format", fmt, "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (built.dist / DUMPS[fmt]).read_bytes()


def test_export_to_standard_output(built):
    done = run_cmikg(built, "export", "--format", "ntriples")
    assert done.stdout == (built.dist / "cmikg.nt").read_text(encoding="utf-8")


def test_missing_build_and_bad_output_are_clear(built, tmp_path):
    done = run_cmikg(built, "--dist", str(tmp_path / "none"), "export", "--format", "turtle")
    assert done.returncode == 1 and "not built yet; run `cmikg build` first" in done.stderr
    done = run_cmikg(built, "export", "--format", "turtle", "--output", str(tmp_path / "no" / "x.ttl"))
    assert done.returncode == 1 and "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_context_keeps_every_prefix(built):
    context = json.loads((built.dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    for prefix, namespace in PREFIXES.items():
        if prefix != "id":  # "id" is the alias of @id
            assert context.get(prefix) == namespace, prefix


def test_context_reads_hand_written_json(built):
    context = json.loads((built.dist / "context.jsonld").read_text(encoding="utf-8"))
    doc = {
        **context,
        "id": "mission:example",
        "type": "cmi:MedicalMission",
        "hostCountry": "country:cub",
        "cmi:country": "country:ven",
        "label": {"en": "An example"},
    }
    quads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert (
        "<https://w3id.org/cmikg/id/mission/example> <https://w3id.org/cmikg/ontology#hostCountry> "
        "<https://w3id.org/cmikg/id/country/cub> ." in quads
    )
    assert "<https://w3id.org/cmikg/ontology#country> <https://w3id.org/cmikg/id/country/ven> ." in quads


def test_jsonld_round_trips_without_loss(built):
    """expand -> compact with dist/context.jsonld -> expand -> RDF equals dist/cmikg.nt."""
    document = json.loads((built.dist / "cmikg.jsonld").read_text(encoding="utf-8"))
    context = json.loads((built.dist / "context.jsonld").read_text(encoding="utf-8"))
    compacted = jsonld.compact(jsonld.expand(document), context)
    assert compacted["@context"] == context["@context"]
    quads = jsonld.to_rdf(jsonld.expand(compacted), {"format": "application/n-quads"})
    dump = (built.dist / "cmikg.nt").read_text(encoding="utf-8")
    ground = lambda text: {line for line in text.splitlines() if line and "_:" not in line}  # noqa: E731
    assert ground(quads) and ground(quads) == ground(dump), "triples without blank nodes, compared verbatim"
    from_json, from_nt = Graph(), Graph()
    from_json.parse(data=quads, format="nt")
    from_nt.parse(data=dump, format="nt")
    assert isomorphic(from_json, from_nt), "with the ontology's blank nodes (OWL lists), up to renaming"
    iris = json.dumps(compacted)
    assert '"country:cub"' in iris, "entity IRIs compact to prefixed names"

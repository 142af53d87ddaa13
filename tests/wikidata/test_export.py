"""``cmikg export``: the dumps as built, QuickStatements syntax and references, and a JSON-LD
context that JSON-LD tooling (pyld) can use as it is."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic

from cmikg.cli.export import DUMPS
from cmikg.namespaces import PREFIXES
from tests.wikidata.conftest import run_cmikg

ITEM, PROPERTY = re.compile(r"Q[1-9]\d*"), re.compile(r"P[1-9]\d*")
VALUE = {
    "item": ITEM,
    "string": re.compile(r'"[^\t]*"'),
    "monolingual": re.compile(r'[a-z_-]+:"[^\t]*"'),
    "time": re.compile(r"[+-]\d{4,}-\d\d-\d\dT00:00:00Z/(8|9|10|11)"),
    "quantity": re.compile(r"[+-]\d+(\.\d+)?(U[1-9]\d*)?"),
}
#: Mappings a test copy of the graph adds, so that some claims have a Wikidata form.
EXTRA_MAPPINGS = {
    "https://w3id.org/cmikg/ontology#population": "http://www.wikidata.org/prop/direct/P1082",
    "https://w3id.org/cmikg/ontology#hasDiplomaticRelationsWith": "http://www.wikidata.org/prop/direct/P530",
}
EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"


def kind_of(value: str) -> str | None:
    return next((kind for kind, pattern in VALUE.items() if pattern.fullmatch(value)), None)


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


@pytest.fixture
def mapped_dist(built, tmp_path):
    """A copy of the built dist/ whose graph maps two more predicates to Wikidata properties."""
    dist = tmp_path / "dist"
    shutil.copytree(built.dist, dist)
    with (dist / "cmikg.nt").open("a", encoding="utf-8") as stream:
        for term, target in EXTRA_MAPPINGS.items():
            stream.write(f"<{term}> <{EXACT}> <{target}> .\n")
    return dist


def test_quickstatements_lines_are_valid_and_referenced(built, mapped_dist):
    done = run_cmikg(
        built, "--dist", str(mapped_dist), "export", "--format", "quickstatements", "--retrieved", "2026-01-31"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines, "the mapped predicates should give at least one command"
    assert f"{len(lines)} command(s)" in done.stderr
    for line in lines:
        fields = line.split("\t")
        assert ITEM.fullmatch(fields[0]) and PROPERTY.fullmatch(fields[1]), line
        assert kind_of(fields[2]), line
        pairs = list(zip(fields[3::2], fields[4::2], strict=False))
        assert len(fields) % 2 == 1, f"odd field count: {line}"
        keys = [k for k, _ in pairs]
        sources = [i for i, k in enumerate(keys) if k.startswith("S")]
        assert sources, f"no reference: {line}"
        assert all(k.startswith("P") for k in keys[: sources[0]]) and all(k.startswith("S") for k in keys[sources[0] :])
        for key, value in pairs:
            assert re.fullmatch(r"[PS][1-9]\d*", key) and kind_of(value), (key, value)
        refs = dict(pairs[sources[0] :])
        assert "S854" in refs or "S248" in refs
        assert refs["S813"] == "+2026-01-31T00:00:00Z/11"
        assert "S248" not in refs or ITEM.fullmatch(refs["S248"])
        assert kind_of(refs.get("S1683", 'en:"x"')) == "monolingual"


def test_quickstatements_match_the_claims(built, mapped_dist):
    """Every statement written is one the graph makes, read back with SPARQL."""
    graph = Graph()
    graph.parse(mapped_dist / "cmikg.nt", format="nt")
    qid = "STRAFTER(STR(?q), 'http://www.wikidata.org/entity/')"
    expected = set()
    for row in graph.query(f"""
        PREFIX cmi: <https://w3id.org/cmikg/ontology#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?item ?prop ?value WHERE {{
          ?claim cmi:predicate ?p ; cmi:subject ?s ; cmi:valueEntity ?v .
          ?p skos:exactMatch ?wdt . ?s owl:sameAs ?q . ?v owl:sameAs ?vq .
          BIND({qid} AS ?item) BIND(STRAFTER(STR(?wdt), '/direct/') AS ?prop)
          BIND(STRAFTER(STR(?vq), 'http://www.wikidata.org/entity/') AS ?value)
          FILTER(STRSTARTS(STR(?wdt), 'http://www.wikidata.org/prop/direct/'))
        }}"""):
        expected.add(tuple(str(x) for x in row))
    for row in graph.query(f"""
        PREFIX cmi: <https://w3id.org/cmikg/ontology#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?item ?prop ?value WHERE {{
          ?claim cmi:predicate ?p ; cmi:subject ?s ; cmi:quantity ?n ; cmi:approximation cmi:exactly .
          ?p skos:exactMatch ?wdt . ?s owl:sameAs ?q .
          BIND({qid} AS ?item) BIND(STRAFTER(STR(?wdt), '/direct/') AS ?prop) BIND(CONCAT('+', STR(?n)) AS ?value)
          FILTER(STRSTARTS(STR(?wdt), 'http://www.wikidata.org/prop/direct/'))
        }}"""):
        expected.add(tuple(str(x) for x in row))
    done = run_cmikg(
        built, "--dist", str(mapped_dist), "export", "--format", "quickstatements", "--retrieved", "2026-01-31"
    )
    written = {tuple(line.split("\t")[:3]) for line in done.stdout.splitlines()}
    assert written and written == expected


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

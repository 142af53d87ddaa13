"""files → checks → ``dist/``: the one pipeline that produces what everything else serves.

The output is written to a temporary folder next to ``dist/`` and swapped in only when
every check has passed, so a failed build never leaves ``dist/`` half-written: the last
good build stays served. Outputs are byte-identical between runs on the same input
(canonical blank-node labels, sorted N-Triples, no timestamps).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from cmikg.build import evidence
from cmikg.build.context import build_context, to_jsonld
from cmikg.build.derivation import derived_triples
from cmikg.build.forked import ForkedCall
from cmikg.build.loading import SourceGraph, load_shapes, load_sources, new_graph
from cmikg.build.reasoning import Inconsistent, declared_terms, start_consistency_check
from cmikg.build.validation import run_shacl, short
from cmikg.config import Settings
from cmikg.errors import ValidationFailed
from cmikg.namespaces import BASE, CMI, DATASET, ID, PREFIXES, RDF, VOID, XSD
from cmikg.wikidata.checks import build_problems as wikidata_problems

DUMPS = {"cmikg.nt": "nt", "cmikg.ttl": "turtle", "cmikg.jsonld": "json-ld", "cmikg.rdf": "xml"}


@dataclass
class CheckedGraph:
    """The validated union of ontology, data and derived triples."""

    sources: SourceGraph
    graph: Graph
    timings: dict[str, float] = field(default_factory=dict)


def check(settings: Settings, reason: bool = True) -> CheckedGraph:
    """Run every check; raise :class:`ValidationFailed` listing every problem found."""
    loaded, shapes = load(settings)
    return verify(settings, loaded, shapes, reason)


def load(settings: Settings) -> tuple[CheckedGraph, Graph]:
    """Parse the ontology, the data and the shapes, and add the derived triples (not yet checked)."""
    clock = time.perf_counter()
    sources = load_sources(settings)
    shapes = load_shapes(settings)
    full = sources.union()
    full += derived_triples(sources.ontology, sources.data)
    return CheckedGraph(sources, full, {"parse": time.perf_counter() - clock}), shapes


def verify(settings: Settings, loaded: CheckedGraph, shapes: Graph, reason: bool = True) -> CheckedGraph:
    """Check a loaded graph; raise :class:`ValidationFailed` listing every problem found.

    HermiT runs in its own process from the start, so the reasoner and the Python checks
    (SHACL, quotes, Wikidata links) share the machine's cores instead of running one after
    the other; its answer is awaited only once the others have passed.
    """
    sources, full, timings = loaded.sources, loaded.graph, loaded.timings
    reasoner = start_consistency_check(full) if reason else None
    try:
        _run_checks(settings, sources, shapes, full, timings)
        if reasoner is not None:
            clock = time.perf_counter()
            try:
                reasoner.result(sources)
            except Inconsistent as exc:
                raise ValidationFailed(str(exc), exc.explanations) from exc
            timings["hermit_wait"] = time.perf_counter() - clock
    finally:
        if reasoner is not None:
            reasoner.close()
    return loaded


def _run_checks(
    settings: Settings, sources: SourceGraph, shapes: Graph, full: Graph, timings: dict[str, float]
) -> None:
    """Every check but the reasoner's; raise :class:`ValidationFailed` listing every problem found."""
    clock = time.perf_counter()
    problems = undeclared_terms(sources) + dangling_links(sources, full)
    timings["terms"] = time.perf_counter() - clock
    clock = time.perf_counter()
    problems += [str(v) for v in run_shacl(sources, shapes, full)]
    timings["shacl"] = time.perf_counter() - clock
    clock = time.perf_counter()
    problems += evidence.check_quotes(sources, settings)
    problems += wikidata_problems(settings, sources)  # Wikidata links: see cmikg.wikidata.checks
    timings["quotes_wikidata"] = time.perf_counter() - clock
    if problems:
        raise ValidationFailed(f"{len(problems)} problem(s) in the graph", problems)


def undeclared_terms(sources: SourceGraph) -> list[str]:
    """Classes and properties in the project namespace that the ontology does not declare."""
    classes, properties = declared_terms(sources.ontology)
    problems = []
    for s, p, o in sources.data:
        if str(p).startswith(str(CMI)) and p not in properties:
            problems.append(f"{sources.where(s)}: {short(s)} uses {short(p)}, which the ontology does not declare")
        if p == RDF.type and str(o).startswith(str(CMI)) and o not in classes:
            problems.append(f"{sources.where(s)}: {short(s)} is typed {short(o)}, which the ontology does not declare")
    return sorted(set(problems))


def dangling_links(sources: SourceGraph, full: Graph) -> list[str]:
    """Links to project IRIs that nothing describes (usually a typo in a slug)."""
    typed = set(full.subjects(RDF.type, None))
    problems = []
    for s, p, o in sources.data:
        if isinstance(o, URIRef) and str(o).startswith(str(ID)) and o not in typed and o != DATASET:
            problems.append(f"{sources.where(s)}: {short(s)} {short(p)} {short(o)}: "
                            f"{short(o)} is not defined anywhere (no rdf:type)")
    return sorted(set(problems))


def canonical_graph(graph: Graph) -> Graph:
    """The same graph with canonical blank-node labels, its triples inserted in sorted order.

    rdflib's serialisers walk the store in insertion order and name blank nodes by their
    ids, so both must be fixed for the Turtle and RDF/XML files to be byte-identical.
    """
    final = new_graph()
    for triple in sorted(to_canonical_graph(graph)):
        final.add(triple)
    return final


def canonical_ntriples(graph: Graph) -> str:
    """Sorted N-Triples of an already canonical graph: the dataset's fingerprint."""
    lines = {line for line in graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
             if line.strip()}
    return "".join(f"{line}\n" for line in sorted(lines))


def build(settings: Settings) -> dict:
    """Check everything and write ``dist/`` atomically. Returns the build report.

    The outputs are written into a staging folder by a forked child while the parent runs
    the checks; they are swapped in only when every check has passed and the child is done,
    so ``dist/`` still never holds an unchecked build.
    """
    started = time.perf_counter()
    loaded, shapes = load(settings)
    settings.dist.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".dist-", dir=settings.dist.parent))
    writer = ForkedCall(_timed_outputs, settings, loaded, staging)
    try:
        checked = verify(settings, loaded, shapes)
        clock = time.perf_counter()
        report, checked.timings["write"] = writer.result()
        checked.timings["write_wait"] = time.perf_counter() - clock
        _swap_in(staging, settings.dist)
    except BaseException:
        writer.cancel()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report_timings = dict(checked.timings, total=time.perf_counter() - started)
    return {**report, "timings_seconds": {k: round(v, 2) for k, v in report_timings.items()}}


def _timed_outputs(settings: Settings, checked: CheckedGraph, out: Path) -> tuple[dict, float]:
    clock = time.perf_counter()
    report = _write_outputs(settings, checked, out)
    return report, time.perf_counter() - clock


def write_dist(settings: Settings, checked: CheckedGraph) -> dict:
    settings.dist.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".dist-", dir=settings.dist.parent))
    try:
        report = _write_outputs(settings, checked, staging)
        _swap_in(staging, settings.dist)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _swap_in(staging: Path, dist: Path) -> None:
    old = dist.with_name(dist.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dist.exists():
        dist.rename(old)
    staging.rename(dist)
    shutil.rmtree(old, ignore_errors=True)


def _write_outputs(settings: Settings, checked: CheckedGraph, out: Path) -> dict:
    final = canonical_graph(checked.graph)
    nt = canonical_ntriples(final)
    (out / "cmikg.nt").write_text(nt, encoding="utf-8")
    final.serialize(out / "cmikg.ttl", format="turtle", encoding="utf-8")
    write_rdfxml(nt, out / "cmikg.rdf")
    context = build_context(checked.sources.ontology)
    _write_json(out / "context.jsonld", context)
    _write_json(out / "cmikg.jsonld", to_jsonld(nt, context))
    shutil.copyfile(settings.ontology_file, out / "ontology.ttl")
    write_rdfxml(canonical_ntriples(canonical_graph(checked.sources.ontology)), out / "ontology.owl")
    digest = hashlib.sha256(nt.encode("utf-8")).hexdigest()
    report = build_report(settings, checked, digest, len(final))
    void = void_description(checked.graph, report)
    void.serialize(out / "void.ttl", format="turtle", encoding="utf-8")
    _write_json(out / "build-report.json", report)
    _write_checksums(out)
    return report


def write_rdfxml(nt: str, path: Path) -> None:
    """RDF/XML in the order of the sorted N-Triples (pyoxigraph keeps blank-node labels;
    rdflib's XML serialiser walks subjects in hash order, which differs between runs)."""
    triples = ox.parse(nt.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=PREFIXES))


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _write_checksums(out: Path) -> None:
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
             for p in sorted(out.iterdir()) if p.is_file()]
    (out / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")


def build_report(settings: Settings, checked: CheckedGraph, digest: str, triples: int) -> dict:
    graph = checked.graph
    version = graph.value(DATASET, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))
    from cmikg.build.stats import class_counts, coverage_report  # the stats module reuses the checks
    return {
        "dataset": str(DATASET),
        "version": str(version) if version else "unversioned",
        "sha256_ntriples": digest,
        "triples": triples,
        "files": checked.sources.files,
        "checks": {"syntax": "passed", "shacl": "conforms", "quotes": "all offsets match",
                   "owl_consistency": "HermiT: consistent"},
        "classes": class_counts(graph),
        "coverage": coverage_report(graph, settings),
    }


def void_description(graph: Graph, report: dict) -> Graph:
    """VoID metadata: the dataset description from graph/ plus what the build measured."""
    void = new_graph()
    for p, o in graph.predicate_objects(DATASET):
        void.add((DATASET, p, o))
    void.add((DATASET, RDF.type, VOID.Dataset))
    void.add((DATASET, VOID.triples, Literal(report["triples"])))
    void.add((DATASET, VOID.entities, Literal(len(set(graph.subjects(RDF.type, None))))))
    void.add((DATASET, VOID.classes, Literal(len(set(graph.objects(None, RDF.type))))))
    void.add((DATASET, VOID.properties, Literal(len(set(graph.predicates())))))
    void.add((DATASET, CMI.sha256, Literal(report["sha256_ntriples"], datatype=XSD.string)))
    for name in DUMPS:
        void.add((DATASET, VOID.dataDump, URIRef(f"{BASE}download/{name}")))
    return void

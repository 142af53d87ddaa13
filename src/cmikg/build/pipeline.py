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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from cmikg import dist
from cmikg.build import evidence
from cmikg.build.derivation import derive
from cmikg.build.loading import SourceGraph, load_shapes, load_sources, new_graph
from cmikg.build.outputs.context import build_context
from cmikg.build.outputs.search_index import write_search_index
from cmikg.build.outputs.tables import row_counts, write_tables
from cmikg.build.reasoning import Inconsistent, start_consistency_check
from cmikg.build.sparql_checks import Judgement, run_checks
from cmikg.build.timebounds import TimeFormatError
from cmikg.build.validation import run_shacl
from cmikg.config import Settings
from cmikg.errors import InputError, ValidationFailed
from cmikg.forked import ForkedCall
from cmikg.namespaces import BASE, CMI, DATASET, DCAT, DCTERMS, PREFIXES, RDF, VOID, XSD
from cmikg.rdfio import to_jsonld
from cmikg.sparql.formats import JSONLD, NTRIPLES, RDFXML, TURTLE
from cmikg.wikidata.checks import build_problems as wikidata_problems
from cmikg.wikidata.quickstatements import build_batch

#: Media types as IRIs, the form DCAT's ``dcat:mediaType`` expects.
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


@dataclass
class CheckedGraph:
    """The validated union of ontology, data and derived triples."""

    sources: SourceGraph
    graph: Graph
    timings: dict[str, float] = field(default_factory=dict)
    tensions: Judgement = field(default_factory=lambda: Judgement(0, 0, 0))
    #: False when the build was asked to skip HermiT: the report then says so.
    reasoned: bool = True


def check(
    settings: Settings, reason: bool = True, when_derived: Callable[[CheckedGraph], None] | None = None
) -> CheckedGraph:
    """Run every check; raise :class:`ValidationFailed` listing every problem found.

    HermiT runs in its own process from the moment the graph is complete, so the reasoner
    and the Python checks (SHACL, quotes, Wikidata links) share the machine's cores instead
    of running one after the other; its answer is awaited only once the others have passed.
    ``when_derived`` is called with the graph as it will be written, before the slower checks
    run (the build starts writing ``dist/`` beside them).
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    sources = load_sources(settings)
    shapes = load_shapes(settings)
    full = sources.union()
    timings["parse"] = time.perf_counter() - clock
    clock = time.perf_counter()
    try:
        derived, store = derive(sources.ontology, sources.data, settings.root)
    except TimeFormatError as exc:
        raise InputError(f"{sources.where(exc.node)}: {exc}") from exc
    full += derived
    timings["derivation"] = time.perf_counter() - clock
    reasoner = start_consistency_check(full) if reason else None
    try:
        clock = time.perf_counter()
        problems, tensions = run_checks(store, sources, settings)
        timings["sparql_checks"] = time.perf_counter() - clock
        checked = CheckedGraph(sources, full, timings, tensions, reasoned=reason)
        if when_derived is not None:
            when_derived(checked)
        clock = time.perf_counter()
        problems += [str(v) for v in run_shacl(sources, shapes, full)]
        timings["shacl"] = time.perf_counter() - clock
        clock = time.perf_counter()
        problems += evidence.check_quotes(sources, settings)
        problems += wikidata_problems(settings, sources)  # Wikidata links: see cmikg.wikidata.checks
        timings["quotes_wikidata"] = time.perf_counter() - clock
        if problems:
            raise ValidationFailed(f"{len(problems)} problem(s) in the graph", problems)
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
    return checked


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
    lines = {
        line for line in graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines() if line.strip()
    }
    return "".join(f"{line}\n" for line in sorted(lines))


def build(settings: Settings, reason: bool = True) -> dict:
    """Check everything and write ``dist/`` atomically. Returns the build report.

    ``reason=False`` skips only the HermiT consistency check, and the report says so.

    The outputs are written into a staging folder by a forked child while the parent runs
    the slower checks; they are swapped in only when every check has passed and the child
    is done, so ``dist/`` still never holds an unchecked build.
    """
    started = time.perf_counter()
    settings.dist.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".dist-", dir=settings.dist.parent))
    writers: list[ForkedCall] = []
    try:
        checked = check(
            settings,
            reason=reason,
            when_derived=lambda c: writers.append(ForkedCall(_timed_outputs, settings, c, staging)),
        )
        clock = time.perf_counter()
        report, checked.timings["write"] = writers[0].result()
        checked.timings["write_wait"] = time.perf_counter() - clock
        _swap_in(staging, settings.dist)
    except BaseException:
        for writer in writers:
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
    (out / dist.dump(NTRIPLES)).write_text(nt, encoding="utf-8")
    final.serialize(out / dist.dump(TURTLE), format=TURTLE.rdflib, encoding="utf-8")
    write_rdfxml(nt, out / dist.dump(RDFXML))
    context = build_context(checked.sources.ontology)
    _write_json(out / dist.CONTEXT, context)
    _write_json(out / dist.dump(JSONLD), to_jsonld(nt, context))
    shutil.copyfile(settings.ontology_file, out / dist.ONTOLOGY_TTL)
    if (settings.graph_dir / "wikidata" / "snapshot.json").is_file():  # for cmikg.open().wikidata_snapshot()
        shutil.copyfile(settings.graph_dir / "wikidata" / "snapshot.json", out / dist.WIKIDATA_SNAPSHOT)
    write_rdfxml(canonical_ntriples(canonical_graph(checked.sources.ontology)), out / dist.ONTOLOGY_OWL)
    copy_folders(settings, out)
    digest = hashlib.sha256(nt.encode("utf-8")).hexdigest()
    report = build_report(settings, checked, digest, len(final))
    report["quickstatements"] = build_batch(checked.graph, settings.root, out)
    report["tables"] = row_counts(write_tables(settings, nt, report["version"], digest, out))
    void = void_description(checked.graph, report)
    void.serialize(out / dist.VOID, format=TURTLE.rdflib, encoding="utf-8")
    write_search_index(final, out / dist.SEARCH_INDEX)
    _write_json(out / dist.BUILD_REPORT, report)
    _write_checksums(out)
    return report


def write_rdfxml(nt: str, path: Path) -> None:
    """RDF/XML in the order of the sorted N-Triples (pyoxigraph keeps blank-node labels;
    rdflib's XML serialiser walks subjects in hash order, which differs between runs)."""
    triples = ox.parse(nt.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=PREFIXES) or b"")


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def copy_folders(settings: Settings, out: Path) -> None:
    """The folders of the checkout the service reads (queries, source texts), copied whole,
    so that ``dist/`` alone can be served."""
    for folder in dist.FOLDERS:
        source = settings.root / folder.checkout
        if source.is_dir():
            shutil.copytree(source, out / folder.name, ignore=shutil.ignore_patterns("__pycache__", ".*"))


def _write_checksums(out: Path) -> None:
    """SHA256SUMS of the files the manifest says are checksummed (the copied folders are not)."""
    files = [p for p in sorted(out.iterdir()) if p.is_file() and dist.checksummed(p.name)]
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in files]
    (out / dist.CHECKSUMS).write_text("".join(lines), encoding="utf-8")


def build_report(settings: Settings, checked: CheckedGraph, digest: str, triples: int) -> dict:
    graph = checked.graph
    version = graph.value(DATASET, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))
    from cmikg.build.outputs.stats import class_counts, coverage_report  # the stats module reuses the checks

    return {
        "dataset": str(DATASET),
        "version": str(version) if version else "unversioned",
        "sha256_ntriples": digest,
        "triples": triples,
        "files": checked.sources.files,
        "checks": {
            "syntax": "passed",
            "sparql_checks": "passed",
            "shacl": "conforms",
            "quotes": "all offsets match",
            "owl_consistency": "HermiT: consistent" if checked.reasoned else "not checked (built without HermiT)",
        },
        "tensions": checked.tensions.as_report(),
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
    for name in dist.DUMPS.values():
        void.add((DATASET, VOID.dataDump, URIRef(f"{BASE}download/{name}")))
    for entry in dist.distributions():
        download = URIRef(f"{BASE}download/{entry.name}")
        void.add((DATASET, DCAT.distribution, download))
        void.add((download, RDF.type, DCAT.Distribution))
        void.add((download, DCAT.downloadURL, download))
        void.add((download, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + entry.media_type)))
        void.add((download, DCTERMS.description, Literal(entry.description, lang="en")))
    return void

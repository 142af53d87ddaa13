"""OWL 2 DL consistency with HermiT (the copy that ships with owlready2).

The union graph is written to a temporary N-Triples file (the ontology is never kept twice
by hand) and HermiT is asked only what the build needs: is owl:Thing satisfiable, which
holds exactly when the ontology and data are consistent. Classifying every class and
individual, as owlready2's ``sync_reasoner`` does, took three times as long and its
answers were thrown away. HermiT runs as its own process, started by
:func:`start_consistency_check`, so the build's other checks run beside it. HermiT says
only *that* the graph is inconsistent; :func:`explain` then names the usual culprits and
the file each came from: a node typed with two disjoint classes, and a triple whose
property's domain or range makes a node a member of a class disjoint with one it already
has (``country:ven cmi:position "surgeon"`` makes Venezuela a person).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import owlready2
import owlready2.reasoning
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from cmikg.build.loading import SourceGraph
from cmikg.build.validation import short
from cmikg.errors import CmikgError
from cmikg.namespaces import OWL, RDF, RDFS


class Inconsistent(Exception):
    """HermiT found no model of the ontology and data."""

    def __init__(self, explanations: list[str]):
        super().__init__("HermiT: the ontology and data are inconsistent")
        self.explanations = explanations


def check_consistency(graph: Graph, sources: SourceGraph | None = None) -> None:
    """Raise :class:`Inconsistent` unless HermiT finds ``graph`` consistent."""
    start_consistency_check(graph).result(sources)


# A short-lived JVM: the client compiler and the serial collector start HermiT in a third
# of the default time; the heap bound is owlready2's (its JAVA_MEMORY setting).
_JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
_SATISFIABLE = b"http://www.w3.org/2002/07/owl#Thing is satisfiable."


class ConsistencyCheck:
    """HermiT running in its own process on one graph; :meth:`result` waits for its answer."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.folder = Path(tempfile.mkdtemp(prefix="cmikg-owl-"))
        path = self.folder / "union.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        command = [
            owlready2.JAVA_EXE,
            *_JVM_OPTIONS,
            f"-Xmx{owlready2.reasoning.JAVA_MEMORY}M",
            "-cp",
            owlready2.reasoning._HERMIT_CLASSPATH,
            "org.semanticweb.HermiT.cli.CommandLine",
            "-k",
            path.as_uri(),
        ]
        try:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as exc:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise CmikgError(f"HermiT needs Java, which cannot be started ({owlready2.JAVA_EXE}): {exc}") from exc

    def result(self, sources: SourceGraph | None = None) -> None:
        """Wait for HermiT; raise :class:`Inconsistent` (explained), or CmikgError when Java fails."""
        try:
            output, _ = self.process.communicate()
        finally:
            self.close()
        if self.process.returncode == 1 and b"Inconsistent ontology" in output:
            raise Inconsistent(explain(self.graph, sources))
        if self.process.returncode != 0 or _SATISFIABLE not in output:
            raise CmikgError(
                f"HermiT failed (exit status {self.process.returncode}): "
                f"{output.decode('utf-8', 'replace').strip()[-2000:]}"
            )

    def close(self) -> None:
        """Stop HermiT if it still runs (a build that failed elsewhere) and remove its input."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_consistency_check(graph: Graph) -> ConsistencyCheck:
    """Start HermiT on ``graph`` and return at once, so that other checks can run meanwhile."""
    return ConsistencyCheck(graph)


_DISJOINT_TYPES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?x ?a ?b WHERE {
  { ?set a owl:AllDisjointClasses ; owl:members ?list .
    ?list rdf:rest*/rdf:first ?a . ?list rdf:rest*/rdf:first ?b . FILTER(STR(?a) < STR(?b)) }
  UNION { ?a owl:disjointWith ?b }
  ?x rdf:type/rdfs:subClassOf* ?a .
  ?x rdf:type/rdfs:subClassOf* ?b .
}
"""


def _disjoint_pairs(graph: Graph) -> set[tuple[Node, Node]]:
    """Every ordered pair of classes the ontology declares disjoint."""
    pairs: set[tuple[Node, Node]] = set()
    for a, b in graph.subject_objects(OWL.disjointWith):
        pairs |= {(a, b), (b, a)}
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in graph.objects(group, OWL.members):
            classes = list(Collection(graph, members))
            pairs |= {(a, b) for a in classes for b in classes if a != b}
    return pairs


def explain_domains(graph: Graph, sources: SourceGraph | None) -> list[str]:
    """Triples whose property's domain or range clashes with a type the node already has,
    each named with its file, so a curator sees which statement to change."""
    disjoint = _disjoint_pairs(graph)
    if not disjoint:
        return []

    def supers(cls: Node) -> set[Node]:
        return {c for c in graph.transitive_objects(cls, RDFS.subClassOf) if c is not None}

    def types(node: Node) -> set[Node]:
        return {c for t in graph.objects(node, RDF.type) for c in supers(t)}

    lines = []
    for kind, axiom in (("domain", RDFS.domain), ("range", RDFS.range)):
        for prop, implied in graph.subject_objects(axiom):
            wider = supers(implied)
            for s, _, o in graph.triples((None, prop, None)):
                node = s if kind == "domain" else o
                if not isinstance(node, URIRef):
                    continue
                clash = next((a for a in types(node) for b in wider if (a, b) in disjoint), None)
                if clash is None:
                    continue
                where = sources.file_of((s, prop, o)) if sources else "?"
                value = short(o) if isinstance(o, URIRef) else f'"{o}"'
                lines.append(
                    f"{where}: the triple {short(s)} {short(prop)} {value} makes {short(node)} a {short(implied)} "
                    f"(the {kind} of {short(prop)}), but {short(node)} is a {short(clash)}, which the ontology "
                    "declares disjoint with it"
                )
    return sorted(set(lines))


def explain_disjointness(graph: Graph, sources: SourceGraph | None) -> list[str]:
    """Nodes that belong to two disjoint classes, with the file they came from."""
    lines = []
    for row in graph.query(_DISJOINT_TYPES):
        node, first, second = row  # type: ignore[misc]  # a SELECT's rows are tuples
        if not isinstance(node, URIRef):
            continue
        where = sources.where(node) if sources else "?"
        lines.append(
            f"{where}: {short(node)} is both {short(first)} and {short(second)}, which the ontology declares disjoint"
        )
    return sorted(set(lines))


def explain(graph: Graph, sources: SourceGraph | None) -> list[str]:
    """Every explanation found, or what to look for when none is."""
    lines = explain_disjointness(graph, sources) + explain_domains(graph, sources)
    return lines or [
        "no node typed with two disjoint classes and no triple clashing with its property's domain or "
        "range was found; look for a functional property with two values"
    ]


def declared_terms(ontology: Graph) -> tuple[set[URIRef], set[URIRef]]:
    """Classes and properties the ontology declares (used to check shapes and data)."""
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    properties: set[URIRef] = set()
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        properties |= {p for p in ontology.subjects(RDF.type, kind) if isinstance(p, URIRef)}
    return classes, properties

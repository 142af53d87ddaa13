"""Read the hand-edited sources (ontology, graph files, shapes) into rdflib graphs.

Every triple remembers the file it came from, so that later checks can say *where* a
bad node was written, not just that it exists.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from cmikg.config import Settings
from cmikg.errors import InputError
from cmikg.namespaces import CMI, ID, PREFIXES, RDF

# Keep literals as curators wrote them: rdflib would otherwise rewrite Wikidata-style
# "2007-01-01T00:00:00Z" as "...+00:00", which is the same instant but not the same text.
rdflib.NORMALIZE_LITERALS = False


@dataclass
class SourceGraph:
    """The union of the ontology and the data, with the file each subject came from."""

    ontology: Graph
    data: Graph
    origin: dict[Node, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    #: Each graph file's own triples, to name the file of one triple in a message.
    parts: dict[str, Graph] = field(default_factory=dict)

    def union(self) -> Graph:
        """Ontology and data together: what the shapes and the reasoner look at."""
        both = new_graph()
        for graph in (self.ontology, self.data):
            for triple in graph:
                both.add(triple)
        return both

    def where(self, node: Node) -> str:
        return self.origin.get(node, "?")

    def file_of(self, triple: tuple[Node, Node, Node]) -> str:
        """The first graph file that holds ``triple`` (else where its subject came from)."""
        found = next((name for name, graph in self.parts.items() if triple in graph), None)
        return found or self.where(triple[0])


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


_LINE = re.compile(r"line (\d+)")


def parse_file(path: Path, settings: Settings, fmt: str = "turtle") -> Graph:
    """Parse one file; a syntax error becomes ``path:line: message``."""
    graph = new_graph()
    try:
        graph.parse(path, format=fmt)
    except FileNotFoundError as exc:
        raise InputError(f"{settings.rel(path)}: file not found") from exc
    except Exception as exc:  # rdflib raises several unrelated types for bad syntax
        raise InputError(_syntax_message(path, exc, settings)) from exc
    return graph


def _syntax_message(path: Path, exc: Exception, settings: Settings) -> str:
    text = str(exc)
    line = getattr(exc, "lines", None)
    if line is None:
        found = _LINE.search(text)
        line = int(found.group(1)) if found else None
    else:
        line = int(line) + 1  # rdflib's notation3 parser counts lines from 0
    why = getattr(exc, "_why", None) or getattr(exc, "why", None) or text.strip().splitlines()[-1]
    where = f"{settings.rel(path)}:{line}" if line else settings.rel(path)
    return f"{where}: bad Turtle syntax: {why}"


def data_files(settings: Settings) -> list[Path]:
    """Every Turtle file under graph/, in a stable order."""
    return sorted(settings.graph_dir.rglob("*.ttl"))


def shape_files(settings: Settings) -> list[Path]:
    return sorted(settings.shapes_dir.glob("*.ttl"))


def load_shapes(settings: Settings) -> Graph:
    shapes = new_graph()
    for path in shape_files(settings):
        shapes += parse_file(path, settings)
    return shapes


def load_sources(settings: Settings) -> SourceGraph:
    """Ontology plus every graph file, blank nodes in data given stable IRIs."""
    ontology = parse_file(settings.ontology_file, settings)
    result = SourceGraph(ontology=ontology, data=new_graph(), files=[settings.rel(settings.ontology_file)])
    for subject in set(ontology.subjects()):
        result.origin[subject] = settings.rel(settings.ontology_file)
    for path in data_files(settings):
        name = settings.rel(path)
        graph = skolemize(parse_file(path, settings))
        result.files.append(name)
        result.parts[name] = graph
        for subject in graph.subjects(unique=True):
            result.origin.setdefault(subject, name)
        result.data += graph
    return result


def skolemize(graph: Graph) -> Graph:
    """Replace blank nodes with IRIs derived from their content and their parent.

    References are written as blank nodes for convenience; a stable IRI lets the web
    page, the source-text page and other datasets point at one reference, and makes the
    canonical dump byte-identical between builds.
    """
    names: dict[Node, URIRef] = {}

    def name(node: BNode, parents: tuple[Node, ...]) -> URIRef:
        if node in names:
            return names[node]
        digest = hashlib.sha256()
        parent = next((s for s, _ in graph.subject_predicates(node)), None)
        digest.update(str(parent if not isinstance(parent, BNode) else "").encode())
        for p, o in sorted(graph.predicate_objects(node)):
            value = o
            if isinstance(o, BNode) and o not in parents:
                value = name(o, parents + (node,))
            digest.update(f"{p}\x00{value!r}\x00".encode())
        folder = "reference" if (node, RDF.type, CMI.Reference) in graph else "node"
        names[node] = ID[f"{folder}/{digest.hexdigest()[:16]}"]
        return names[node]

    for node in {n for t in graph for n in (t[0], t[2]) if isinstance(n, BNode)}:
        name(node, ())
    out = new_graph()
    for s, p, o in graph:
        out.add((names.get(s, s), p, names.get(o, o)))
    return out


def literal_text(node: Node) -> str:
    return str(node) if isinstance(node, (Literal, URIRef)) else ""

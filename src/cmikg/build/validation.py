"""SHACL validation (pyshacl) turned into messages a curator can act on.

pyshacl reports focus nodes and paths as IRIs; we add the file each node was written
in, so that a violation reads like a compiler error.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.term import Node

from cmikg.build.loading import SourceGraph
from cmikg.errors import InputError
from cmikg.namespaces import PREFIXES, RDF, SH


@dataclass(frozen=True, order=True)
class Violation:
    """One broken constraint: where, what, why."""

    file: str
    node: str
    path: str
    message: str
    severity: str

    def __str__(self) -> str:
        path = f" {self.path}" if self.path else ""
        return f"{self.file}: {self.node}{path}: {self.message}"


def short(node: Node | None) -> str:
    """A compact name for an IRI using the project's prefixes."""
    if node is None:
        return ""
    text = str(node)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(namespace) and prefix != "id":
            return f"{prefix}:{text[len(namespace) :]}"
    return f"<{text}>" if isinstance(node, URIRef) else text


def run_shacl(sources: SourceGraph, shapes: Graph, data: Graph | None = None) -> list[Violation]:
    """Validate ontology + data against the shapes; return violations sorted by file."""
    data_graph = data if data is not None else sources.union()
    conforms, report, _ = shacl_validate(
        data_graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, abort_on_first=False
    )
    if not isinstance(report, Graph):  # pyshacl returns a failure object for broken shapes
        raise InputError(f"shapes/: the shapes cannot be applied: {report}")
    if conforms:
        return []
    return sorted(_violations(report, sources))


def _violations(report: Graph, sources: SourceGraph) -> list[Violation]:
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        node = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        severity = report.value(result, SH.resultSeverity)
        found.append(
            Violation(
                file=sources.where(node) if node is not None else "?",
                node=short(node),
                path=short(path) if path is not None else "",
                message=str(message or "constraint violated"),
                severity=short(severity).replace("<http://www.w3.org/ns/shacl#", "").rstrip(">"),
            )
        )
    return found

"""A query typed on the query page, run through the backend and read back as a table.

SELECT and ASK answers come back as SPARQL JSON results; CONSTRUCT and DESCRIBE answers as
N-Triples, shown as subject / predicate / object rows. The query's form, read by the same
tokenizer the safety checks use, decides which format to ask for; should the backend still
answer 406, the other format is tried.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from cmikg import rdfio
from cmikg.engines.backend import NotAcceptable, QueryBackend
from cmikg.guard.backend import read
from cmikg.iris import XSD
from cmikg.sparql import formats
from cmikg.web.content.page_queries import Term, term_from

RESULTS_JSON = formats.SPARQL_JSON.media_type
NTRIPLES = formats.NTRIPLES.media_type
_POSITION = re.compile(r"(?:error at |line )(\d+)(?::|, column )(\d+)")
#: Characters of a parser message shown before the rest is folded away.
SHORT_MESSAGE = 240


@dataclass
class Table:
    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Term | None]] = field(default_factory=list)
    boolean: bool | None = None


def run(backend: QueryBackend, query: str) -> Table:
    graph_first = read(query).is_graph
    order = (NTRIPLES, RESULTS_JSON) if graph_first else (RESULTS_JSON, NTRIPLES)
    try:
        result = backend.run(query, order[0])
    except NotAcceptable:
        result = backend.run(query, order[1])
    if result.media_type.startswith(NTRIPLES):
        return _graph_table(result.body.decode("utf-8"))
    return _results_table(json.loads(result.body))


def _results_table(answer: dict) -> Table:
    if "boolean" in answer:
        return Table("ask", boolean=bool(answer["boolean"]))
    columns = answer.get("head", {}).get("vars", [])
    rows = [
        [term_from(b[c]) if c in b else None for c in columns] for b in answer.get("results", {}).get("bindings", [])
    ]
    return Table("select", columns, rows)


def _graph_table(ntriples: str) -> Table:
    triples = sorted(set(rdfio.parse(ntriples, formats.NTRIPLES)), key=_order)
    rows: list[list[Term | None]] = [[_term(t.subject), _term(t.predicate), _term(t.object)] for t in triples]
    return Table("graph", ["subject", "predicate", "object"], rows)


#: Blank nodes, then IRIs, then literals (then RDF 1.2 triple terms) in each column.
_RANK = {ox.BlankNode: 0, ox.NamedNode: 1, ox.Literal: 2, ox.Triple: 3}


def _order(triple: ox.Triple) -> tuple:
    return tuple((_RANK[type(term)], str(term)) for term in (triple.subject, triple.predicate, triple.object))


def _term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Term:
    if isinstance(node, ox.NamedNode):
        return Term("uri", node.value)
    if isinstance(node, ox.BlankNode):
        return Term("bnode", node.value)
    if isinstance(node, ox.Triple):  # shown as written in N-Triples
        return Term("literal", f"<< {node} >>")
    # a simple literal has no datatype, as in SPARQL JSON results (RDF 1.1 calls it xsd:string)
    datatype = "" if node.language or node.datatype.value == XSD.string else node.datatype.value
    return Term("literal", node.value, node.language or "", datatype)


@dataclass
class ErrorView:
    """A backend error laid out for a reader: the gist, and where in the query it happened."""

    status: int
    summary: str
    detail: str
    line: int | None = None
    column: int | None = None
    source_line: str = ""

    @property
    def caret(self) -> str:
        return " " * max((self.column or 1) - 1, 0) + "^"


def explain(status: int, message: str, query: str) -> ErrorView:
    """The parser's position turned into the offending line with a caret under the column."""
    summary = message if len(message) <= SHORT_MESSAGE else message[:SHORT_MESSAGE].rsplit(" ", 1)[0] + " …"
    view = ErrorView(status, summary, message if summary != message else "")
    found = _POSITION.search(message)
    if found:
        view.line, view.column = int(found.group(1)), int(found.group(2))
        lines = query.splitlines()
        if 1 <= view.line <= len(lines):
            view.source_line = lines[view.line - 1]
    return view

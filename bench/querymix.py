"""The query mix: the project's example queries plus the benchmark's standard ones.

Example queries are read from queries/ at run time (they are written alongside), except
federated ones, which would measure a remote service rather than the store. Each query is
classified once with rdflib's parser (form, ORDER BY keys, LIMIT) so that the correctness
pass knows how two answers may legitimately differ: row order only where the query leaves
it open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Variable

BENCH_QUERIES = Path(__file__).resolve().parent / "queries"
FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
#: Algebra nodes that sit between a query and its ORDER BY without reordering rows.
_PASS_THROUGH = {"Slice", "Project", "Distinct", "Reduced", "ToMultiSet"}


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix and what its answer's order means."""

    name: str
    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    ordered: bool  # the answer's row order is part of the answer
    order_keys: tuple[str, ...] | None  # ORDER BY variables; None when keys are expressions
    limited: bool  # LIMIT may cut a group of ties

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def load_mix(root: Path) -> tuple[list[BenchQuery], list[str]]:
    """The benchmark's queries then the project's top-level ones (queries/federated/ calls a
    remote service; queries/pages/ are templates with a $this to bind); and why any query
    was left out."""
    skipped = [
        f"queries/{folder}/: {len(list((root / 'queries' / folder).glob('*.rq')))} queries not run ({why})"
        for folder, why in (("federated", "they measure the remote service"), ("pages", "templates with $this to bind"))
        if (root / "queries" / folder).is_dir()
    ]
    found: list[BenchQuery] = []
    sources = [("bench", p) for p in sorted(BENCH_QUERIES.glob("*.rq"))]
    sources += [("queries", p) for p in sorted((root / "queries").glob("*.rq"))]
    for origin, path in sources:
        rel = path.relative_to(BENCH_QUERIES if origin == "bench" else root / "queries")
        name = f"{origin}/{rel.with_suffix('')}"
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bSERVICE\s*[<?]", _strip_comments(text), re.IGNORECASE):
            skipped.append(f"{name}: calls SERVICE (would measure the remote service)")
            continue
        if re.search(r"^\s*#\s*bench:\s*skip\b", text, re.IGNORECASE | re.MULTILINE):
            skipped.append(f"{name}: marked '# bench: skip'")
            continue
        found.append(classify(name, text))
    return found, skipped


def classify(name: str, text: str) -> BenchQuery:
    """Form, ordering and LIMIT of a query, from rdflib's algebra (a regex if rdflib fails)."""
    try:
        algebra = prepareQuery(text).algebra
    except Exception:  # rdflib lacks some SPARQL 1.1 corners; guess from the text instead
        return _classify_text(name, text)
    node, limited = algebra.p, False
    while getattr(node, "name", None) in _PASS_THROUGH:
        limited = limited or (node.name == "Slice" and node.get("length") is not None)
        node = node.p
    ordered = getattr(node, "name", None) == "OrderBy" and algebra.name == "SelectQuery"
    keys = _order_keys(node.expr) if ordered else None
    return BenchQuery(name, text, FORMS[algebra.name], ordered, keys, limited)


def _order_keys(conditions) -> tuple[str, ...] | None:
    keys = []
    for condition in conditions:
        expr = condition if isinstance(condition, Variable) else condition.get("expr")
        if not isinstance(expr, Variable):
            return None
        keys.append(str(expr))
    return tuple(keys)


#: What a query's text is read as when a marker is put into it: comments, strings, IRIs,
#: variables, prefixed names, braces and words; anything else one character at a time.
_TOKEN = re.compile(
    r"""#[^\n]*|\"\"\"[\s\S]*?\"\"\"|'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""
    r"""|<[^<>"{}|^`\\\s]*>|[?$]\w+|[A-Za-z_][\w-]*:[\w.-]*|[{}]|[A-Za-z_]+|[\s\S]"""
)


def with_marker(text: str, marker: str) -> str:
    """The query with ``FILTER("marker" != "")`` first in its WHERE pattern: true for every
    solution, so the answer is the same, while the text (and any cache key made from it,
    however it treats comments, prefixes or spacing) is new. A DESCRIBE with no pattern
    gets one holding only that filter (one empty solution: the same IRIs described)."""
    literal = '"' + marker.replace("\\", "\\\\").replace('"', '\\"') + '"'
    where = _pattern_start(text)
    if where is None:
        return f'{text.rstrip()}\nWHERE {{ FILTER({literal} != "") }}\n'
    gap = "" if text[where : where + 1].isspace() else " "
    return f'{text[:where]} FILTER({literal} != ""){gap}{text[where:]}'


def _pattern_start(text: str) -> int | None:
    """The offset just after the ``{`` that opens the query's WHERE pattern (the keyword may
    be left out, and a CONSTRUCT's template comes first); None for a DESCRIBE without one."""
    depth, form, after_where, templates = 0, "", False, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        word = token.upper()
        if not form and word in FORMS.values():
            form = word
            templates = 1 if form == "CONSTRUCT" else 0
        elif word == "WHERE" and depth == 0:
            if templates:
                raise ValueError("CONSTRUCT WHERE { ... } allows no FILTER: give the template")
            after_where = True
        elif token == "{":
            if depth == 0 and form and (after_where or templates == 0):
                return match.end()
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0 and templates:
                templates -= 1
    if form == "DESCRIBE":
        return None
    raise ValueError(f"no WHERE pattern found in the query: {text[:200]!r}")


def _strip_comments(text: str) -> str:
    return re.sub(r"(?m)#[^\n\"'<>]*$", "", text)


def _classify_text(name: str, text: str) -> BenchQuery:
    body = _strip_comments(text)
    form = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
    kind = form.group(1).upper() if form else "SELECT"
    ordered = kind == "SELECT" and bool(re.search(r"\bORDER\s+BY\b", body, re.IGNORECASE))
    limited = bool(re.search(r"\bLIMIT\s+\d+", body, re.IGNORECASE))
    return BenchQuery(name, text, kind, ordered, None, limited)

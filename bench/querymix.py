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


def _strip_comments(text: str) -> str:
    return re.sub(r"(?m)#[^\n\"'<>]*$", "", text)


def _classify_text(name: str, text: str) -> BenchQuery:
    body = _strip_comments(text)
    form = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
    kind = form.group(1).upper() if form else "SELECT"
    ordered = kind == "SELECT" and bool(re.search(r"\bORDER\s+BY\b", body, re.IGNORECASE))
    limited = bool(re.search(r"\bLIMIT\s+\d+", body, re.IGNORECASE))
    return BenchQuery(name, text, kind, ordered, None, limited)

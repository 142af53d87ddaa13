"""``cmikg query``: run SPARQL against the built graph and print a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox

from cmikg.config import Settings
from cmikg.engines.store import EmbeddedStore, term_text
from cmikg.errors import CmikgError


def read_query(text_or_file: str) -> str:
    """A query given inline, or the path of a ``.rq`` file."""
    path = Path(text_or_file)
    if text_or_file.endswith(".rq") or (len(text_or_file) < 255 and path.is_file()):
        if not path.is_file():
            raise CmikgError(f"{text_or_file}: query file not found")
        return path.read_text(encoding="utf-8")
    return text_or_file


def run(settings: Settings, sparql: str, fmt: str = "table") -> str:
    store = EmbeddedStore.load(settings.dataset_file)
    try:
        result = store.query(sparql)
    except SyntaxError as exc:
        raise CmikgError(f"query syntax error: {exc}") from exc
    if isinstance(result, ox.QueryBoolean):
        return json.dumps({"boolean": bool(result)}) if fmt == "json" else str(bool(result)).lower()
    if isinstance(result, ox.QueryTriples):
        return (ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    variables = [v.value for v in result.variables]
    rows = [[term_text(solution[v]) for v in variables] for solution in result]
    return FORMATTERS[fmt](variables, rows)


def as_table(variables: list[str], rows: list[list[str]]) -> str:
    widths = [min(60, max([len(v)] + [len(r[i]) for r in rows])) for i, v in enumerate(variables)]

    def line(cells):
        return " | ".join(c[:w].ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    out = [line(variables), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def as_csv(variables: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(variables)
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")


def as_json(variables: list[str], rows: list[list[str]]) -> str:
    return json.dumps([dict(zip(variables, r, strict=False)) for r in rows], ensure_ascii=False, indent=1)


FORMATTERS = {"table": as_table, "csv": as_csv, "json": as_json}

"""The graph as tidy tables: CSV files described by a Frictionless Data Package, and SQLite.

Most researchers who would use the dataset work in pandas, R or a spreadsheet, not SPARQL.
Each table is one SPARQL query of ``queries/tables/NAME.rq`` evaluated on the built graph,
and its columns, types, keys and descriptions are the Table Schema in
``queries/tables/datapackage.json``: the query's variables must be the schema's fields, in
order, so the two cannot drift apart. The build adds the dataset's version, the SHA-256 of
``cmikg.nt`` and each file's size and hash. No timestamps, so the files are byte-identical
when the graph is.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cmikg import dist
from cmikg.config import Settings
from cmikg.errors import ValidationFailed

PACKAGE = dist.DATAPACKAGE
SQLITE = dist.SQLITE
_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {f"{_XSD}{t}" for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}


@dataclass(frozen=True)
class Table:
    """One table: its Table Schema resource and its rows, every cell a string ('' when empty)."""

    resource: dict
    rows: list[list[str]]

    @property
    def name(self) -> str:
        return self.resource["name"]

    @property
    def fields(self) -> list[dict]:
        return self.resource["schema"]["fields"]


def tables_dir(settings: Settings) -> Path:
    return settings.queries_dir / "tables"


def package_template(settings: Settings) -> dict:
    """The hand-written Data Package: the tables, their schemas, the licence and the source."""
    path = tables_dir(settings) / PACKAGE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"{settings.rel(path)}: cannot read the tables' Data Package: {exc}", []) from exc


def make_tables(settings: Settings, ntriples: str) -> list[Table]:
    """Every table of the package, computed from the canonical N-Triples of the build."""
    store = ox.Store()
    store.bulk_load(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    template = package_template(settings)
    return [_table(settings, store, resource) for resource in template["resources"]]


def _table(settings: Settings, store: ox.Store, resource: dict) -> Table:
    path = tables_dir(settings) / f"{resource['name']}.rq"
    names = [f["name"] for f in resource["schema"]["fields"]]
    try:
        variables, cells = select(store, path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, TypeError) as exc:
        raise ValidationFailed(f"{settings.rel(path)}: {exc}", []) from exc
    if variables != names:
        raise ValidationFailed(
            f"{settings.rel(path)}: selects {', '.join(variables)} but the schema of {resource['name']} "
            f"in {PACKAGE} has the fields {', '.join(names)}",
            [],
        )
    rows = [list(row) for row in cells]
    problems = _type_problems(resource, rows)
    if problems:
        raise ValidationFailed(f"{settings.rel(path)}: {len(problems)} value(s) do not fit the schema", problems)
    return Table(resource, rows)


def select(store: ox.Store, text: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The variables and rows of a SELECT query, each cell as text ('' when unbound)."""
    solutions = store.query(text)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("a table query must be a SELECT query")
    names = [v.value for v in solutions.variables]
    return names, [tuple(_cell(s[name]) for name in names) for s in solutions]


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and term.datatype.value == f"{_XSD}boolean":
        return "true" if term.value in ("true", "1") else "false"
    return term.value  # type: ignore[attr-defined]


def _type_problems(resource: dict, rows: list[list[str]]) -> list[str]:
    """Cells that the declared type cannot read: a wrong type in the graph, named by table, row and column."""
    problems = []
    for index, field in enumerate(resource["schema"]["fields"]):
        check = _CHECKS.get(field["type"])
        for number, row in enumerate(rows, start=2):
            if row[index] and check and not check(row[index]):
                problems.append(f"{resource['path']}:{number}: {field['name']} {row[index]!r} is not a {field['type']}")
    return problems


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_CHECKS = {
    "integer": lambda text: text.lstrip("-").isdigit(),
    "number": _is_number,
    "boolean": lambda text: text in ("true", "false"),
    "datetime": lambda text: len(text) >= 19 and text[4] == "-" and text[10] == "T",
}


def csv_bytes(table: Table) -> bytes:
    """The table as CSV (RFC 4180, a header row, UTF-8, \\r\\n line ends as the RFC says)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f["name"] for f in table.fields])
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8")


def write_tables(settings: Settings, ntriples: str, version: str, digest: str, out: Path) -> list[Table]:
    """Write every table as CSV, ``datapackage.json`` and ``cmikg.sqlite`` into ``out``."""
    from cmikg.build.outputs.sqlite import write_sqlite

    tables = make_tables(settings, ntriples)
    package = copy.deepcopy(package_template(settings))
    package["version"] = version
    package["sha256_ntriples"] = digest
    for table, resource in zip(tables, package["resources"], strict=True):
        body = csv_bytes(table)
        (out / resource["path"]).write_bytes(body)
        resource["bytes"] = len(body)
        resource["hash"] = "sha256:" + hashlib.sha256(body).hexdigest()
    text = json.dumps(package, ensure_ascii=False, indent=1) + "\n"
    (out / PACKAGE).write_text(text, encoding="utf-8")
    write_sqlite(out / SQLITE, tables)
    return tables


def row_counts(tables: list[Table]) -> dict[str, int]:
    """Rows per table, for the build report."""
    return {table.name: len(table.rows) for table in tables}

"""The tables of :mod:`cmikg.build.outputs.tables` as one SQLite file, with their keys.

Datasette, R (RSQLite), pandas (``read_sql``) and the ``sqlite3`` shell read it as it is.
Column types follow the Table Schema: integers and booleans (0/1) as INTEGER, numbers as
REAL, everything else, dates included (ISO 8601), as TEXT. Primary and foreign keys are
declared, and the file is checked with ``PRAGMA foreign_key_check`` before the build
accepts it. The file is written from scratch in one transaction with fixed page size and
no journal, so the same tables give the same bytes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from cmikg.errors import ValidationFailed

if TYPE_CHECKING:
    from cmikg.build.outputs.tables import Table

SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER", "number": "REAL"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_statement(table: Table) -> str:
    """CREATE TABLE with the schema's types, NOT NULL for required fields, and its keys."""
    schema = table.resource["schema"]
    lines = []
    for field in schema["fields"]:
        required = field.get("constraints", {}).get("required")
        lines.append(f"{_quote(field['name'])} {SQL_TYPES.get(field['type'], 'TEXT')}{' NOT NULL' if required else ''}")
    lines.append(f"PRIMARY KEY ({', '.join(map(_quote, schema['primaryKey']))})")
    for key in schema.get("foreignKeys", []):
        ref = key["reference"]
        lines.append(
            f"FOREIGN KEY ({_quote(key['fields'])}) REFERENCES {_quote(ref['resource'])} ({_quote(ref['fields'])})"
        )
    return f"CREATE TABLE {_quote(table.name)} (\n  " + ",\n  ".join(lines) + "\n)"


def _value(text: str, kind: str) -> object:
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        return 1 if text == "true" else 0
    if kind == "number":
        return float(text)
    return text


def write_sqlite(path: Path, tables: list[Table]) -> None:
    """Write ``tables`` to a new SQLite file at ``path`` and check its foreign keys."""
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA page_size = 4096")
        connection.execute("PRAGMA journal_mode = OFF")
        with connection:
            for table in tables:
                connection.execute(create_statement(table))
            for table in tables:
                kinds = [f["type"] for f in table.fields]
                marks = ", ".join("?" * len(kinds))
                connection.executemany(
                    f"INSERT INTO {_quote(table.name)} VALUES ({marks})",
                    ([_value(cell, kind) for cell, kind in zip(row, kinds, strict=True)] for row in table.rows),
                )
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    if broken:
        problems = [f"{table} row {rowid}: no matching row in {parent}" for table, rowid, parent, _ in broken[:20]]
        raise ValidationFailed(f"{path.name}: {len(broken)} row(s) point at rows that do not exist", problems)

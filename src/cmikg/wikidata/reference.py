"""Snapshot entries from the offline reference table of countries.

The table (``countries-wikidata.csv``: iso3, iso2, name, wikidata, wikidata_label) pairs
each country's Wikidata item with its ISO 3166-1 codes and its English label as Wikidata
had it when the table was made. It says nothing of Spanish labels or of P31, so those are
recorded as unknown, never filled in.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

from cmikg.errors import InputError
from cmikg.wikidata.links import QID
from cmikg.wikidata.snapshot import Entry

COLUMNS = ("iso3", "iso2", "wikidata", "wikidata_label")
_ALPHA3 = re.compile(r"[A-Z]{3}")
_ALPHA2 = re.compile(r"[A-Z]{2}")


def read_reference(path: Path) -> dict[str, Entry]:
    """Entries keyed by QID; a malformed row is an error naming the file and line."""
    if not path.is_file():
        raise InputError(f"{path}: reference table not found")
    raw = path.read_bytes()
    origin = {"kind": "reference-table", "file": path.name, "sha256": hashlib.sha256(raw).hexdigest()}
    rows = csv.DictReader(raw.decode("utf-8").splitlines())
    missing = [c for c in COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}")
    entries: dict[str, Entry] = {}
    for line, row in enumerate(rows, start=2):
        qid = (row["wikidata"] or "").strip()
        if not QID.fullmatch(qid):
            raise InputError(f"{path}:{line}: {qid!r} is not a QID")
        entries[qid] = Entry(
            qid=qid,
            labels={"en": row["wikidata_label"].strip() or None, "es": None},
            claims={"P31": None, "P298": _code(row["iso3"], _ALPHA3), "P297": _code(row["iso2"], _ALPHA2)},
            origin=origin,
        )
    return entries


def _code(value: str, pattern: re.Pattern) -> list[str] | None:
    """An ISO code when the cell holds one; unknown (None) for anything else, such as OWID's own codes."""
    value = (value or "").strip()
    return [value] if pattern.fullmatch(value) else None

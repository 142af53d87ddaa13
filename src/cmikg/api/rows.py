"""SPARQL JSON results as typed Python values, and as a pandas DataFrame when pandas is there.

Numbers become ``int`` or ``float``, ``xsd:dateTime`` and ``xsd:date`` become timezone-aware
``datetime`` (UTC when the literal has no offset), booleans ``bool``, IRIs and other literals
``str``; so a DataFrame's columns get numeric and datetime dtypes without a researcher
having to cast them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}
FLOATS = {XSD + "decimal", XSD + "double", XSD + "float"}
DATES = {XSD + "dateTime", XSD + "date", XSD + "dateTimeStamp"}
PANDAS_HINT = "pandas is not installed, so this is a list of dicts; pip install 'cmikg[pandas]' gives DataFrames"


class Rows(list):
    """A table as a list of dicts (one per row), for when pandas is not installed.

    >>> rows = kg.sources()
    >>> rows[0]["source"]
    'https://w3id.org/cmikg/id/source/academic-paper-statecraft'
    """

    def __init__(self, columns: list[str], rows: list[dict[str, Any]]):
        super().__init__(rows)
        self.columns = columns

    def __repr__(self) -> str:
        return f"<{len(self)} rows × {len(self.columns)} columns: {', '.join(self.columns)}; {PANDAS_HINT}>"


def value(term: dict[str, str] | None) -> Any:
    """One SPARQL JSON term as a Python value."""
    if term is None:
        return None
    text = term["value"]
    if term["type"] != "literal" and term["type"] != "typed-literal":
        return text if term["type"] == "uri" else f"_:{text}"
    datatype = term.get("datatype", "")
    try:
        if datatype in INTEGERS:
            return int(text)
        if datatype in FLOATS:
            return float(text)
        if datatype in DATES:
            return _datetime(text)
    except ValueError:
        return text
    if datatype == XSD + "boolean":
        return text in ("true", "1")
    return text


def _datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def table(results: dict) -> Any:
    """A SELECT answer (SPARQL JSON) as a DataFrame, or as :class:`Rows` without pandas."""
    columns = list(results["head"].get("vars", []))
    rows = [{name: value(binding.get(name)) for name in columns} for binding in results["results"]["bindings"]]
    try:
        import pandas as pd
    except ModuleNotFoundError:
        return Rows(columns, rows)
    return _typed(pd.DataFrame.from_records(rows, columns=columns), pd)


def _typed(frame: Any, pd: Any) -> Any:
    """Integer columns with gaps as nullable Int64, date columns as datetime64 (UTC)."""
    for name in frame.columns:
        present = frame[name].dropna()
        if present.empty:
            continue
        if all(isinstance(v, datetime) for v in present):
            frame[name] = pd.to_datetime(frame[name], utc=True)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            frame[name] = frame[name].astype("Int64")
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
            frame[name] = frame[name].astype("float64")
    return frame

"""Reading what a reconciliation client sends, refusing anything malformed with a 4xx that names it.

Every limit is here, documented in ``docs/reconciliation.md``: a batch or an extension of
more than :data:`MAX_BATCH` entries is refused with 413 (never cut short), a ``limit`` outside
1..:data:`MAX_LIMIT` with 400, and so is an unknown type or property.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cmikg.engines.backend import QueryError
from cmikg.reconcile.index import Index

#: Most queries in one batch, and most ids in one extension request (OpenRefine sends 10 at a time).
MAX_BATCH = 200
#: Most candidates per query and most suggestions per prefix.
MAX_LIMIT = 100
DEFAULT_LIMIT = 5
TYPE_STRICT = ("any", "should", "all")


class ReconcileError(QueryError):
    """A request the service cannot answer as sent; ``parameter`` names what to fix."""

    status = 400

    def __init__(self, parameter: str, message: str, status: int | None = None):
        super().__init__(f"{parameter}: {message}", status)
        self.parameter = parameter


@dataclass(frozen=True)
class Constraint:
    """A property constraint: the candidate's ``pid`` values should include one of ``values``."""

    pid: str
    values: tuple[object, ...]


@dataclass(frozen=True)
class Query:
    text: str = ""
    types: tuple[str, ...] = ()
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    constraints: tuple[Constraint, ...] = field(default_factory=tuple)


def parse_json(parameter: str, raw: str) -> object:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ReconcileError(parameter, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def parse_batch(raw: str, idx: Index) -> dict[str, Query]:
    """The ``queries`` parameter: a JSON object of query objects, keyed by the client's ids."""
    batch = parse_json("queries", raw)
    if not isinstance(batch, dict):
        raise ReconcileError("queries", "must be a JSON object mapping query ids to queries")
    if len(batch) > MAX_BATCH:
        raise ReconcileError(
            "queries", f"{len(batch)} queries in one batch; at most {MAX_BATCH} are answered per request", 413
        )
    return {key: parse_query(f"queries.{key}", value, idx) for key, value in batch.items()}


def parse_query(where: str, query: object, idx: Index) -> Query:
    if not isinstance(query, dict):
        raise ReconcileError(where, "must be a JSON object with a 'query' string")
    text = query.get("query", "")
    if not isinstance(text, str):
        raise ReconcileError(f"{where}.query", "must be a string")
    constraints = tuple(parse_constraints(f"{where}.properties", query.get("properties", []), idx))
    if not text.strip() and not constraints:
        raise ReconcileError(f"{where}.query", "is empty and no property constraint is given")
    strict = query.get("type_strict", "any")
    if strict not in TYPE_STRICT:
        raise ReconcileError(f"{where}.type_strict", f"must be one of {', '.join(TYPE_STRICT)}")
    return Query(
        text=text,
        types=parse_types(f"{where}.type", query.get("type"), idx),
        type_strict=strict,
        limit=parse_limit(f"{where}.limit", query.get("limit", DEFAULT_LIMIT)),
        constraints=constraints,
    )


def parse_types(where: str, given: object, idx: Index) -> tuple[str, ...]:
    names = [given] if isinstance(given, str) else given if isinstance(given, list) else [] if given is None else None
    if names is None or not all(isinstance(n, str) for n in names):
        raise ReconcileError(where, "must be a type id or a list of type ids")
    return tuple(known_type(where, n, idx) for n in names)


def known_type(where: str, name: str, idx: Index) -> str:
    short = name.rsplit("#", 1)[-1]
    if short not in idx.types:
        raise ReconcileError(where, f"unknown type {name!r}; the types are {', '.join(sorted(idx.types))}")
    return short


def known_property(where: str, pid: object, idx: Index) -> str:
    if not isinstance(pid, str) or pid.rsplit("#", 1)[-1] not in idx.properties:
        raise ReconcileError(where, f"unknown property {pid!r}; /reconcile/suggest/property lists them")
    return pid.rsplit("#", 1)[-1]


def parse_constraints(where: str, given: object, idx: Index) -> list[Constraint]:
    if not isinstance(given, list):
        raise ReconcileError(where, "must be a list of {pid, v} objects")
    found = []
    for i, item in enumerate(given):
        if not isinstance(item, dict) or "pid" not in item or "v" not in item:
            raise ReconcileError(f"{where}[{i}]", "must be an object with 'pid' and 'v'")
        pid = known_property(f"{where}[{i}].pid", item["pid"], idx)
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        for value in values:
            if not isinstance(value, (str, int, float, bool)) and not (isinstance(value, dict) and "id" in value):
                raise ReconcileError(f"{where}[{i}].v", "must be a string, a number, a boolean or {id: ...}")
        found.append(Constraint(pid, tuple(values)))
    return found


def parse_limit(where: str, given: object, maximum: int = MAX_LIMIT) -> int:
    """A whole number of results from 1 to ``maximum``; anything else is refused, never clamped."""
    if isinstance(given, str) and given.strip().isdigit():
        given = int(given)
    if isinstance(given, float) and given.is_integer():
        given = int(given)
    if isinstance(given, bool) or not isinstance(given, int) or not 1 <= given <= maximum:
        raise ReconcileError(where, f"must be a whole number from 1 to {maximum}, got {given!r}")
    return given


@dataclass(frozen=True)
class Extension:
    ids: tuple[str, ...]
    properties: tuple[str, ...]


def parse_extension(raw: str, idx: Index) -> Extension:
    """The ``extend`` parameter: ``{"ids": [...], "properties": [{"id": ...}, ...]}``."""
    ext = parse_json("extend", raw)
    if not isinstance(ext, dict) or not isinstance(ext.get("ids"), list) or not isinstance(ext.get("properties"), list):
        raise ReconcileError("extend", "must be a JSON object with lists 'ids' and 'properties'")
    ids, props = ext["ids"], ext["properties"]
    if len(ids) > MAX_BATCH:
        raise ReconcileError("extend.ids", f"{len(ids)} ids in one request; at most {MAX_BATCH} are answered", 413)
    for i, eid in enumerate(ids):
        if not isinstance(eid, str) or eid not in idx.candidates:
            raise ReconcileError(f"extend.ids[{i}]", f"unknown entity {eid!r}")
    pids = []
    for i, prop in enumerate(props):
        if not isinstance(prop, dict):
            raise ReconcileError(f"extend.properties[{i}]", "must be an object with an 'id'")
        pids.append(known_property(f"extend.properties[{i}].id", prop.get("id"), idx))
    if not pids:
        raise ReconcileError("extend.properties", "is empty: ask for at least one property")
    return Extension(tuple(ids), tuple(pids))

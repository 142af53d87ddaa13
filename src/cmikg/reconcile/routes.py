"""The ``/reconcile`` routes: manifest, reconciliation batches, data extension, suggest, preview.

One URL answers the manifest (no parameters), a batch (``queries=``) and an extension
(``extend=``), by GET or by POST form, as the API's version 0.2 asks. These routes, and only
these, allow cross-origin GET and POST, so that a browser-based client can call them; every
other route keeps the service's own CORS headers. Errors are JSON with the parameter named.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from cmikg import __version__
from cmikg.iris import CMI, ID
from cmikg.reconcile import extension, matching
from cmikg.reconcile.folding import fold, score
from cmikg.reconcile.index import Index, index
from cmikg.reconcile.parameters import (
    MAX_LIMIT,
    ReconcileError,
    known_type,
    parse_batch,
    parse_extension,
    parse_limit,
)
from cmikg.sparql.protocol import public_base
from cmikg.web.templating import TEMPLATES

bp = Blueprint("reconcile", __name__, template_folder=str(TEMPLATES))

SUGGEST_LIMIT = 10
PREVIEW_SIZE = {"width": 400, "height": 160}
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}


@bp.after_request
def open_cors(response: Response) -> Response:
    response.headers.update(CORS)
    return response


@bp.errorhandler(ReconcileError)
def refused(exc: ReconcileError):
    body = {"status": "error", "parameter": exc.parameter, "message": str(exc)}
    return jsonify(body), exc.status


def field(name: str) -> str | None:
    """A parameter from the query string or the form body (GET and POST alike)."""
    value = request.args.get(name)
    if value is None and request.method == "POST":
        value = request.form.get(name)
    return value


@bp.route("/reconcile", methods=["GET", "POST"])
def service():
    idx = index()
    queries, ext = field("queries"), field("extend")
    if queries is not None and ext is not None:
        raise ReconcileError("queries", "send either 'queries' or 'extend', not both")
    if queries is not None:
        batch = parse_batch(queries, idx)
        return jsonify({key: matching.result(q, idx) for key, q in batch.items()})
    if ext is not None:
        return jsonify(extension.extend(parse_extension(ext, idx), idx))
    return jsonify(manifest(idx))


def manifest(idx: Index) -> dict:
    base = public_base()
    service_url = base.rstrip("/")
    types = [{"id": t.id, "name": t.name} for t in idx.types.values()]
    return {
        "versions": ["0.2"],
        "name": "cmikg: Cuban medical internationalism",
        "identifierSpace": str(ID),
        "schemaSpace": str(CMI),
        "serviceVersion": __version__,
        "documentation": f"{base}editors",
        "defaultTypes": types,
        "view": {"url": f"{ID}{{{{id}}}}"},
        "preview": {"url": f"{base}reconcile/preview?id={{{{id}}}}", **PREVIEW_SIZE},
        "suggest": {
            kind: {"service_url": service_url, "service_path": f"/reconcile/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {"service_url": service_url, "service_path": "/reconcile/extend/propose"},
            "property_settings": [],
        },
    }


def _prefix() -> str:
    prefix = field("prefix")
    if prefix is None or not prefix.strip():
        raise ReconcileError("prefix", "is required: the beginning of a name")
    return fold(prefix)


def _limit(default: int = SUGGEST_LIMIT) -> int:
    given = field("limit")
    return default if given is None else parse_limit("limit", given, MAX_LIMIT)


def _ranked(prefix: str, named: list[tuple[object, list[str]]], limit: int) -> list:
    """The entries one of whose names the prefix matches (exact, then prefix, then words), best first."""
    hits = []
    for position, (entry, names) in enumerate(named):
        scores = [s for n in names if (s := score(prefix, n)) is not None]
        if scores:
            hits.append((min(scores), position, entry))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [entry for _, _, entry in hits[:limit]]


@bp.route("/reconcile/suggest/entity", methods=["GET", "POST"])
def suggest_entity():
    idx, prefix, limit = index(), _prefix(), _limit()
    wanted = field("type")
    type_id = known_type("type", wanted, idx) if wanted else None
    pool = sorted(
        (c for c in idx.candidates.values() if type_id is None or type_id in c.types), key=lambda c: (c.name, c.id)
    )
    found = _ranked(prefix, [(c, [*c.labels.values(), *c.aliases]) for c in pool], limit)
    result = []
    for cand in found:
        entry = {"id": cand.id, "name": cand.name, "notable": matching.type_list(cand, idx)}
        if cand.description:
            entry["description"] = cand.description
        result.append(entry)
    return jsonify({"result": result})


@bp.route("/reconcile/suggest/type", methods=["GET", "POST"])
def suggest_type():
    idx, prefix, limit = index(), _prefix(), _limit()
    found = _ranked(prefix, [(t, t.names()) for t in idx.types.values()], limit)
    return jsonify({"result": [_named_json(t) for t in found]})


@bp.route("/reconcile/suggest/property", methods=["GET", "POST"])
def suggest_property():
    idx, prefix, limit = index(), _prefix(), _limit()
    in_use = [p for p, _ in idx.properties_of(None)]
    found = _ranked(prefix, [(p, p.names()) for p in in_use], limit)
    return jsonify({"result": [_named_json(p) for p in found]})


def _named_json(named) -> dict:
    return {"id": named.id, "name": named.name, **({"description": named.definition} if named.definition else {})}


@bp.route("/reconcile/extend/propose", methods=["GET", "POST"])
def propose_properties():
    idx = index()
    wanted = field("type")
    type_id = known_type("type", wanted, idx) if wanted else None
    limit = _limit(default=MAX_LIMIT)
    body = {"properties": extension.propose(type_id, limit, idx), "limit": limit}
    if type_id:
        body["type"] = type_id
    return jsonify(body)


@bp.get("/reconcile/preview")
def preview():
    idx = index()
    eid = field("id")
    if not eid:
        raise ReconcileError("id", "is required: an entity id such as 'country/ven'")
    cand = idx.candidates.get(eid)
    if cand is None:
        abort(404, f"id: no entity {eid!r} in this dataset")
    return render_template(
        "reconcile/preview.html", cand=cand, types=matching.type_list(cand, idx), facts=preview_facts(cand, idx)
    )


def preview_facts(cand, idx: Index) -> list[tuple[str, list[dict]]]:
    """The entity's links to other reconciled entities and its dates: what tells namesakes apart."""
    facts = []
    for pid in sorted(cand.facts):
        shown = [r for v in cand.facts[pid] if (r := extension.render(v, idx)) and ("id" in r or "date" in r)]
        if shown and pid in idx.properties:
            facts.append((idx.properties[pid].name, shown))
    return facts

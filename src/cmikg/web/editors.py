"""The page for Wikidata editors: the statements worth pasting into QuickStatements, and why the rest are not.

It shows what the build exported (``dist/quickstatements.json``, written with the batch
``dist/quickstatements.txt``): each statement with the item it goes to and the quote that
supports it, the batch as a download, and every claim left out, grouped by the reason.
"""

from __future__ import annotations

import json

from flask import Response, abort, render_template

from cmikg.dist import QUICKSTATEMENTS as BATCH_FILE
from cmikg.dist import QUICKSTATEMENTS_DETAIL as DETAIL_FILE
from cmikg.sparql.formats import TEXT
from cmikg.web.content import page_queries
from cmikg.web.templating import blueprint

bp = blueprint("editors", __name__)


def export_detail() -> dict:
    """The build's export report (read once per dataset version)."""
    path = page_queries.settings().dist / DETAIL_FILE
    if not path.is_file():
        abort(404, f"{DETAIL_FILE} is not in the build; run `cmikg build`")
    return page_queries.cached("quickstatements-detail", lambda: json.loads(path.read_text(encoding="utf-8")))


@bp.get("/wikidata")
def wikidata_editors() -> str:
    detail = export_detail()
    skipped = sorted(detail["skipped"].items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return render_template("editors.html", detail=detail, skipped=skipped, batch_name=BATCH_FILE)


@bp.get(f"/wikidata/{BATCH_FILE}")
def quickstatements_batch() -> Response:
    path = page_queries.settings().dist / BATCH_FILE
    if not path.is_file():
        abort(404, f"{BATCH_FILE} is not in the build; run `cmikg build`")
    response = Response(path.read_bytes(), mimetype=TEXT.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{BATCH_FILE}"'
    return response

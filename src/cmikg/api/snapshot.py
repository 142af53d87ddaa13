"""The Wikidata snapshot shipped with the dataset, as a table: one row per linked item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cmikg.api.rows import table
from cmikg.errors import CmikgError

COLUMNS = ("wikidata", "label_en", "label_es", "iso_alpha3", "iso_alpha2", "origin")


def _one(values: list[str] | None) -> str | None:
    """A property's values joined by '; ' (None when unknown)."""
    return "; ".join(values) if values else None


def snapshot_table(path: Path) -> Any:
    try:
        entities = json.loads(path.read_text(encoding="utf-8"))["entities"]
    except (OSError, ValueError, KeyError) as exc:
        raise CmikgError(f"{path}: no readable Wikidata snapshot ({exc}); rebuild the dataset") from exc
    bindings = []
    for qid in sorted(entities, key=lambda q: int(q[1:])):
        entry = entities[qid]
        values = {
            "wikidata": qid,
            "label_en": (entry.get("label") or {}).get("en"),
            "label_es": (entry.get("label") or {}).get("es"),
            "iso_alpha3": _one(entry.get("P298")),
            "iso_alpha2": _one(entry.get("P297")),
            "origin": (entry.get("origin") or {}).get("kind"),
        }
        bindings.append({k: {"type": "literal", "value": v} for k, v in values.items() if v is not None})
    return table({"head": {"vars": list(COLUMNS)}, "results": {"bindings": bindings}})

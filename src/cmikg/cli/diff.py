"""``cmikg diff OLD NEW``: the claims added, removed and changed between two builds.

A researcher who cited version 0.1.0 wants to know what the graph says differently in
0.2.0. OLD and NEW are each a ``dist/`` folder or a ``cmikg.nt`` file. Claims are matched
by IRI (slugs are never reused) and compared by what they state: subject, predicate,
value (figure, unit, hedge, bounds, entity or text) and time. ``--format markdown``
writes the section of the data changelog (``docs/data-changelog.md``) for NEW.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from cmikg.errors import CmikgError

#: The columns of ``claims.csv`` that say what a claim states, grouped as the report names them.
COMPARED = {
    "subject": ("subject",),
    "predicate": ("predicate",),
    "value": ("value_number", "value_entity", "value_text", "unit", "hedge", "lower_bound", "upper_bound"),
    "time": ("point_in_time", "start_time", "end_time", "time_earliest", "time_latest", "time_precision", "edtf"),
}
_VERSION = "SELECT ?v WHERE { <https://w3id.org/cmikg/id/dataset> <http://www.w3.org/2002/07/owl#versionInfo> ?v }"


@dataclass
class Change:
    claim: str
    changes: dict[str, tuple[str, str]]  # column → (old, new)


@dataclass
class Diff:
    old_version: str
    new_version: str
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    old_claims: int = 0

    def to_json(self) -> dict:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "added": self.added,
            "removed": self.removed,
            "changed": [
                {"claim": c.claim, "changes": {k: list(v) for k, v in c.changes.items()}} for c in self.changed
            ],
        }


def dump_of(path: Path) -> Path:
    """The N-Triples dump named by a ``dist/`` folder or given directly."""
    path = Path(path)
    dump = path / "cmikg.nt" if path.is_dir() else path
    if not dump.is_file():
        raise CmikgError(f"{path}: neither a dist/ folder with cmikg.nt nor an N-Triples file")
    return dump


def claims_of(dump: Path) -> tuple[str, dict[str, dict[str, str]]]:
    """The version and the claims (claim IRI → its columns of ``claims.csv``) of a dump."""
    import pyoxigraph as ox

    from cmikg.api.sources import shipped_queries
    from cmikg.build.outputs.tables import select

    store = ox.Store()
    try:
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError, OSError) as exc:
        raise CmikgError(f"{dump}: cannot read it as N-Triples: {exc}") from exc
    text = (shipped_queries() / "tables" / "claims.rq").read_text(encoding="utf-8")
    names, cells = select(store, text)
    rows = {row["claim"]: row for row in (dict(zip(names, cell, strict=True)) for cell in cells)}
    versions = [v for (v,) in select(store, _VERSION)[1]]
    return (versions[0] if versions else "unversioned"), rows


def diff(old: Path, new: Path) -> Diff:
    """Compare the claims of two builds."""
    old_version, before = claims_of(dump_of(old))
    new_version, after = claims_of(dump_of(new))
    result = Diff(old_version, new_version, old_claims=len(before))
    result.added = [_summary(after[c]) for c in sorted(after.keys() - before.keys())]
    result.removed = [_summary(before[c]) for c in sorted(before.keys() - after.keys())]
    for claim in sorted(before.keys() & after.keys()):
        changes = {
            column: (before[claim][column], after[claim][column])
            for columns in COMPARED.values()
            for column in columns
            if before[claim][column] != after[claim][column]
        }
        if changes:
            result.changed.append(Change(claim, changes))
    return result


def _summary(row: dict[str, str]) -> dict[str, str]:
    keep = ("claim", "label", *(c for columns in COMPARED.values() for c in columns))
    return {k: row[k] for k in keep if row.get(k)}


def as_text(result: Diff) -> str:
    lines = [
        f"claims from {result.old_version} to {result.new_version}: "
        f"{len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed"
    ]
    for title, rows in (("added", result.added), ("removed", result.removed)):
        lines += [f"{title} {row['claim']}  {row.get('label', '')}".rstrip() for row in rows]
    for change in result.changed:
        lines.append(f"changed {change.claim}")
        lines += [
            f"  {column}: {old or '(none)'} -> {new or '(none)'}" for column, (old, new) in change.changes.items()
        ]
    return "\n".join(lines)


def as_markdown(result: Diff) -> str:
    """One section of the data changelog (for a first release, against an empty file, only the count)."""
    if result.old_claims == 0:
        return f"## {result.new_version} (first release)\n\n{len(result.added)} claims.\n"
    out = [
        f"## {result.new_version} (compared with {result.old_version})",
        "",
        f"{len(result.added)} claims added, {len(result.removed)} removed, {len(result.changed)} changed.",
    ]
    for title, rows in (("Added", result.added), ("Removed", result.removed)):
        if rows:
            out += ["", f"### {title}", ""] + [f"- <{r['claim']}>: {r.get('label', '')}" for r in rows]
    if result.changed:
        out += ["", "### Changed", ""]
        for change in result.changed:
            parts = "; ".join(
                f"{column} `{old or '—'}` → `{new or '—'}`" for column, (old, new) in change.changes.items()
            )
            out.append(f"- <{change.claim}>: {parts}")
    return "\n".join(out) + "\n"


CHANGELOG_HEAD = (
    "# Data changelog\n\n"
    "What changed in the claims from one version of the dataset to the next, written by\n"
    "`cmikg diff PREVIOUS-RELEASE/cmikg.nt dist/ --changelog docs/data-changelog.md`.\n"
)


def update_changelog(path: Path, result: Diff) -> None:
    """Put NEW's section at the top of the changelog, replacing an earlier section for the same version."""
    text = path.read_text(encoding="utf-8") if path.is_file() else CHANGELOG_HEAD
    head, _, rest = text.partition("\n## ")
    sections = [s for s in (("## " + rest).split("\n## ") if rest else []) if s.strip()]
    sections = [s if s.startswith("## ") else "## " + s for s in sections]
    kept = [s for s in sections if not s.startswith(f"## {result.new_version} ")]
    body = "\n".join([as_markdown(result), *(s.rstrip("\n") + "\n" for s in kept)])
    path.write_text(head.rstrip("\n") + "\n\n" + body, encoding="utf-8")


def cmd_diff(args: argparse.Namespace) -> int:
    result = diff(args.old, args.new)
    if args.changelog:
        update_changelog(args.changelog, result)
        print(f"{args.changelog}: section for {result.new_version} written")
        return 0
    if args.format == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    elif args.format == "markdown":
        print(as_markdown(result), end="")
    else:
        print(as_text(result))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="the claims added, removed and changed between two builds")
    p.add_argument("old", type=Path, help="the earlier build: a dist/ folder or a cmikg.nt file")
    p.add_argument("new", type=Path, help="the later build: a dist/ folder or a cmikg.nt file")
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    p.add_argument("--changelog", type=Path, help="write the section for NEW at the top of this Markdown file")
    p.set_defaults(func=cmd_diff)

"""``cmikg wikidata check``: are the graph's Wikidata links plausible?

Errors (the build fails): a malformed link, one QID linked from two nodes, a type that
the item's P31 contradicts, an ISO code that differs from the item's P298, a label far
from Wikidata's, a QID the endpoint did not know, a malformed ontology mapping. Warnings:
links with no snapshot entry yet, redirected items. Information: what could not be
checked and why, and the entities that could be linked but are not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cmikg.build.validation import short
from cmikg.config import Settings
from cmikg.namespaces import CMI, ID, RDF
from cmikg.wikidata.classmap import ClassMap, load_classmap
from cmikg.wikidata.labels import similarity
from cmikg.wikidata.links import Link, english_label, spanish_label, superclasses, wikidata_links
from cmikg.wikidata.mappings import mapping_problems, wikidata_mappings
from cmikg.wikidata.snapshot import Entry, Snapshot
from cmikg.wikidata.snapshot import load as load_snapshot

#: Below this similarity a label "differs strongly" from Wikidata's.
LABEL_THRESHOLD = 0.5


@dataclass
class CheckResult:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    linked: list[Link] = field(default_factory=list)
    linkable: list[Node] = field(default_factory=list)
    unlinked: list[Node] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Context:
    """Everything a check looks at, gathered once."""

    ontology: Graph
    data: Graph
    where: dict
    snapshot: Snapshot
    classmap: ClassMap

    def at(self, node: Node) -> str:
        return f"{self.where.get(node, '?')}: {short(node)}"

    def mapped_class(self, node: Node) -> URIRef | None:
        """The nearest class of ``node`` that the class map lists."""
        for cls in sorted(self.data.objects(node, RDF.type), key=str):
            found = self.classmap.nearest(superclasses(self.ontology, cls))
            if found is not None:
                return found
        return None


def check_links(settings: Settings, ontology: Graph, data: Graph, where: dict) -> CheckResult:
    """Run every check on the curated data (not the build output)."""
    ctx = Context(ontology, data, where, load_snapshot(settings), load_classmap(settings))
    result = CheckResult(linked=wikidata_links(data))
    result.errors += mapping_problems(wikidata_mappings(ontology))
    good = [link for link in result.linked if link.qid]
    result.errors += [
        f"{ctx.at(link.node)} owl:sameAs {_show(link.target)}: not a Wikidata item IRI; "
        f"write <http://www.wikidata.org/entity/Q…>"
        for link in result.linked
        if not link.qid
    ]
    result.errors += shared_qids(ctx, good)
    skipped: dict[str, list[str]] = defaultdict(list)
    absent = [link for link in good if ctx.snapshot.get(link.qid) is None]
    if absent:
        result.warnings.append(
            f"{len(absent)} link(s) have no snapshot entry; run `cmikg wikidata refresh` "
            "where Wikidata is reachable:\n" + "\n".join(f"    {ctx.at(link.node)} {link.qid}" for link in absent)
        )
    for link in good:
        entry = ctx.snapshot.get(link.qid)
        if entry is None:
            continue
        result.errors += entry_problems(ctx, link, entry, skipped)
        if entry.redirect:
            result.warnings.append(
                f"{ctx.at(link.node)}: {link.qid} now redirects to {entry.redirect}; update the link"
            )
    result.notes += [f"type not checked for {len(nodes)} link(s): {why}" for why, nodes in sorted(skipped.items())]
    result.linkable, result.unlinked = linkable_nodes(ctx, {link.node for link in result.linked})
    return result


def shared_qids(ctx: Context, links: list[Link]) -> list[str]:
    by_qid: dict[str, list[Node]] = defaultdict(list)
    for link in links:
        by_qid[link.qid].append(link.node)
    return [
        f"{qid} is linked from {len(nodes)} nodes: " + ", ".join(ctx.at(n) for n in sorted(nodes, key=str))
        for qid, nodes in sorted(by_qid.items())
        if len(set(nodes)) > 1
    ]


def entry_problems(ctx: Context, link: Link, entry: Entry, skipped: dict) -> list[str]:
    if not entry.found:
        return [
            f"{ctx.at(link.node)}: {link.qid} is unknown to {entry.origin.get('endpoint', 'the endpoint')} "
            f"(deleted, or a typo?)"
        ]
    return type_problems(ctx, link, entry, skipped) + iso_problems(ctx, link, entry) + label_problems(ctx, link, entry)


def type_problems(ctx: Context, link: Link, entry: Entry, skipped: dict) -> list[str]:
    cls = ctx.mapped_class(link.node)
    if cls is None:
        skipped["the node's class is not in graph/wikidata/class-types.csv"].append(link.qid)
        return []
    accepted = ctx.classmap.accepted[cls]
    if not accepted:
        skipped[f"{short(cls)} has no confirmed P31 list"].append(link.qid)
        return []
    types = entry.claims.get("P31")
    if types is None:
        skipped[f"P31 unknown in the snapshot ({entry.origin.get('kind', '?')})"].append(link.qid)
        return []
    if set(types) & accepted:
        return []
    expected = ", ".join(f"{q} ({ctx.classmap.labels.get(q, '?')})" for q in sorted(accepted))
    return [
        f"{ctx.at(link.node)} is a {short(cls)} but {link.qid} is an instance of "
        f"{', '.join(types) or 'nothing'}; expected one of {expected}"
    ]


def iso_problems(ctx: Context, link: Link, entry: Entry) -> list[str]:
    ours = {str(v) for v in ctx.data.objects(link.node, CMI.isoCode) if isinstance(v, Literal)}
    theirs = entry.claims.get("P298")
    if not ours or not theirs or ours & set(theirs):
        return []
    return [f"{ctx.at(link.node)} has ISO code {', '.join(sorted(ours))} but {link.qid} has P298 {', '.join(theirs)}"]


def label_problems(ctx: Context, link: Link, entry: Entry) -> list[str]:
    pairs = [
        (ours, theirs, lang)
        for ours, lang in ((english_label(ctx.data, link.node), "en"), (spanish_label(ctx.data, link.node), "es"))
        if ours and (theirs := entry.labels.get(lang))
    ]
    if not pairs or any(similarity(a, b) >= LABEL_THRESHOLD for a, b, _ in pairs):
        return []
    ours, theirs, lang = min(pairs, key=lambda p: similarity(p[0], p[1]))
    return [
        f"{ctx.at(link.node)} is labelled {ours!r}@{lang} but {link.qid} is {theirs!r}@{lang} "
        f"(similarity {similarity(ours, theirs):.2f} < {LABEL_THRESHOLD})"
    ]


def linkable_nodes(ctx: Context, linked: set[Node]) -> tuple[list[Node], list[Node]]:
    """Project entities whose class the map lists, and those of them with no link."""
    entities = {s for s in ctx.data.subjects(RDF.type, None) if str(s).startswith(str(ID))}
    linkable = sorted((n for n in entities if ctx.mapped_class(n) is not None), key=str)
    return linkable, [n for n in linkable if n not in linked]


def _show(target: Node) -> str:
    return f"<{target}>" if isinstance(target, URIRef) else repr(str(target))


def format_result(result: CheckResult, verbose: bool = False) -> str:
    """The report people read: errors first, then warnings, notes and the unlinked list."""
    lines = [
        f"Wikidata links: {len({link.node for link in result.linked if link.qid})} linked of "
        f"{len(result.linkable)} linkable entities; {len(result.errors)} error(s), "
        f"{len(result.warnings)} warning(s)"
    ]
    lines += [f"error: {e}" for e in result.errors]
    lines += [f"warning: {w}" for w in result.warnings]
    lines += [f"note: {n}" for n in result.notes]
    if result.unlinked:
        shown = result.unlinked if verbose else result.unlinked[:20]
        lines.append(f"linkable but unlinked ({len(result.unlinked)}, information):")
        lines += [f"  {short(n)}" for n in shown]
        if len(shown) < len(result.unlinked):
            lines.append(f"  … and {len(result.unlinked) - len(shown)} more (--all lists them)")
    return "\n".join(lines)


def build_problems(settings: Settings, sources) -> list[str]:
    """The errors of :func:`check_links`, for the build's list of problems (warnings stay out)."""
    return check_links(settings, sources.ontology, sources.data, sources.origin).errors

"""Counts a curator or a citing researcher wants: per class, per source, coverage."""

from __future__ import annotations

from collections import Counter

from rdflib import Graph, URIRef

from cmikg.build import evidence
from cmikg.build.validation import short
from cmikg.config import Settings
from cmikg.namespaces import CMI, ID, RDF, RDFS

ARTICLE = ID["source/article"]


def class_counts(graph: Graph) -> dict[str, int]:
    """Instances per class, for nodes the project minted (ontology terms excluded)."""
    counts: Counter[str] = Counter()
    for node, cls in graph.subject_objects(RDF.type):
        if str(node).startswith(str(ID)):
            counts[short(cls)] += 1
    return dict(sorted(counts.items()))


def source_counts(graph: Graph) -> dict[str, int]:
    """References per source the article attributes them to (cmi:statedIn)."""
    counts: Counter[str] = Counter()
    for ref in graph.subjects(RDF.type, CMI.Reference):
        for source in graph.objects(ref, CMI.statedIn):
            counts[short(source)] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def instances(graph: Graph, top: URIRef) -> set:
    """The nodes typed ``top`` or any class the ontology (part of ``graph``) puts under it."""
    classes = set(graph.transitive_subjects(RDFS.subClassOf, top))
    return {node for cls in classes for node in graph.subjects(RDF.type, cls)}


def claim_counts(graph: Graph) -> dict[str, int]:
    """Claims of every kind the ontology declares (cmi:Claim and its sub-classes), and their links."""
    claims = instances(graph, CMI.Claim)

    def linked(prop) -> set:
        return {c for c in claims if (c, prop, None) in graph or (None, prop, c) in graph}

    return {
        "claims": len(claims),
        "contradicting": len(linked(CMI.contradicts)),
        "in_tension": len(linked(CMI.inTensionWith)),
        "opposing": len(linked(CMI.opposes)),
        "disputing_or_disputed": len(linked(CMI.disputes)),
        "references": len(set(graph.subjects(RDF.type, CMI.Reference))),
    }


def coverage_report(graph: Graph, settings: Settings) -> dict:
    """Coverage of the article's number-bearing sentences, summary and open items."""
    if (ARTICLE, CMI.textFile, None) not in graph:
        return {"note": "no article text recorded"}
    report = evidence.coverage(graph, settings, ARTICLE)
    return {
        **evidence.coverage_summary(report),
        "uncovered_sentences": [
            {"start": r.sentence.start, "end": r.sentence.end, "text": r.sentence.text}
            for r in report
            if not r.covered and not r.excluded_reason
        ],
        "numbers_not_quoted": [
            {"start": r.sentence.start, "numbers": list(r.uncovered_numbers)} for r in report if r.uncovered_numbers
        ],
    }


def format_coverage(graph: Graph, settings: Settings) -> str:
    lines = []
    for r in evidence.coverage(graph, settings, ARTICLE):
        state = "covered" if r.covered else ("excluded: " + r.excluded_reason if r.excluded_reason else "NOT COVERED")
        missing = f"  [numbers not quoted: {', '.join(r.uncovered_numbers)}]" if r.uncovered_numbers else ""
        lines.append(f"{r.sentence.start:>6}  {state:<12} {r.sentence.text[:100]}{missing}")
    summary = evidence.coverage_summary(evidence.coverage(graph, settings, ARTICLE))
    lines.append("")
    lines.append(", ".join(f"{k}: {v}" for k, v in summary.items()))
    return "\n".join(lines)

"""Evidence against the source text: quote offsets, the text's checksum, coverage.

A claim is only as good as its quote. These checks re-read the shipped copy of the
article and verify that every reference's offsets point at exactly its quote, and report
which number-bearing sentences of the article no quote covers yet.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from cmikg.build.loading import SourceGraph
from cmikg.build.validation import short
from cmikg.config import Settings
from cmikg.errors import InputError
from cmikg.namespaces import CMI, RDF

EXCLUSIONS_FILE = "graph/coverage-exclusions.csv"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def source_texts(graph: Graph, settings: Settings) -> dict[Node, str]:
    """The shipped text of every source that has one, checked against its SHA-256."""
    texts = {}
    for source, rel in graph.subject_objects(CMI.textFile):
        path = settings.root / str(rel)
        if not path.is_file():
            raise InputError(f"{rel}: text file of {short(source)} not found")
        data = path.read_bytes()
        expected = graph.value(source, CMI.sha256)
        actual = hashlib.sha256(data).hexdigest()
        if expected is not None and str(expected) != actual:
            raise InputError(
                f"{rel}: SHA-256 is {actual}, but {short(source)} records {expected}; "
                "the source text must be kept byte-for-byte"
            )
        texts[source] = data.decode("utf-8")
    return texts


def check_quotes(sources: SourceGraph, settings: Settings) -> list[str]:
    """Every reference's quote, checked against its offsets in the shipped text."""
    graph = sources.data
    texts = source_texts(graph, settings)
    problems = []
    for ref in sorted(graph.subjects(RDF.type, CMI.Reference), key=str):
        quote = graph.value(ref, CMI.quote)
        start, end = graph.value(ref, CMI.quoteStart), graph.value(ref, CMI.quoteEnd)
        carrier = graph.value(ref, CMI.reportedIn) or graph.value(ref, CMI.statedIn)
        where = f"{sources.where(ref)}: {short(_owner(graph, ref))}"
        if quote is None or start is None or end is None:
            continue  # the shapes report missing parts
        if carrier is None or carrier not in texts:
            continue  # reported by queries/checks/quote-text-not-shipped.rq
        text = texts[carrier]
        found = text[int(str(start)) : int(str(end))]
        if found != str(quote):
            hint = text.find(str(quote))
            fix = (
                f" (the quote is at {hint}..{hint + len(str(quote))})"
                if hint >= 0
                else " (the quote does not occur in the text at all)"
            )
            problems.append(
                f"{where}: quote offsets {start}..{end} give {found[:60]!r}, not the quote {str(quote)[:60]!r}{fix}"
            )
    return problems


def _owner(graph: Graph, ref: Node) -> Node:
    return next(iter(graph.subjects(None, ref)), ref)


def locate(text: str, needle: str) -> list[Span]:
    """Every occurrence of ``needle`` in ``text``, for writing offsets by hand."""
    spans, start = [], text.find(needle)
    while start >= 0:
        spans.append(Span(start, start + len(needle), needle))
        start = text.find(needle, start + 1)
    return spans


# --- coverage -----------------------------------------------------------------------

_ABBREVIATIONS = ("U.S.", "Rep.", "Mr.", "Dr.", "St.", "al.", "Vol.", "No.", "W.", "M.", "J.F.", "R.S.", "RM.", "Jr.")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’]?(?=\s*[A-Z“\"])")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def sentences(text: str) -> list[Span]:
    """Split the article into sentences, line by line, keeping offsets.

    The text glues some sentences without a space ("in 2020.A major"); abbreviations
    such as "U.S." and initials such as "George W. Bush" do not end a sentence.
    """
    found: list[Span] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for match in _BOUNDARY.finditer(line):
            cut = match.end()
            head = line[start:cut]
            if head.rstrip('"”’').endswith(_ABBREVIATIONS) or re.search(r"\b[A-Z]\.$", head.rstrip('"”’')):
                continue
            _add(found, line, start, cut, offset)
            start = cut
        _add(found, line, start, len(line), offset)
        offset += len(line) + 1
    return found


def _add(found: list[Span], line: str, start: int, end: int, offset: int) -> None:
    piece = line[start:end]
    lead = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    if piece:
        found.append(Span(offset + start + lead, offset + start + lead + len(piece), piece))


def load_exclusions(settings: Settings) -> list[tuple[str, str]]:
    path = settings.root / EXCLUSIONS_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, start=2):
        if not (row.get("text") or "").strip() or not (row.get("reason") or "").strip():
            raise InputError(f"{EXCLUSIONS_FILE}:{number}: each row needs a text and a reason")
    return [(row["text"], row["reason"]) for row in rows]


@dataclass(frozen=True)
class SentenceCoverage:
    sentence: Span
    covered: bool
    excluded_reason: str
    uncovered_numbers: tuple[str, ...]


def coverage(graph: Graph, settings: Settings, article: URIRef) -> list[SentenceCoverage]:
    """For each sentence with a number: is it quoted, and which numbers are not?"""
    text = source_texts(graph, settings)[article]
    quotes = [
        (int(str(s)), int(str(e)))
        for ref in graph.subjects(RDF.type, CMI.Reference)
        if (graph.value(ref, CMI.reportedIn) or graph.value(ref, CMI.statedIn)) == article
        for s, e in [(graph.value(ref, CMI.quoteStart), graph.value(ref, CMI.quoteEnd))]
        if s is not None and e is not None
    ]
    exclusions = [(span, reason) for fragment, reason in load_exclusions(settings) for span in locate(text, fragment)]
    report = []
    for sentence in sentences(text):
        numbers = [m for m in _NUMBER.finditer(sentence.text)]
        if not numbers:
            continue
        covered = any(s < sentence.end and e > sentence.start for s, e in quotes)
        missing = []
        for m in numbers:
            a, b = sentence.start + m.start(), sentence.start + m.end()
            if any(s <= a and b <= e for s, e in quotes):
                continue
            if any(x.start <= a and b <= x.end for x, _ in exclusions):
                continue
            missing.append(m.group())
        reasons = sorted({r for x, r in exclusions if x.start < sentence.end and x.end > sentence.start})
        report.append(SentenceCoverage(sentence, covered, "; ".join(reasons), tuple(missing)))
    return report


def coverage_summary(report: list[SentenceCoverage]) -> dict[str, int]:
    return {
        "number_sentences": len(report),
        "covered": sum(1 for r in report if r.covered),
        "excluded": sum(1 for r in report if not r.covered and r.excluded_reason),
        "uncovered": sum(1 for r in report if not r.covered and not r.excluded_reason),
        "numbers_not_quoted": sum(len(r.uncovered_numbers) for r in report),
    }


def write_locations(text_path: Path, needle: str) -> list[str]:
    text = text_path.read_text(encoding="utf-8")
    return [f"{s.start}\t{s.end}\t{s.text}" for s in locate(text, needle)]

"""The QuickStatements batch the build writes: every line parsed by a strict reader of the V1
syntax (Wikidata's Help:QuickStatements), every line referenced with its verbatim quote, no
context figure among them, and the statements those an editor would find by reading the article."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from rdflib import Graph

from cmikg.namespaces import CMI
from tests.wikidata.conftest import run_cmikg

ITEM = r"Q[1-9]\d*"
#: V1 values: an item, a string, a monolingual text, a time at a precision, a quantity (with an
#: optional ±tolerance and unit item), a globe coordinate.
VALUES = {
    "item": re.compile(ITEM),
    "string": re.compile(r'"[^\t\n]*"'),
    "monolingual": re.compile(r'[a-z][a-z-]*:"[^\t\n]*"'),
    "time": re.compile(r"[+-]\d{1,16}-(0\d|1[0-2])-([0-2]\d|3[01])T00:00:00Z/([0-9]|1[0-4])"),
    "quantity": re.compile(r"[+-]?\d+(\.\d+)?(~\d+(\.\d+)?)?(U[1-9]\d*)?"),
    "coordinate": re.compile(r"@-?\d+(\.\d+)?/-?\d+(\.\d+)?"),
}
#: Properties the batch may use as references, with the kind of value each takes.
REFERENCE_KINDS = {"S248": "item", "S854": "string", "S1683": "monolingual", "S813": "time"}


@dataclass
class Command:
    item: str
    property: str
    value: str
    qualifiers: list[tuple[str, str]]
    references: dict[str, str]


class SyntaxProblem(AssertionError):
    pass


def kind(value: str) -> str:
    found = [name for name, pattern in VALUES.items() if pattern.fullmatch(value)]
    if not found:
        raise SyntaxProblem(f"not a QuickStatements V1 value: {value!r}")
    return found[0]


def parse(line: str) -> Command:
    """One V1 command ``ITEM TAB PROPERTY TAB VALUE [TAB Pn TAB VALUE]... [TAB Sn TAB VALUE]...``."""
    fields = line.split("\t")
    if len(fields) < 3 or len(fields) % 2 == 0:
        raise SyntaxProblem(f"expected item, property, value and then pairs: {line!r}")
    item, prop, value, rest = fields[0], fields[1], fields[2], fields[3:]
    if not re.fullmatch(ITEM, item) or not re.fullmatch(r"P[1-9]\d*", prop):
        raise SyntaxProblem(f"bad item or property: {line!r}")
    kind(value)
    qualifiers: list[tuple[str, str]] = []
    references: dict[str, str] = {}
    for key, val in zip(rest[::2], rest[1::2], strict=True):
        kind(val)
        if re.fullmatch(r"P[1-9]\d*", key):
            if references:
                raise SyntaxProblem(f"qualifier {key} after a reference: {line!r}")
            qualifiers.append((key, val))
        elif re.fullmatch(r"S[1-9]\d*", key):
            if key in references:
                raise SyntaxProblem(f"{key} twice in one reference: {line!r}")
            references[key] = val
        else:
            raise SyntaxProblem(f"not a qualifier or source property: {key!r}")
    return Command(item, prop, value, qualifiers, references)


@pytest.fixture(scope="module")
def batch(built) -> list[str]:
    return (built.dist / "quickstatements.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def detail(built) -> dict:
    return json.loads((built.dist / "quickstatements.json").read_text(encoding="utf-8"))


def test_the_strict_reader_refuses_what_v1_cannot_read():
    for bad in (
        "Q574\tP1082\t1000000 people",
        "Q574\tP1082\t+1000000\tS854",
        'Q574\tP1082\t+1\tS854\t"u"\tP585\t+1999-00-00T00:00:00Z/9',
        "Q574\tP1082\t+1\tP585\t1999-01",
        "q574\tP1082\t+1",
    ):
        with pytest.raises(SyntaxProblem):
            parse(bad)


def test_every_line_is_v1_and_carries_its_quote(built, batch):
    graph = Graph().parse(built.dataset_file, format="nt")
    quotes = {str(q) for q in graph.objects(None, CMI.quote)}
    assert batch, "the build exported no statement"
    for line in batch:
        command = parse(line)
        refs = command.references
        assert set(refs) >= {"S854", "S1683", "S813"} and set(refs) <= set(REFERENCE_KINDS), line
        assert all(kind(v) == REFERENCE_KINDS[k] for k, v in refs.items()), line
        assert refs["S1683"].startswith('en:"') and refs["S1683"][4:-1] in quotes, line
        assert refs["S854"] == '"https://en.wikipedia.org/wiki/Cuban_medical_internationalism"'
        assert "~" not in command.value or kind(command.value) == "quantity"


def test_the_statements_are_those_the_article_makes(batch):
    """By reading the article: "Guatemala re-established diplomatic relations with Cuba in 1998",
    and Honduras "the re-establishment of diplomatic relations between the two countries in 2002"."""
    heads = {tuple(line.split("\t")[:5]) for line in batch}
    assert ("Q774", "P530", "Q241", "P580", "+1998-00-00T00:00:00Z/9") in heads
    assert ("Q783", "P530", "Q241", "P580", "+2002-00-00T00:00:00Z/9") in heads
    assert not [line for line in batch if "\tP1082\t" in line], "a country's population is context, not a statement"


def test_the_report_accounts_for_every_claim(built, batch, detail):
    report = json.loads((built.dist / "build-report.json").read_text(encoding="utf-8"))["quickstatements"]
    graph = Graph().parse(built.dataset_file, format="nt")
    claims = set(graph.subjects(CMI.predicate, None))
    skipped = [c for group in detail["skipped"].values() for c in group]
    assert report["written"] is True and report["lines"] == len(batch)
    assert report["claims_exported"] == len(detail["statements"])
    assert len(skipped) + len(detail["statements"]) == len(claims)
    assert report["skipped_by_reason"] == {reason: len(group) for reason, group in detail["skipped"].items()}
    context = detail["skipped"]["context figure the article gives in passing (cmi:contextOnly)"]
    assert "https://w3id.org/cmikg/id/claim/other-countries-east-timor-population" in context


def test_the_command_writes_the_same_batch(built, batch, detail):
    done = run_cmikg(built, "export", "--format", "quickstatements", "--retrieved", detail["retrieved"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == batch
    assert f"{len(batch)} command(s) for {len(detail['statements'])} claim(s)" in done.stderr

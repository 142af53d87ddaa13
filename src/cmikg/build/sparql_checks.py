"""The build's SPARQL checks: one file per check in ``queries/checks/``, one runner here.

Each file is a SELECT whose header comments say what it finds and how to report it::

    # Finds: ...what the check looks for, in words...
    # kind: violation | tension
    # message: {this} uses {property}, which the ontology does not declare

``?this`` is the node reported (the file it was written in is named before it); the
message's ``{name}`` fields are filled from the row. A *violation* fails the build. A
*tension* is a candidate pair (``?this``, ``?other``) that a curator must judge: link
the two claims with a property the ontology marks ``cmi:settlesTension true``
(``cmi:contradicts`` or ``cmi:inTensionWith``, with a ``cmi:note``) or dismiss the pair
in ``graph/tensions-dismissed.csv`` with a reason. An unjudged candidate, or a dismissal
that no check finds any more, fails the build. The checks run on Oxigraph, which answers
all of them in well under a second.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from cmikg.build.loading import SourceGraph
from cmikg.build.validation import short
from cmikg.config import Settings
from cmikg.errors import InputError
from cmikg.namespaces import PREFIXES

CHECKS_FOLDER = Path("queries") / "checks"
DISMISSALS_FILE = Path("graph") / "tensions-dismissed.csv"
DISMISSAL_COLUMNS = ("check", "claim", "other", "reason")
KINDS = ("violation", "tension")
#: The pairs of claims linked by a property that settles a tension (either direction).
_JUDGED = """
PREFIX cmi: <https://w3id.org/cmikg/ontology#>
SELECT DISTINCT ?a ?b WHERE { ?link cmi:settlesTension true . ?a ?link ?b . }
"""
_HEADER = re.compile(r"^#\s*(finds|kind|message):\s*(.*)$", re.IGNORECASE)
_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Check:
    """One check file: its name, what it finds, its kind and its message template."""

    name: str
    finds: str
    kind: str
    message: str
    query: str


@dataclass(frozen=True, order=True)
class Finding:
    """One row of a check: the node reported, the other claim of a pair, the message."""

    check: str
    this: str
    other: str
    message: str


@dataclass(frozen=True)
class Judgement:
    """The tension candidates and how each was judged."""

    found: int
    linked: int
    dismissed: int

    def as_report(self) -> dict[str, int]:
        return {"found": self.found, "linked": self.linked, "dismissed": self.dismissed}


def read_check(path: Path, settings: Settings) -> Check:
    """Parse a check file's header; a missing or unknown field is an error naming the file."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            key = match.group(1).lower()
            fields[key] = (fields.get(key, "") + " " + match.group(2)).strip()
    where = settings.rel(path)
    for key in ("finds", "kind", "message"):
        if not fields.get(key):
            raise InputError(f"{where}:1: a check needs a '# {key}:' comment line")
    if fields["kind"] not in KINDS:
        raise InputError(f"{where}:1: '# kind:' must be one of {', '.join(KINDS)}, not {fields['kind']!r}")
    return Check(path.stem, fields["finds"], fields["kind"], fields["message"], text)


def load_checks(settings: Settings) -> list[Check]:
    return [read_check(path, settings) for path in sorted((settings.root / CHECKS_FOLDER).glob("*.rq"))]


def _text(term: object) -> str:
    """A term as the messages show it: an IRI in its short form, a literal's text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return short(URIRef(term.value))
    return str(getattr(term, "value", term))


def fill(template: str, values: dict[str, str]) -> str:
    """The message with each ``{name}`` replaced by the row's value (left as is when absent)."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def run_check(store: ox.Store, check: Check, settings: Settings) -> list[Finding]:
    """The rows of one check as findings, each with its message filled in."""
    try:
        solutions = store.query(check.query)
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(f"{settings.rel(settings.root / CHECKS_FOLDER / (check.name + '.rq'))}: {exc}") from exc
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    found = []
    for row in solutions:
        values = {n: _text(row[n]) for n in names}
        found.append(Finding(check.name, values.get("this", ""), values.get("other", ""), fill(check.message, values)))
    return sorted(set(found))


def run_checks(store: ox.Store, sources: SourceGraph, settings: Settings) -> tuple[list[str], Judgement]:
    """Every check: the problems that fail the build, and the count of judged tensions."""
    problems: list[str] = []
    tensions: list[Finding] = []
    for check in load_checks(settings):
        findings = run_check(store, check, settings)
        if check.kind == "violation":
            problems += [f"{_where(sources, f.this)}: {f.message} [{CHECKS_FOLDER / check.name}.rq]" for f in findings]
        else:
            tensions += findings
    linked_pairs = _linked(store)
    dismissed = load_dismissals(settings)
    linked = dismissed_count = 0
    for finding in tensions:
        pair = frozenset((finding.this, finding.other))
        if pair in linked_pairs:
            linked += 1
        elif (finding.check, pair) in dismissed:
            dismissed_count += 1
        else:
            problems.append(
                f"{_where(sources, finding.this)}: {finding.message}; link the two claims (cmi:contradicts or "
                f"cmi:inTensionWith, with a cmi:note saying why) or dismiss the pair in {DISMISSALS_FILE} "
                f"with a reason [{CHECKS_FOLDER / finding.check}.rq]"
            )
    found_keys = {(f.check, frozenset((f.this, f.other))) for f in tensions}
    for (name, pair), line in sorted(dismissed.items(), key=lambda kv: kv[1]):
        if (name, pair) not in found_keys:
            claims = " and ".join(sorted(pair))
            problems.append(
                f"{DISMISSALS_FILE}:{line}: the check {name} no longer finds {claims}; remove the dismissal"
            )
    return problems, Judgement(len(tensions), linked, dismissed_count)


def _where(sources: SourceGraph, name: str) -> str:
    """``file: node`` for a node written in its short form."""
    prefix, _, local = name.partition(":")
    node = URIRef(PREFIXES[prefix] + local) if prefix in PREFIXES else URIRef(name.strip("<>"))
    return f"{sources.where(node)}: {name}"


def _linked(store: ox.Store) -> set[frozenset[str]]:
    """Pairs of claims a curator linked by a property that settles a tension (either direction)."""
    solutions = store.query(_JUDGED)
    assert isinstance(solutions, ox.QuerySolutions)
    return {frozenset((_text(row["a"]), _text(row["b"]))) for row in solutions}


def load_dismissals(settings: Settings) -> dict[tuple[str, frozenset[str]], int]:
    """The reviewed dismissals: (check, pair of claims) → line number in the file."""
    path = settings.root / DISMISSALS_FILE
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != DISMISSAL_COLUMNS:
            raise InputError(f"{DISMISSALS_FILE}:1: the columns must be {','.join(DISMISSAL_COLUMNS)}")
        rows = list(reader)
    found: dict[tuple[str, frozenset[str]], int] = {}
    for line, row in enumerate(rows, start=2):
        if not all((row.get(c) or "").strip() for c in DISMISSAL_COLUMNS):
            raise InputError(f"{DISMISSALS_FILE}:{line}: each dismissal needs a check, two claims and a reason")
        found[(row["check"], frozenset((row["claim"], row["other"])))] = line
    return found

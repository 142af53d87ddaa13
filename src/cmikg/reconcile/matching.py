"""Scores and ``match`` decisions for reconciliation queries.

Names are compared after folding (lower case, accents and punctuation removed, as the site's
search does), against every English and Spanish label and every alias (``skos:altLabel``):

- the **name score** of a candidate is 100 for a folded name equal to the query, otherwise
  the larger of the character similarity (``difflib`` ratio, which forgives misspellings:
  "Venezula" scores 94 against "Venezuela") and the word overlap (Dice coefficient of the two
  word sets: "Barrio Adentro" scores 80 against "Mission Barrio Adentro"), times 100, best name;
- each **property constraint** scores 100 when one of the candidate's values equals a given
  value (an entity by id, by Wikidata QID or by folded name; a literal folded; a number as a
  number; a year as the year of a date), else 0;
- the **score** is the mean of the name score and the constraint scores;
- a QID given for the ``wikidata`` property is an identifier, not a name: only the entity
  linked to exactly that item is a candidate, and it scores 100;
- a candidate must reach :data:`MIN_SCORE`; ``match`` is true for the best candidate when it
  scores at least :data:`MATCH_SCORE` and leads the next by at least :data:`MATCH_LEAD`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from cmikg.reconcile.index import QID, WIKIDATA, Candidate, Index, Value, entity_id, same_number
from cmikg.reconcile.parameters import Constraint, Query
from cmikg.web.search import fold

MIN_SCORE = 60.0
MATCH_SCORE = 90.0
MATCH_LEAD = 10.0


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    name_score: float | None
    constraint_scores: tuple[tuple[str, float], ...]


def name_score(query: str, names: Iterable[str]) -> float:
    """The best similarity (0..100) of the folded query to any folded name."""
    best = 0.0
    words = set(query.split())
    for name in names:
        if name == query:
            return 100.0
        matcher = SequenceMatcher(None, query, name)
        chars = matcher.ratio() if matcher.real_quick_ratio() * 100 > best else 0.0
        other = set(name.split())
        dice = 2 * len(words & other) / (len(words) + len(other)) if words and other else 0.0
        best = max(best, 100 * chars, 100 * dice)
    return round(best, 1)


def value_matches(given: object, value: Value, idx: Index) -> bool:
    term = value.term
    if isinstance(given, dict):
        given = str(given["id"])
    if isinstance(given, bool):
        return term.value == str(given).lower()
    if isinstance(given, (int, float)):
        return same_number(str(given), term.value)
    text = str(given).strip()
    if term.is_iri:
        linked = idx.by_iri(term.value)
        if QID.fullmatch(text):
            return linked is not None and linked.item == text
        return linked is not None and (text == entity_id(term.value) or fold(text) in linked.folded)
    if text.isdigit() and len(text) == 4 and "dateTime" in term.datatype:
        return term.value.startswith(text)
    return fold(text) == fold(term.value) or same_number(text, term.value)


def constraint_score(constraint: Constraint, cand: Candidate, idx: Index) -> float:
    if constraint.pid == WIKIDATA:
        return 100.0 if cand.item and any(str(v).strip() == cand.item for v in _plain(constraint.values)) else 0.0
    values = cand.facts.get(constraint.pid, [])
    return 100.0 if any(value_matches(g, v, idx) for g in constraint.values for v in values) else 0.0


def _plain(values: Iterable[object]) -> Iterable[object]:
    return (v["id"] if isinstance(v, dict) else v for v in values)


def type_ok(query: Query, cand: Candidate) -> bool:
    if not query.types:
        return True
    if query.type_strict == "all":
        return all(t in cand.types for t in query.types)
    return any(t in cand.types for t in query.types)


def candidates(query: Query, idx: Index) -> list[Scored]:
    """Every candidate reaching :data:`MIN_SCORE`, best first (ties by name, then id)."""
    folded = fold(query.text)
    qid_constraints = [c for c in query.constraints if c.pid == WIKIDATA]
    scored = []
    for cand in idx.candidates.values():
        if not type_ok(query, cand):
            continue
        by_qid = [constraint_score(c, cand, idx) for c in qid_constraints]
        if qid_constraints and not all(by_qid):
            continue
        names = name_score(folded, cand.folded) if folded else None
        parts = tuple((c.pid, constraint_score(c, cand, idx)) for c in query.constraints)
        if qid_constraints:
            score = 100.0
        else:
            values = ([names] if names is not None else []) + [s for _, s in parts]
            score = round(sum(values) / len(values), 1)
        if score >= MIN_SCORE:
            scored.append(Scored(cand, score, names, parts))
    scored.sort(key=lambda s: (-s.score, s.candidate.name, s.candidate.id))
    return scored[: query.limit]


def is_match(ranked: list[Scored], position: int) -> bool:
    if position != 0 or not ranked or ranked[0].score < MATCH_SCORE:
        return False
    return len(ranked) == 1 or ranked[0].score - ranked[1].score >= MATCH_LEAD


def result(query: Query, idx: Index) -> dict:
    """One query's answer in the API's shape: ``{"result": [candidate, ...]}``."""
    ranked = candidates(query, idx)
    return {"result": [_candidate_json(s, is_match(ranked, i), idx) for i, s in enumerate(ranked)]}


def _candidate_json(scored: Scored, match: bool, idx: Index) -> dict:
    cand = scored.candidate
    features = [{"id": "name", "value": scored.name_score}] if scored.name_score is not None else []
    features += [{"id": f"property:{pid}", "value": value} for pid, value in scored.constraint_scores]
    entry = {
        "id": cand.id,
        "name": cand.name,
        "score": scored.score,
        "match": match,
        "type": type_list(cand, idx),
        "features": features,
    }
    if cand.description:
        entry["description"] = cand.description
    return entry


def type_list(cand: Candidate, idx: Index) -> list[dict]:
    return [{"id": t, "name": idx.types[t].name} for t in sorted(cand.types) if t in idx.types]

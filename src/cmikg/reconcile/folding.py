"""Label matching that ignores accents, case and punctuation, for names typed by people.

SPARQL has no accent folding, so names are folded here: "operacion milagro" matches
"Operación Milagro", "haiti" matches "Haití".
"""

from __future__ import annotations

from cmikg.folding import fold

__all__ = ["fold", "score"]


def score(query: str, label: str) -> int | None:
    """0 exact, 1 prefix, 2 every word starts a word, 3 every word inside; None: no match."""
    words, target = query.split(), fold(label)
    if not words:
        return None
    if target == query:
        return 0
    if target.startswith(query):
        return 1
    target_words = target.split()
    if all(any(t.startswith(w) for t in target_words) for w in words):
        return 2
    if all(w in target for w in words):
        return 3
    return None

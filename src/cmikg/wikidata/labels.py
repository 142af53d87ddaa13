"""How alike two labels are, ignoring case, accents and punctuation.

"São Tomé and Príncipe" and "Sao Tome & Principe" are the same name; "Guinea" and
"Guinea-Bissau" are not, and neither are "Niger" and "Nigeria" (the ISO code check tells
those apart). A leading article is dropped ("The Gambia"), and a label of several words found
whole in the other ("United States" in "United States of America") counts as the same.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_AND = re.compile(r"\band\b|&")
_LEADING_ARTICLE = re.compile(r"^(the|el|la|los|las) ")


def normalise(label: str) -> str:
    """Lower case, accents stripped, '&' read as 'and', punctuation as spaces, no leading article."""
    decomposed = unicodedata.normalize("NFKD", label)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    bare = _AND.sub(" and ", bare)
    return _LEADING_ARTICLE.sub("", " ".join(_NON_WORD.sub(" ", bare).split()))


def similarity(a: str, b: str) -> float:
    """1.0 for the same name, falling towards 0 as the names part."""
    left, right = normalise(a), normalise(b)
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    shorter, longer = sorted((left.split(), right.split()), key=len)
    if len(shorter) > 1 and _contains(longer, shorter):
        return 1.0
    return difflib.SequenceMatcher(None, left, right).ratio()


def _contains(words: list[str], part: list[str]) -> bool:
    """Whether ``part`` occurs in ``words`` as a run of whole words."""
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))

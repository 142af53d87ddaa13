"""How people's texts compare: case, accents and punctuation ignored.

One rule for every place that matches what a person typed against the graph's labels:
the search index the build writes, the search page that reads it, and reconciliation.
"operacion milagro" matches "Operación Milagro", "haiti" matches "Haití".
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()

"""The source text cut into paragraphs and segments, each segment knowing which quotes cover it.

Quotes overlap (one claim quotes a sentence, another a clause inside it), so the text
cannot simply be wrapped quote by quote. It is cut at every quote boundary instead; each
piece lists the quotes covering it, and each quote gets an anchor (``q-START-END``, the
code-point offsets of ``cmi:quoteStart``/``cmi:quoteEnd``) at the piece where it begins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TERMINAL = re.compile(r"[.:;,!?\"”)]$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    @property
    def anchor(self) -> str:
        return f"q-{self.start}-{self.end}"


@dataclass
class Segment:
    text: str
    start: int
    spans: list[Span]
    opens: list[Span] = field(default_factory=list)

    @property
    def innermost(self) -> Span | None:
        return min(self.spans, key=lambda s: s.end - s.start) if self.spans else None


@dataclass
class Block:
    """A paragraph or a heading of the text, with its segments and the quotes starting in it."""

    kind: str
    start: int
    segments: list[Segment]
    quotes: list[Span] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"p-{self.start}"


def blocks(text: str, spans: list[Span]) -> list[Block]:
    """The text as blocks; every code point appears in exactly one segment."""
    valid = sorted({s for s in spans if 0 <= s.start < s.end <= len(text)}, key=lambda s: (s.start, -s.end))
    cuts = sorted(
        {0, len(text)}
        | {s.start for s in valid}
        | {s.end for s in valid}
        | {m.end() for m in re.finditer("\n", text)}
        | {m.start() for m in re.finditer("\n", text)}
    )
    lines = text.split("\n")
    kinds = _line_kinds(lines)
    result: list[Block] = []
    offset = 0
    for line, kind in zip(lines, kinds, strict=False):
        end = offset + len(line)
        if line.strip():
            result.append(_block(text, kind, offset, end, cuts, valid))
        offset = end + 1
    return result


def _block(text: str, kind: str, start: int, end: int, cuts: list[int], spans: list[Span]) -> Block:
    inner = [c for c in cuts if start <= c <= end]
    segments = []
    for a, b in zip(inner, inner[1:], strict=False):
        if a == b:
            continue
        covering = [s for s in spans if s.start < b and s.end > a]
        segments.append(Segment(text[a:b], a, covering, [s for s in spans if s.start == a]))
    quotes = [s for s in spans if start <= s.start < end]
    return Block(kind, start, segments, quotes)


def _line_kinds(lines: list[str]) -> list[str]:
    """Headings are short lines without closing punctuation, after a blank line (or under one)."""
    kinds = []
    for i, line in enumerate(lines):
        short = 0 < len(line.strip()) <= 50 and not _TERMINAL.search(line.strip())
        previous = lines[i - 1] if i else ""
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if short and not previous.strip():
            kinds.append("h2")
        elif short and kinds and kinds[-1] == "h2" and len(following) > 60:
            kinds.append("h3")
        else:
            kinds.append("p")
    return kinds

"""The terminals of SPARQL 1.1 (IRIs, strings, prefixed names, variables, numbers, words),
read from a query text in one linear pass.

This is the only place that decides where one token ends and the next begins; the
reader (:mod:`cmikg.guard.reading`) builds the text the engine receives out of these
tokens, so the engine never has to make that decision itself.
"""

from __future__ import annotations

import re
import sys
from typing import NamedTuple

from cmikg.engines.backend import QuerySyntax, RequestTooLarge

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_ESC = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
#: A prefix name is read up to 64 characters: a longer one (none is real) is read as words,
#: which can only make the checks stricter, and the bound keeps tokenizing linear in time.
_PREFIX = f"(?:[{_BASE}](?:[{_CHARS}.]{{0,62}}[{_CHARS}])?)?:"
_LOCAL = f"(?:[{_CHARS_U}:0-9]|{_ESC})(?:(?:[{_CHARS}.:]|{_ESC})*(?:[{_CHARS}:]|{_ESC}))?"
#: Characters an IRIREF may hold (after \\u escapes are undone).
IRI_CHARS = r"[^<>\"{}|^`\\\x00-\x20]"

#: One match per token, with the whitespace and comments before it: the regular expression
#: skips them, so Python sees each token once and nothing else (whitespace and comments are
#: about half of what a query holds). The skipping is possessive (``*+``): it never gives
#: back, and every match ends in a token, in ``other`` (any character) or at the end of the
#: text, so a match never backtracks into it, however long a run of whitespace is.
_TOKEN = re.compile(
    r"(?:\s|#[^\n\r]*)*+(?:"
    + "|".join(
        [
            rf"(?P<iri><{IRI_CHARS}*>)",
            r"(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
            r"|'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\")",
            r"(?P<unterminated>['\"])",
            rf"(?P<var>[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)",
            rf"(?P<bnode>_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)",
            rf"(?P<pname>{_PREFIX}(?:{_LOCAL})?)",
            r"(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
            r"(?P<number>[+-]?(?:\d+\.\d*[eE][+-]?\d+|\.?\d+[eE][+-]?\d+|\d*\.\d+|\d+))",
            r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<punct><=|>=|!=|&&|\|\||\^\^|[{}()\[\].,;*/|^!+\-=<>?])",
            r"(?P<other>.)",
            r"(?P<end>\Z)",
        ]
    )
    + ")",
    re.DOTALL,
)
#: Match kinds that are no token: the end of the text, and the two that end the reading.
_NOT_TOKENS = frozenset(("end", "unterminated", "other"))
#: Tokens are made with tuple's own constructor: the one NamedTuple generates is a Python
#: function, a call per token that the reading does not need (tokenizing the benchmark's
#: query texts: 20% less time with both changes, docs/benchmark.md).
_new_token = tuple.__new__

#: Most tokens a query may have: reading costs a few microseconds per token, so this bounds
#: the time a request can spend in the checks (real queries have hundreds to a few thousand).
MAX_TOKENS = 100_000
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int


def position(text: str, offset: int) -> str:
    """``line L, column C`` of a character offset, for messages."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def unescape(text: str) -> str:
    """Undo ``\\uXXXX`` and ``\\UXXXXXXXX`` everywhere, before reading, as the SPARQL grammar
    (section 19.2) and the engine do: a keyword spelt with escapes is then seen as one."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def undo(match: re.Match) -> str:
        point = int(match.group(1) or match.group(2), 16)
        if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
            raise QuerySyntax(f"query syntax error: {match.group()} at {position(text, match.start())} is no character")
        return chr(point)

    return _UCHAR.sub(undo, text)


def tokenize(text: str, max_tokens: int | None = MAX_TOKENS) -> list[Token]:
    """The query's tokens without whitespace and comments. A quote that opens no complete
    string, or a character no SPARQL token holds, ends the reading at once (400)."""
    tokens: list[Token] = []
    append = tokens.append
    limit = sys.maxsize if max_tokens is None else max_tokens
    for m in _TOKEN.finditer(text):
        kind: str = m.lastgroup  # type: ignore[assignment]  # every match ends in a named group
        if kind in _NOT_TOKENS:
            if kind == "end":
                break
            start = m.start(kind)
            if kind == "unterminated":
                raise QuerySyntax(f"query syntax error: unterminated string at {position(text, start)}")
            raise QuerySyntax(f"query syntax error: unexpected {m.group(kind)!r} at {position(text, start)}")
        start, end = m.span(kind)
        append(_new_token(Token, (kind, text[start:end], start, end)))
        if len(tokens) > limit:
            raise RequestTooLarge(
                f"the query has more than {max_tokens} tokens (the token limit); send a shorter query "
                "(for many values, use several queries)"
            )
    return tokens

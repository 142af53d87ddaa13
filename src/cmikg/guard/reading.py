"""The one reading of a query that decides what it does, and the text the engine receives.

A query is read once, by :mod:`cmikg.guard.lexer`, and the engine is never given the
client's text: it gets a canonical re-serialisation of that reading, built so that it can
be read in one way only. Every token is separated by a space; prefixed names are expanded
to full ``<IRI>``s (so ``SERVICE:x`` is either an IRI, or nothing the engine accepts);
every word must be a SPARQL keyword or built-in function, written out in capitals; strings
are re-escaped with ``"``; comments are dropped; ``\\u`` escapes are undone first, as the
grammar says. What the checks saw is therefore exactly what is evaluated, and the same
canonical text goes to an external store behind ``--backend``.

The one place left where a SPARQL parser may read a token in two ways is ``<``: an IRI,
or "less than" inside an expression, right after an operand. Such an IRI may hold no
``(`` or ``)``, and no IRI may hold ``'``, so no second reading of an IRI can leave the expression
it is in, open a string, or reach a group; the text is on one line, so a ``#`` read as a
comment only hides the rest of it. See ``docs/endpoint.md`` for the argument in full.

The same pass measures the query against the limits that keep the engine's recursive
parser and planner from overflowing their stack (nesting depth, number of elements).
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass

from cmikg.engines.backend import QueryRefused, QuerySyntax
from cmikg.guard.lexer import IRI_CHARS, MAX_TOKENS, Token, position, tokenize, unescape

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
#: Words that exist only in SPARQL Update; none may appear in a query.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
    | {"DATA", "INTO", "TO", "DEFAULT", "ALL"}
)
#: Every word a SPARQL 1.1 query (and Oxigraph's RDF-star functions) may hold.
KEYWORDS = frozenset(
    """SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED AS FROM NAMED WHERE ORDER BY ASC DESC
    LIMIT OFFSET GROUP HAVING VALUES UNDEF OPTIONAL GRAPH SERVICE SILENT BIND MINUS UNION
    FILTER NOT IN EXISTS SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS
    CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS
    STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5
    SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL
    ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT TRIPLE SUBJECT
    PREDICATE OBJECT ISTRIPLE""".split()
)
_LOWER_WORDS = {"A": "a", "TRUE": "true", "FALSE": "false"}
_GLUED = re.compile("|".join(sorted(UPDATE_KEYWORDS | {"SERVICE"}, key=len, reverse=True)))
_IRI = re.compile(f"{IRI_CHARS}*")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_OPEN = {"(": ")", "{": "}", "[": "]"}
_CLOSE = {")": "(", "}": "{", "]": "["}

#: Deepest nesting of ( { [ a query may have: the engine's parser recurses per level and
#: its worker dies past a few hundred (``STR(`` nested 1,000 deep); real queries use < 15.
MAX_DEPTH = 64
#: Most keywords and operators (triple patterns, BINDs, paths, joins) one query may hold:
#: the engine plans them recursively and its worker dies on a few thousand.
MAX_ELEMENTS = 1000


@dataclass(frozen=True)
class ServiceCall:
    """One top-level ``SERVICE [SILENT] target { ... }`` clause of the canonical text."""

    iri: str | None  # the target; None for ``SERVICE ?var``
    target: str  # the target as it stands in the canonical text
    silent: bool
    start: int  # offset in the canonical text of the SERVICE keyword
    end: int  # offset just after the closing brace
    group: str  # the group pattern, braces included, canonical: sent to the remote service
    position: str  # "line L, column C" in the client's text, for messages


@dataclass(frozen=True)
class QueryReading:
    """A query as the checks read it, and the canonical text the engine receives."""

    form: str
    text: str
    services: tuple[ServiceCall, ...]
    starts: array  # offset in ``text`` of each token
    origins: array  # offset in ``source`` of each token
    source: str  # the client's text, \\u escapes undone: for positions in messages

    @property
    def is_graph(self) -> bool:
        """True when the answer is RDF triples rather than a results table or boolean."""
        return self.form in ("CONSTRUCT", "DESCRIBE")

    @property
    def size(self) -> int:
        """Bytes this reading holds, roughly: for caches bounded in bytes."""
        return (
            2 * (len(self.text) + len(self.source))
            + 8 * (len(self.starts) + len(self.origins))
            + 200 * len(self.services)
            + 200
        )

    def origin(self, byte_column: int) -> int:
        """The client's offset of the token at a (1-based, UTF-8) column of the canonical text."""
        offset = len(self.text.encode("utf-8")[: max(byte_column - 1, 0)].decode("utf-8", "ignore"))
        index = max(0, _bisect(self.starts, offset))
        return self.origins[index] if len(self.origins) else 0


def _bisect(values: array, offset: int) -> int:
    low, high = 0, len(values)
    while low < high:
        middle = (low + high) // 2
        if values[middle] <= offset:
            low = middle + 1
        else:
            high = middle
    return low - 1


def read_query(text: str, max_tokens: int | None = MAX_TOKENS, limits: bool = True) -> QueryReading:
    """Read ``text`` once: 403 for any update, 400 for what is not a query or is over a
    limit, 413 past the token limit; otherwise its reading and canonical text."""
    if not text.strip():
        raise QuerySyntax("empty query: pass the SPARQL text in the 'query' parameter")
    plain = unescape(text)
    tokens = tokenize(plain, max_tokens)
    base, prefixes, first = _prologue(plain, tokens)
    writer = _Writer(plain, prefixes, limits)
    for token in tokens[first:]:
        writer.add(token)
    return writer.finish(base)


def _prologue(text: str, tokens: list[Token]) -> tuple[str | None, dict[str, str], int]:
    """BASE and PREFIX declarations; returns them and the index of the first other token.
    One BASE, before any PREFIX: then every relative IRI means the same to every reader."""
    base: str | None = None
    prefixes: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        word = tokens[i].text.upper() if tokens[i].kind == "word" else ""
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            if base is not None or prefixes:
                raise QuerySyntax(
                    f"query syntax error: BASE at {position(text, tokens[i].start)}: give one BASE, before the PREFIXes"
                )
            base = tokens[i + 1].text[1:-1]
            i += 2
        elif word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1].kind == "pname" and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text[:-1]] = tokens[i + 2].text[1:-1]
            i += 3
        elif word in ("BASE", "PREFIX"):
            raise QuerySyntax(f"query syntax error: incomplete {word} at {position(text, tokens[i].start)}")
        else:
            break
    return base, prefixes, i


class _Writer:
    """Builds the canonical text token by token, checking each one as it goes."""

    def __init__(self, text: str, prefixes: dict[str, str], limits: bool):
        self.source = text
        self.prefixes = prefixes
        self.limits = limits
        self.pieces: list[str] = []
        self.kinds: list[str] = []
        self.origins = array("q")
        self.stack: list[str] = []
        self.opened: list[int] = []  # where each open bracket is, in the client's text
        self.elements = 0
        self.glue = False

    def where(self, token: Token) -> str:
        return position(self.source, token.start)

    def add(self, token: Token) -> None:
        kind = token.kind
        if kind == "word":
            self._emit(token, "word", self._word(token))
        elif kind == "pname":
            self._emit(token, "iri", self._iri(self._expand(token), token))
        elif kind == "iri":
            self._emit(token, "iri", self._iri(token.text[1:-1], token))
        elif kind == "string":
            self._emit(token, "string", _string(token, self.source))
        elif kind == "langtag":
            if not self.kinds or self.kinds[-1] != "string" or self.glue:
                raise QuerySyntax(
                    f"query syntax error: language tag {token.text!r} at {self.where(token)} follows no string"
                )
            self.pieces[-1] += token.text
        elif kind == "punct":
            self._punct(token)
        else:  # var, bnode, number
            self._emit(token, kind, token.text)

    def _emit(self, token: Token, kind: str, piece: str) -> None:
        if self.glue:  # the datatype of a literal: "1"^^<…>
            if kind != "iri":
                raise QuerySyntax(f"query syntax error: '^^' at {self.where(token)} must be followed by an IRI")
            self.pieces[-1] += piece
            self.glue = False
            return
        self.pieces.append(piece)
        self.kinds.append(kind)
        self.origins.append(token.start)

    def _word(self, token: Token) -> str:
        upper = token.text.upper()
        if upper in UPDATE_KEYWORDS:
            raise QueryRefused(
                f"SPARQL Update is not allowed: this endpoint is read-only ({upper} at {self.where(token)})"
            )
        if upper in _LOWER_WORDS:
            if upper == "A" and token.text != "a":
                raise QuerySyntax(f"query syntax error: 'A' at {self.where(token)}: the keyword is a lower-case 'a'")
            return _LOWER_WORDS[upper]
        if upper not in KEYWORDS:
            if _GLUED.search(upper):
                raise QueryRefused(
                    f"{token.text!r} at {self.where(token)}: a keyword is written together "
                    "with other letters; separate the words with a space"
                )
            raise QuerySyntax(
                f"query syntax error: {token.text[:60]!r} at {self.where(token)} is not a SPARQL keyword or "
                "function; a name of your own needs a prefix (ex:name) or an IRI (<…>)"
            )
        if upper != "UNDEF":
            self._count(token)
        return upper

    def _expand(self, token: Token) -> str:
        prefix, _, local = token.text.partition(":")
        if prefix not in self.prefixes:
            raise QuerySyntax(f"query syntax error: prefix {prefix}: at {self.where(token)} is not declared")
        return self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)

    def _iri(self, value: str, token: Token) -> str:
        if not _IRI.fullmatch(value):
            raise QuerySyntax(f"query syntax error: {token.text[:80]!r} at {self.where(token)} is not a valid IRI")
        if "'" in value:
            raise QuerySyntax(
                f'query syntax error: the IRI {token.text[:80]!r} at {self.where(token)} holds "\'"; write it as %27'
            )
        if self.stack and self.stack[-1] == "(" and self._after_operand() and ("(" in value or ")" in value):
            raise QuerySyntax(
                f"query syntax error: the IRI {token.text[:80]!r} at {self.where(token)} holds a parenthesis "
                "inside parentheses, where '<' may also be read as 'less than'; write ( and ) in it as %28 and %29"
            )
        return f"<{value}>"

    def _after_operand(self) -> bool:
        """True when the last token can end an expression, so that a '<' may mean "less than"."""
        if not self.kinds:
            return False
        kind, piece = self.kinds[-1], self.pieces[-1]
        return kind in ("var", "number", "string", "iri") or piece in (")", "true", "false")

    def _punct(self, token: Token) -> None:
        symbol = token.text
        if symbol == "^^":
            if self.glue or not self.kinds or self.kinds[-1] != "string":
                raise QuerySyntax(f"query syntax error: '^^' at {self.where(token)} follows no string")
            self.pieces[-1] += "^^"
            self.glue = True
            return
        if symbol in _OPEN:
            self.stack.append(symbol)
            self.opened.append(token.start)
            if self.limits and len(self.stack) > MAX_DEPTH:
                raise QuerySyntax(
                    f"the query nests ( {{ [ more than {MAX_DEPTH} deep (the nesting limit) at {self.where(token)}; "
                    "write it flatter"
                )
            if symbol == "(" and self.kinds and self.kinds[-1] == "word":  # CONCAT( : the engine wants no space
                self.pieces[-1] += symbol
                return
        elif symbol in _CLOSE:
            if not self.stack or self.stack[-1] != _CLOSE[symbol]:
                raise QuerySyntax(f"query syntax error: unbalanced {symbol!r} at {self.where(token)}")
            self.stack.pop()
            self.opened.pop()
        else:
            self._count(token)
            if symbol in ",;" and self.pieces:  # the engine reads no space before a comma in an argument list
                self.pieces[-1] += symbol
                return
        self._emit(token, "punct", symbol)

    def _count(self, token: Token) -> None:
        self.elements += 1
        if self.limits and self.elements > MAX_ELEMENTS:
            raise QuerySyntax(
                f"the query has more than {MAX_ELEMENTS} patterns, operators and keywords (the element limit), "
                f"reached at {self.where(token)}; split it into several queries"
            )

    def finish(self, base: str | None) -> QueryReading:
        if self.glue:
            raise QuerySyntax("query syntax error: '^^' at the end of the query must be followed by an IRI")
        if self.stack:
            end = position(self.source, len(self.source.rstrip())).removeprefix("line ").replace(", column ", ":")
            raise QuerySyntax(
                f"query syntax error: error at {end}: the query ends before {self.stack[-1]!r} "
                f"(opened at {position(self.source, self.opened[-1])}) is closed"
            )
        form = self.pieces[0].rstrip("(") if self.pieces else ""
        if form not in QUERY_FORMS:
            found = repr(self.pieces[0][:40]) if self.pieces else "nothing"
            raise QuerySyntax(
                f"query syntax error: a query starts with SELECT, CONSTRUCT, DESCRIBE or ASK; found {found}"
            )
        head = f"BASE <{base}> " if base is not None else ""
        starts = array("q")
        offset = len(head)
        for piece in self.pieces:
            starts.append(offset)
            offset += len(piece) + 1
        text = head + " ".join(self.pieces)
        services = tuple(self._services(text, starts))
        return QueryReading(form, text, services, starts, self.origins, self.source)

    def _services(self, text: str, starts: array):
        """The top-level SERVICE clauses (those nested in another SERVICE go to that service)."""
        pieces, i = self.pieces, 0
        while i < len(pieces):
            if pieces[i] != "SERVICE" or self.kinds[i] != "word":
                i += 1
                continue
            where = position(self.source, self.origins[i])
            j = i + 1
            silent = j < len(pieces) and pieces[j] == "SILENT"
            j += silent
            if j + 1 >= len(pieces) or pieces[j + 1] != "{" or self.kinds[j] not in ("var", "iri"):
                raise QuerySyntax(f"SERVICE at {where}: expected an IRI or a variable, then a group in braces")
            target = pieces[j]
            iri = None if self.kinds[j] == "var" else target[1:-1]
            if iri is not None and not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
                raise QuerySyntax(f"SERVICE at {where}: the target {target} must be an absolute IRI")
            close = self._matching(j + 1)
            end = starts[close] + 1
            yield ServiceCall(iri, target, silent, starts[i], end, text[starts[j + 1] : end], where)
            i = close + 1

    def _matching(self, open_index: int) -> int:
        depth = 0
        for k in range(open_index, len(self.pieces)):
            if self.kinds[k] != "punct":
                continue
            if self.pieces[k] == "{":
                depth += 1
            elif self.pieces[k] == "}":
                depth -= 1
                if depth == 0:
                    return k
        raise QuerySyntax("query syntax error: a SERVICE group's braces are not balanced")


def _string(token: Token, source: str) -> str:
    """The string's value, written again as ``"…"`` with the only escapes the engine needs."""
    raw = token.text
    quote = 3 if raw[:3] in ('"""', "'''") else 1
    body = raw[quote:-quote]

    def undo(match: re.Match) -> str:
        found = _ECHAR.get(match.group(1))
        if found is None:
            raise QuerySyntax(
                f"query syntax error: unknown escape \\{match.group(1)} in a string at {position(source, token.start)}"
            )
        return found

    value = re.sub(r"\\(.)", undo, body, flags=re.DOTALL)
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    )
    if "\\u" in escaped or "\\U" in escaped:
        raise QuerySyntax(
            f"query syntax error: the string at {position(source, token.start)} holds a backslash followed by 'u', "
            "which the engine would read as an escape"
        )
    return f'"{escaped}"'

"""Checks applied to the query text before any backend sees it: read-only, SERVICE allowlist, row cap.

The checks read the query with a tokenizer that follows the SPARQL 1.1 grammar's terminals
(IRIs, strings, comments, prefixed names, variables), so a keyword is only seen where the
engine sees one: ``"INSERT"`` in a string, ``<http://x/DELETE>`` or ``ex:load`` are not
updates. A full parse would be slower by orders of magnitude on every request; the engine
does that afterwards anyway and reports real syntax errors with their position.

:class:`GuardedBackend` wraps whichever backend serves the data (embedded workers, a remote
store), so every route, the pages included, gets the same refusals.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox

from cmikg.config import Settings
from cmikg.engines.backend import (
    QueryBackend,
    QueryRefused,
    QuerySyntax,
    RequestTooLarge,
    Result,
    ResultTooLarge,
    ServiceFailed,
)

#: Keywords that exist only in SPARQL Update; none may appear in a query.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_GUARDED = re.compile("|".join(sorted(UPDATE_KEYWORDS | {"SERVICE"})))
UPDATE_MEDIA_TYPE = "application/sparql-update"

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
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>\s+)",
            r"(?P<comment>#[^\n\r]*)",
            rf"(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)",
            r"(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
            r"|'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\")",
            r"(?P<unterminated>['\"])",
            rf"(?P<var>[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)",
            rf"(?P<bnode>_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)",
            rf"(?P<pname>{_PREFIX}(?:{_LOCAL})?)",
            r"(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
            r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)",
            r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<punct>.)",
        ]
    ),
    re.DOTALL,
)


#: Most tokens a query may have: reading costs a few microseconds per token, so this bounds
#: the time a request can spend in the checks (real queries have hundreds to a few thousand).
MAX_TOKENS = 100_000


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ServiceCall:
    """One ``SERVICE [SILENT] target { ... }`` clause at the top level of the query."""

    iri: str | None  # the resolved target; None for ``SERVICE ?var``
    target: str  # the target as written
    silent: bool
    start: int  # offset of the SERVICE keyword
    end: int  # offset just after the closing brace
    group: str  # the group pattern, braces included, sent to the remote service
    position: str  # "line L, column C" for messages


@dataclass(frozen=True)
class Analysis:
    """What the safety checks and the routes need to know about a query text."""

    form: str | None  # SELECT, CONSTRUCT, DESCRIBE, ASK, or None when unclear
    base: str | None
    prefixes: tuple[tuple[str, str], ...]
    prologue: str  # the BASE and PREFIX declarations, as written
    services: tuple[ServiceCall, ...]

    @property
    def is_graph(self) -> bool:
        """True when the answer is RDF triples rather than a results table or boolean."""
        return self.form in ("CONSTRUCT", "DESCRIBE")


def tokenize(text: str, max_tokens: int | None = MAX_TOKENS) -> list[Token]:
    """The query's tokens without whitespace and comments. A quote that opens no complete
    string makes the text unparseable for any engine, so it ends the reading at once."""
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "ws" or kind == "comment":
            continue
        if kind == "unterminated":
            raise QuerySyntax(f"query syntax error: unterminated string at {position(text, m.start())}")
        append(Token(kind, m.group(), m.start(), m.end()))
        if max_tokens is not None and len(tokens) > max_tokens:
            raise RequestTooLarge(
                f"the query has more than {max_tokens} tokens; send a shorter query "
                "(for many values, use several queries)"
            )
    return tokens


def position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def keyword(token: Token) -> str:
    return token.text.upper() if token.kind == "word" else ""


@lru_cache(maxsize=2048)
def analyse(text: str) -> Analysis:
    """Read a query; raise :class:`QueryRefused` for any update and :class:`QuerySyntax`
    for a SERVICE clause that cannot be read. Cached: the same text gives the same answer."""
    return read_query(text)


def read_query(text: str, max_tokens: int | None = MAX_TOKENS) -> Analysis:
    """:func:`analyse` without the cache, for texts seen once (a query with SERVICE answers inlined)."""
    if not text.strip():
        raise QuerySyntax("empty query: pass the SPARQL text in the 'query' parameter")
    tokens = tokenize(text, max_tokens)
    _refuse_updates(text, tokens)
    _refuse_ambiguous_iris(text, tokens)
    base, prefixes, first = _prologue(tokens)
    word = keyword(tokens[first]) if first < len(tokens) else ""
    form = next((name for name in QUERY_FORMS if word.startswith(name)), None)  # "SELECTDISTINCT" parses
    prologue = text[: tokens[first].start] if first < len(tokens) else text
    services = tuple(_services(text, tokens, base, dict(prefixes)))
    if re.search(r"\\[uU]", text):
        _refuse_escaped_keywords(text, len(services))
    return Analysis(form, base, tuple(prefixes), prologue, services)


def _refuse_updates(text: str, tokens: list[Token]) -> None:
    """Refuse update keywords, and any word that holds one or SERVICE among other letters:
    some parsers read keywords without a boundary (``trueSERVICE``, ``SERVICESILENT``), and
    no keyword or function name of SPARQL contains these words."""
    for token in tokens:
        word = keyword(token)
        if not word or not _GUARDED.search(word):
            continue
        if word in UPDATE_KEYWORDS:
            raise QueryRefused(
                f"SPARQL Update is not allowed: this endpoint is read-only ({word} at {position(text, token.start)})"
            )
        if word != "SERVICE":
            raise QueryRefused(
                f"{token.text!r} at {position(text, token.start)}: a keyword is written together "
                "with other letters; separate the words with a space"
            )


_OPERAND_END = frozenset({"var", "number", "string", "pname", "iri", "langtag"})


def _refuse_ambiguous_iris(text: str, tokens: list[Token]) -> None:
    """Refuse ``<…>`` that mentions SERVICE where ``<`` may be "less than" instead.

    Inside an expression, ``?a<?b)SERVICE?x#>`` is a comparison, a SERVICE clause and a
    comment to the engine, but one IRI to a tokenizer; comparisons only occur inside
    parentheses, after an operand. Real IRIs there that contain "service" are rare enough
    to ask for spaces around the operator instead."""
    brackets: list[str] = []
    previous: Token | None = None
    for token in tokens:
        if token.kind == "punct" and token.text in "({[":
            brackets.append(token.text)
        elif token.kind == "punct" and token.text in ")}]" and brackets:
            brackets.pop()
        elif (
            token.kind == "iri"
            and "SERVICE" in token.text.upper()
            and brackets
            and brackets[-1] == "("
            and previous is not None
            and (previous.kind in _OPERAND_END or previous.text == ")" or keyword(previous) in ("TRUE", "FALSE"))
        ):
            raise QueryRefused(
                f"{token.text[:60]!r} at {position(text, token.start)} may be read as a "
                "comparison followed by a SERVICE clause; write spaces around '<' and '>'"
            )
        previous = token


def _refuse_escaped_keywords(text: str, services: int) -> None:
    """Some engines undo \\u escapes before parsing (as the SPARQL grammar allows), so the
    text must be just as safe when read that way."""
    plain = re.sub(
        r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
        lambda m: chr(int(m.group(1) or m.group(2), 16)) if int(m.group(1) or m.group(2), 16) < 0x110000 else m.group(),
        text,
    )
    if plain == text:
        return
    tokens = tokenize(plain)
    _refuse_updates(plain, tokens)
    _refuse_ambiguous_iris(plain, tokens)
    if sum(keyword(t) == "SERVICE" for t in tokens) != services:
        raise QueryRefused("a SERVICE keyword written with \\u escapes is not allowed")


def _prologue(tokens: list[Token]) -> tuple[str | None, list[tuple[str, str]], int]:
    """BASE and PREFIX declarations; returns them and the index of the first other token."""
    base: str | None = None
    prefixes: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        word = keyword(tokens[i])
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(iri_value(tokens[i + 1].text), base)
            i += 2
        elif word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1].kind == "pname" and tokens[i + 2].kind == "iri":
            prefixes.append((tokens[i + 1].text[:-1], _resolve(iri_value(tokens[i + 2].text), base)))
            i += 3
        else:
            break
    return base, prefixes, i


def iri_value(token_text: str) -> str:
    """The IRI inside ``<...>`` with its \\u escapes undone."""
    return re.sub(_UCHAR, lambda m: chr(int(m.group()[2:], 16)), token_text[1:-1])


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def _services(text: str, tokens: list[Token], base: str | None, prefixes: dict[str, str]):
    """The top-level SERVICE clauses (those nested in another SERVICE go to that service)."""
    i = 0
    while i < len(tokens):
        if keyword(tokens[i]) != "SERVICE":
            i += 1
            continue
        call, i = _service_at(text, tokens, i, base, prefixes)
        yield call


def _service_at(
    text: str, tokens: list[Token], i: int, base: str | None, prefixes: dict[str, str]
) -> tuple[ServiceCall, int]:
    start = tokens[i]
    where = position(text, start.start)
    j = i + 1
    silent = j < len(tokens) and keyword(tokens[j]) == "SILENT"
    j += silent
    if j + 1 >= len(tokens) or tokens[j + 1].text != "{":
        raise QuerySyntax(f"SERVICE at {where}: expected an IRI or a variable, then a group in braces")
    target = tokens[j]
    iri = _target_iri(target, base, prefixes, where)
    close = _matching_brace(tokens, j + 1)
    if close is None:
        raise QuerySyntax(f"SERVICE at {where}: the group's braces are not balanced")
    group = text[tokens[j + 1].start : tokens[close].end]
    return ServiceCall(iri, target.text, silent, start.start, tokens[close].end, group, where), close + 1


def _target_iri(target: Token, base: str | None, prefixes: dict[str, str], where: str) -> str | None:
    if target.kind == "var":
        return None
    if target.kind == "iri":
        return _resolve(iri_value(target.text), base)
    if target.kind == "pname":
        prefix, _, local = target.text.partition(":")
        if prefix not in prefixes:
            raise QuerySyntax(f"SERVICE at {where}: prefix {prefix}: is not declared")
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    raise QuerySyntax(f"SERVICE at {where}: expected an IRI or a variable, found {target.text!r}")


def _matching_brace(tokens: list[Token], open_index: int) -> int | None:
    depth = 0
    for k in range(open_index, len(tokens)):
        if tokens[k].kind != "punct":
            continue
        if tokens[k].text == "{":
            depth += 1
        elif tokens[k].text == "}":
            depth -= 1
            if depth == 0:
                return k
    return None


def check_services(analysis: Analysis, settings: Settings) -> None:
    """Refuse, before any connection, every SERVICE whose target is not on the allowlist."""
    allowed = settings.service_allowlist
    for call in analysis.services:
        if call.iri is None:
            raise QueryRefused(
                f"SERVICE {call.target} at {call.position}: a variable service target "
                "is not allowed; name one of: " + ", ".join(allowed)
            )
        if call.iri not in allowed:
            listed = ", ".join(allowed) if allowed else "none"
            raise QueryRefused(f"SERVICE <{call.iri}> at {call.position} is not allowed; allowed services: {listed}")
        try:
            check_target(settings.service_map.get(call.iri, call.iri), call.iri, settings)
        except ServiceFailed:
            if not call.silent:
                raise


def check_target(url: str, iri: str, settings: Settings) -> None:
    """Refuse, before connecting, a URL that is neither mapped by the operator nor public."""
    if url in settings.service_map.values():
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise QueryRefused(f"SERVICE <{iri}>: {url} is not an http(s) URL")
    try:
        infos = socket.getaddrinfo(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise ServiceFailed(f"SERVICE <{iri}>: cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise QueryRefused(
                f"SERVICE <{iri}>: {parts.hostname} resolves to the non-public address {address}; refused"
            )


def checked(text: str, settings: Settings) -> Analysis:
    """The analysis of a query that passed every check on its text (updates, SERVICE targets)."""
    analysis = analyse(text)
    check_services(analysis, settings)
    return analysis


def refuse_update_request(content_type: str, fields: Iterable[str]) -> None:
    """Refuse a request that carries an update, whatever route or method it was sent to."""
    if content_type.split(";")[0].strip().lower() == UPDATE_MEDIA_TYPE:
        raise QueryRefused(
            f"SPARQL Update is not allowed: this endpoint is read-only ({UPDATE_MEDIA_TYPE} bodies are refused)"
        )
    if "update" in fields:
        raise QueryRefused(
            "SPARQL Update is not allowed: this endpoint is read-only (the 'update' parameter is refused)"
        )


def count_rows(result: Result) -> int:
    """Rows (or triples) in a serialised answer: for backends that do not cap rows themselves."""
    media_type = result.media_type.split(";")[0].strip()
    if media_type == "text/csv":
        return max(0, sum(1 for _ in csv.reader(io.StringIO(result.body.decode("utf-8")))) - 1)
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    if results_format is not None:
        parsed = ox.parse_query_results(result.body, format=results_format)
        return 1 if isinstance(parsed, ox.QueryBoolean) else sum(1 for _ in parsed)
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    if rdf_format is not None:
        return sum(1 for _ in ox.parse(result.body, format=rdf_format))
    return 0


def too_many_rows(max_rows: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the answer has more than {max_rows} rows (the row cap); nothing was sent. "
        "Add LIMIT/OFFSET to page through it, or download the dump"
    )


class GuardedBackend(QueryBackend):
    """Any backend behind the safety checks; the app wraps every backend in one."""

    def __init__(self, inner: QueryBackend, settings: Settings):
        self.inner = inner
        self.settings = settings
        self.caps_rows = True

    def prepare(self, query: str) -> str:
        """The text the engine will see: checked, with allowed SERVICE calls answered."""
        analysis = checked(query, self.settings)
        if not analysis.services:
            return query
        from cmikg.guard.federation import answer_services

        inlined = answer_services(query, analysis, self.settings)
        if read_query(inlined, max_tokens=None).services:  # the remote answer must not add any
            raise QueryRefused("a SERVICE answer could not be inlined safely")
        return inlined

    def run(
        self, query: str, media_type: str, default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = ()
    ) -> Result:
        text = self.prepare(query)
        result = self.inner.run(text, media_type, tuple(default_graph_uris), tuple(named_graph_uris))
        if not self.inner.caps_rows and count_rows(result) > self.settings.max_rows:
            raise too_many_rows(self.settings.max_rows)
        return result

    def select(self, query: str) -> list[dict[str, dict]]:
        rows = self.inner.select(self.prepare(query))
        if len(rows) > self.settings.max_rows:
            raise too_many_rows(self.settings.max_rows)
        return rows

    def triple_count(self) -> int:
        return self.inner.triple_count()

    def version(self) -> str:
        return self.inner.version()

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str):
        # extras of the wrapped backend (load time, dataset digest, worker stats)
        return getattr(self.inner, name)

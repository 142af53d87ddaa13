"""The SPARQL behind the web pages: files in ``queries/pages/``, run through the backend.

A page query names the entity it is about as ``$this`` (SPARQL's second variable sigil), so
every file stays a valid query on its own and can be run by hand with ``cmikg query``; the
page replaces ``$this`` with an IRI before sending the text. Every page goes through the same
guarded backend as the endpoint, so pages work unchanged against an external store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import overload

from flask import current_app

from cmikg import dist
from cmikg.cache import BoundedCache, pickled_size
from cmikg.config import Settings
from cmikg.engines.backend import BadParameter, QueryBackend
from cmikg.service.app import backend_of, settings_of

#: Characters an IRIREF may not contain (SPARQL 1.1 grammar, rule 139).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@dataclass(frozen=True)
class Term:
    """One RDF term from a SPARQL JSON binding."""

    kind: str
    value: str
    lang: str = ""
    datatype: str = ""

    @property
    def is_iri(self) -> bool:
        return self.kind == "uri"

    @property
    def is_literal(self) -> bool:
        return self.kind in ("literal", "typed-literal")

    def number(self) -> Decimal | None:
        """The literal as a number, or None when it is not one."""
        if not self.is_literal:
            return None
        try:
            return Decimal(self.value)
        except InvalidOperation:
            return None

    def __str__(self) -> str:
        return self.value


def term_from(binding: dict) -> Term:
    return Term(
        kind=binding.get("type", "literal"),
        value=binding.get("value", ""),
        lang=binding.get("xml:lang", ""),
        datatype=binding.get("datatype", ""),
    )


Row = dict[str, Term]


@overload
def text(row: Row, key: str, default: str = "") -> str: ...
@overload
def text(row: Row, key: str, default: None) -> str | None: ...
def text(row: Row, key: str, default: str | None = "") -> str | None:
    """The value bound to ``key``, or ``default`` when the row leaves it unbound."""
    term = row.get(key)
    return term.value if term is not None else default


def iri_token(iri: str) -> str:
    """``<iri>``, refusing anything that could break out of the IRI."""
    if not iri or _BAD_IRI.search(iri):
        raise BadParameter(f"not an IRI that can be queried: {iri!r}")
    return f"<{iri}>"


def bind(text: str, **iris: str) -> str:
    """The query with every ``$name`` given in ``iris`` replaced by that IRI."""
    tokens = {name: iri_token(value) for name, value in iris.items()}
    return _PARAMETER.sub(lambda m: tokens.get(m.group(1), m.group(0)), text)


def query_file(settings: Settings, name: str) -> Path:
    return dist.queries_dir(settings.dist) / "pages" / f"{name}.rq"


#: Texts of the page queries, by dist/ folder and name (a few dozen small files).
QUERY_TEXTS: BoundedCache[str] = BoundedCache("page query texts", max_bytes=2 << 20, max_entries=256)
#: What pages compute once per dataset version (labels, counts, map figures), by dist/ and key.
PAGE_DATA: BoundedCache = BoundedCache(
    "page data", max_bytes=64 << 20, max_entries=256, max_item_bytes=32 << 20, sizer=pickled_size
)


def query_text(name: str) -> str:
    """The text of ``dist/queries/pages/<name>.rq`` (read once per process)."""
    settings = settings_of(current_app)
    return QUERY_TEXTS.get_or_make(
        "", (str(settings.dist), name), lambda: query_file(settings, name).read_text(encoding="utf-8")
    )


def backend() -> QueryBackend:
    return backend_of(current_app)


def settings() -> Settings:
    return settings_of(current_app)


def select(name: str, **iris: str) -> list[Row]:
    """Run a page query with its ``$`` parameters bound; rows of :class:`Term`."""
    rows = backend().select(bind(query_text(name), **iris))
    return [{key: term_from(value) for key, value in row.items()} for row in rows]


def cached(key: str, compute):
    """A value computed once per dataset version (labels, counts): pages stay fast."""
    return PAGE_DATA.get_or_make(backend().version(), (str(settings().dist), key), compute)

"""Which format a client gets: by file suffix when it names one, else by its Accept header.

Five formats for every document: HTML for people, and Turtle, JSON-LD, N-Triples and
RDF/XML for programs. A request naming none of them gets 406 with the list; a request
with no Accept header (or ``*/*``) gets HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import request
from rdflib import Graph

from cmikg.build.context import to_jsonld
from cmikg.build.loading import new_graph


@dataclass(frozen=True)
class Format:
    suffix: str
    media_type: str
    rdflib: str | None
    label: str
    aliases: tuple[str, ...] = ()


HTML = Format("html", "text/html", None, "HTML", ("application/xhtml+xml",))
TURTLE = Format("ttl", "text/turtle", "turtle", "Turtle", ("application/x-turtle",))
JSONLD = Format("jsonld", "application/ld+json", "json-ld", "JSON-LD", ("application/json",))
#: rdflib asks for N-Triples as text/plain, the type N-Triples had before it was registered.
NTRIPLES = Format("nt", "application/n-triples", "nt", "N-Triples", ("text/plain",))
RDFXML = Format("rdf", "application/rdf+xml", "xml", "RDF/XML", ("application/xml", "text/xml"))
FORMATS = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
RDF_FORMATS = FORMATS[1:]
BY_SUFFIX = {f.suffix: f for f in FORMATS}
_BY_MEDIA = {m: f for f in FORMATS for m in (f.media_type, *f.aliases)}


def negotiate(formats: tuple[Format, ...] = FORMATS) -> Format | None:
    """The best of ``formats`` for this request's Accept header; None when none is acceptable."""
    accept = request.accept_mimetypes
    if not accept:
        return formats[0]
    offers = [m for f in formats for m in (f.media_type, *f.aliases)]
    best = accept.best_match(offers)
    return _BY_MEDIA.get(best) if best else None


def not_acceptable_message(formats: tuple[Format, ...] = FORMATS) -> str:
    listed = ", ".join(f"{f.media_type} (.{f.suffix})" for f in formats)
    return f"none of the formats in the Accept header can be served here; available: {listed}"


def split_suffix(path: str) -> tuple[str, Format | None]:
    """``country/cub.ttl`` → (``country/cub``, Turtle); a path without a known suffix is unchanged."""
    stem, dot, suffix = path.rpartition(".")
    if dot and stem and "/" not in suffix and suffix in BY_SUFFIX:
        return stem, BY_SUFFIX[suffix]
    return path, None


def serialize(ntriples: str, fmt: Format, context: dict | None) -> bytes:
    """N-Triples rewritten as ``fmt``, with the project's prefixes (and JSON-LD context)."""
    if fmt is JSONLD:
        document = to_jsonld(ntriples, context or {})
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    graph: Graph = new_graph()
    graph.parse(data=ntriples, format="nt")
    if fmt is NTRIPLES:
        lines = sorted(set(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()) - {""})
        return "".join(f"{line}\n" for line in lines).encode("utf-8")
    return graph.serialize(format=fmt.rdflib, encoding="utf-8")

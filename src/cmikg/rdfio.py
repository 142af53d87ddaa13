"""RDF documents read and written with pyoxigraph: every RDF text the server sends.

The server answers in Turtle, RDF/XML, N-Triples and JSON-LD. pyoxigraph already holds the
data and reads and writes these formats natively, so the serving processes never import
rdflib, which would add about 19 MiB to each of them. The build shares :func:`to_jsonld`,
so a dump and a served document in JSON-LD are compacted the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pyoxigraph as ox

from cmikg.iris import PREFIXES, RDF, XSD
from cmikg.sparql.formats import JSONLD, NTRIPLES, Format

_LANG_STRING = RDF.langString
_TYPE = RDF.type
#: Datatypes Turtle writes without naming them, when the lexical form has its short form.
_SHORT_FORMS = {
    XSD.string: re.compile(r".*", re.DOTALL),
    RDF.langString: re.compile(r".*", re.DOTALL),
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD.double: re.compile(r"[+-]?([0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    XSD.boolean: re.compile(r"true|false"),
}


def parse(data: bytes | str, fmt: Format) -> list[ox.Triple]:
    """The triples of a document in ``fmt`` (its default graph)."""
    return parse_with_prefixes(data, fmt)[0]


def parse_with_prefixes(data: bytes | str, fmt: Format) -> tuple[list[ox.Triple], dict[str, str]]:
    """The triples of a document in ``fmt`` and the prefixes it declares."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    parser = ox.parse(raw, format=ox.RdfFormat.from_media_type(fmt.media_type))
    triples = [quad.triple for quad in parser]
    return triples, dict(parser.prefixes)


def serialize(
    triples: Iterable[ox.Triple],
    fmt: Format,
    context: dict | None = None,
    prefixes: dict[str, str] | None = None,
    about: str = "",
) -> bytes:
    """``triples`` written as ``fmt``: N-Triples as sorted, unique lines; Turtle and RDF/XML
    grouped by subject (``about``, what the document describes, first), with those of the
    project's prefixes and of ``prefixes`` that they use; JSON-LD compacted with ``context``."""
    unique = set(triples)
    if fmt is JSONLD:
        document = to_jsonld(_ntriples(unique), context or {})
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt is NTRIPLES:
        return _ntriples(unique).encode("utf-8")
    focus = f"<{about}>"
    ordered = sorted(unique, key=lambda t: (str(t.subject) != focus, str(t.subject), str(t.predicate), str(t.object)))
    written = ox.serialize(
        ordered, format=ox.RdfFormat.from_media_type(fmt.media_type), prefixes=used_prefixes(ordered, prefixes)
    )
    return written or b""  # None only when given a file to write to


def rewrite(ntriples: str, fmt: Format, context: dict | None = None, about: str = "") -> bytes:
    """An N-Triples text in another format (see :func:`serialize`)."""
    return serialize(parse(ntriples, NTRIPLES), fmt, context, about=about)


def used_prefixes(triples: list[ox.Triple], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The project's prefixes, and ``extra``, that the text of ``triples`` will use: for each
    IRI written out, the longest prefix it starts with (``country:`` rather than ``id:``). The
    others would be noise. Not counted: ``rdf:type`` as a predicate (written ``a``) and the
    datatypes a literal's form implies (strings, numbers and booleans in their short form)."""
    written: set[str] = set()
    for t in triples:
        written |= {term.value for term in (t.subject, t.object) if isinstance(term, ox.NamedNode)}
        if t.predicate.value != _TYPE:
            written.add(t.predicate.value)
        if isinstance(t.object, ox.Literal) and not _written_short(t.object):
            written.add(t.object.datatype.value)
    candidates = {**PREFIXES, **(extra or {})}
    used = set()
    for value in written:
        matching = [prefix for prefix, iri in candidates.items() if iri and value.startswith(iri)]
        if matching:
            used.add(max(matching, key=lambda prefix: len(candidates[prefix])))
    return {prefix: iri for prefix, iri in candidates.items() if prefix in used}


def _written_short(literal: ox.Literal) -> bool:
    short = _SHORT_FORMS.get(literal.datatype.value)
    return short is not None and short.fullmatch(literal.value) is not None


def _ntriples(triples: Iterable[ox.Triple]) -> str:
    return "".join(sorted(f"{t} .\n" for t in triples))


def to_jsonld(nt: str, context: dict) -> dict:
    """Compact JSON-LD of N-Triples with the project context (pyld: the JSON-LD API's reference behaviour).

    pyld is handed the parsed dataset rather than the N-Triples text: its own N-Quads
    reader drops duplicates by comparing each triple with every earlier one, which is
    quadratic (minutes at 8.5k triples, hours at 100k). The lines given here are sorted and
    unique, so the dataset built here is the one pyld would build, in the same order, and
    the JSON-LD is byte-identical.

    pyld is imported here, not with the module: it brings requests and lxml, which a server
    needs only when a JSON-LD document is asked for.
    """
    from pyld import jsonld

    expanded = jsonld.from_rdf(pyld_dataset(nt))
    return jsonld.compact(expanded, context)


def pyld_dataset(nt: str) -> dict[str, list[dict]]:
    """pyld's in-memory RDF dataset for N-Triples whose lines are unique, in their order."""
    triples = ox.parse(nt.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return {
        "@default": [
            {"subject": _pyld_term(t.subject), "predicate": _pyld_term(t.predicate), "object": _pyld_term(t.object)}
            for t in triples
        ]
    }


def _pyld_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    if term.language:
        return {"type": "literal", "datatype": _LANG_STRING, "language": term.language, "value": term.value}
    return {"type": "literal", "datatype": term.datatype.value, "value": term.value}

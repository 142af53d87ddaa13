"""Which serialisation a client gets: the formats served and content negotiation.

The ``format`` parameter wins over the Accept header (links and browsers cannot set
headers); otherwise Accept is read with its q-values, an exact media type beating a
wildcard of the same weight, and the first format listed here breaking remaining ties.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmikg.cache import BoundedCache
from cmikg.engines.backend import BadParameter, NotAcceptable


@dataclass(frozen=True)
class Format:
    media_type: str
    names: tuple[str, ...]  # values of the ``format`` parameter
    aliases: tuple[str, ...] = ()  # other media types a client may ask for
    text: bool = True  # sent with "; charset=utf-8"

    @property
    def content_type(self) -> str:
        charset = "; charset=utf-8" if self.text and not self.media_type.endswith("json") else ""
        return self.media_type + charset

    def accepts(self, media_type: str) -> bool:
        return media_type == self.media_type or media_type in self.aliases


#: Answers of SELECT and ASK queries.
RESULT_FORMATS = (
    Format("application/sparql-results+json", ("json", "srj"), ("application/json",)),
    Format("application/sparql-results+xml", ("xml", "srx"), ("application/xml", "text/xml")),
    Format("text/csv", ("csv",)),
    Format("text/tab-separated-values", ("tsv",)),
)
#: Answers of CONSTRUCT and DESCRIBE queries, and RDF documents (service description, VoID).
GRAPH_FORMATS = (
    Format("text/turtle", ("turtle", "ttl", "n3"), ("application/x-turtle", "text/n3")),
    Format("application/n-triples", ("ntriples", "nt", "n-triples"), ("text/plain",)),
    Format("application/ld+json", ("jsonld", "json-ld", "json"), ("application/json",)),
    Format("application/rdf+xml", ("rdfxml", "rdf", "rdf+xml", "xml"), ("application/xml", "text/xml")),
)


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``[(media range, q)]`` in the order given; malformed parts are skipped."""
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _weight(fmt: Format, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The client's weight for a format: the most specific matching range decides."""
    best: tuple[int, float] = (-1, 0.0)
    for media, q in ranges:
        kind, _, sub = media.partition("/")
        if fmt.accepts(media):
            specificity = 2
        elif sub == "*" and kind in ("*", fmt.media_type.partition("/")[0]):
            specificity = 0 if kind == "*" else 1  # wildcards match the format's own type, not aliases
        else:
            continue
        if specificity > best[0] or (specificity == best[0] and q > best[1]):
            best = (specificity, q)
    return best[1], best[0]


#: Negotiated formats by Accept header (clients send the same few over and over).
NEGOTIATED: BoundedCache[Format] = BoundedCache("negotiated formats", max_bytes=1 << 20, max_entries=512)


def negotiate(formats: tuple[Format, ...], accept: str | None, requested: str | None) -> Format:
    """The format to send; :class:`NotAcceptable` (406) when none fits. Cached, bounded in bytes."""
    return NEGOTIATED.get_or_make("", (formats, accept, requested), lambda: _negotiate(formats, accept, requested))


def _negotiate(formats: tuple[Format, ...], accept: str | None, requested: str | None) -> Format:
    if requested:
        return by_name(formats, requested)
    if not accept or not accept.strip():
        return formats[0]
    ranges = parse_accept(accept)
    scored = [(_weight(fmt, ranges), -index, fmt) for index, fmt in enumerate(formats)]
    (q, _), _, best = max(scored, key=lambda item: (item[0], item[1]))
    if q <= 0:
        raise NotAcceptable(
            f"none of the formats in 'Accept: {accept}' can carry this answer; available: "
            + ", ".join(f.media_type for f in formats)
        )
    return best


def by_name(formats: tuple[Format, ...], requested: str) -> Format:
    """The format named by the ``format`` parameter (a short name or a media type)."""
    wanted = requested.strip().lower()
    for fmt in formats:
        if wanted in fmt.names or fmt.accepts(wanted):
            return fmt
    known = {name for group in (RESULT_FORMATS, GRAPH_FORMATS) for f in group for name in (*f.names, f.media_type)}
    available = ", ".join(f"{f.names[0]} ({f.media_type})" for f in formats)
    if wanted in known:
        raise NotAcceptable(f"format={requested} cannot carry this answer; available: {available}")
    raise BadParameter(f"unknown value of the 'format' parameter: {requested!r}; available: {available}")

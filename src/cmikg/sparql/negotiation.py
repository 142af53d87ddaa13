"""Which format a client gets: the one content negotiation of the service.

The ``format`` parameter (or a file suffix) wins over the Accept header, since links and
browsers cannot set headers; otherwise Accept is read with its q-values, an exact media
type beating a wildcard of the same weight, and the order of the offered formats (see
:mod:`cmikg.sparql.formats`) breaking remaining ties. The SPARQL endpoint, the Service
Description, VoID, Linked Data documents and the ontology all negotiate here.
"""

from __future__ import annotations

from cmikg.cache import BoundedCache
from cmikg.engines.backend import BadParameter, NotAcceptable
from cmikg.sparql.formats import GRAPH_FORMATS, RESULT_FORMATS, Format


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


def negotiate(formats: tuple[Format, ...], accept: str | None, requested: str | None = None) -> Format:
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
        raise NotAcceptable(not_acceptable_message(formats, f"'Accept: {accept}'"))
    return best


def prefers(accept: str | None, preferred: Format, others: tuple[Format, ...]) -> bool:
    """Whether ``preferred`` weighs more than every one of ``others`` (ties go to the others)."""
    if not accept or not accept.strip():
        return False
    ranges = parse_accept(accept)
    mine = _weight(preferred, ranges)
    return mine[0] > 0 and all(mine > _weight(f, ranges) for f in others)


def not_acceptable_message(formats: tuple[Format, ...], what: str = "the Accept header") -> str:
    listed = ", ".join(f"{f.media_type} (.{f.suffix})" for f in formats)
    return f"none of the formats in {what} can carry this answer; available: {listed}"


def by_name(formats: tuple[Format, ...], requested: str) -> Format:
    """The format named by the ``format`` parameter (a short name or a media type)."""
    wanted = requested.strip().lower()
    for fmt in formats:
        if wanted in fmt.names or fmt.accepts(wanted):
            return fmt
    known = {name for f in (*RESULT_FORMATS, *GRAPH_FORMATS) for name in (*f.names, f.media_type)}
    available = ", ".join(f"{f.names[0] if f.names else f.suffix} ({f.media_type})" for f in formats)
    if wanted in known:
        raise NotAcceptable(f"format={requested} cannot carry this answer; available: {available}")
    raise BadParameter(f"unknown value of the 'format' parameter: {requested!r}; available: {available}")


def by_suffix(formats: tuple[Format, ...], path: str) -> tuple[str, Format | None]:
    """``country/cub.ttl`` → (``country/cub``, Turtle); a path without a suffix of ``formats`` is unchanged."""
    stem, dot, suffix = path.rpartition(".")
    if dot and stem and "/" not in suffix:
        for fmt in formats:
            if fmt.suffix == suffix:
                return stem, fmt
    return path, None

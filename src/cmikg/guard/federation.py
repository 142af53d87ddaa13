"""Federated queries: each allowed SERVICE clause is answered here, then inlined as VALUES.

The engine's own SERVICE client cannot be told which hosts it may reach, and it runs in a
sandbox without network anyway. So before a query reaches the engine, every top-level
``SERVICE <allowed> { P }`` is sent to the remote endpoint as ``SELECT * WHERE { P }``
(canonical, with its IRIs written out), and replaced by ``{ VALUES (?v ...) { ... } }`` holding the
answer: the same join the SPARQL 1.1 Federated Query spec describes, evaluated in two steps.
``SERVICE SILENT`` turns a failure into an empty group, as the spec says.

Connections go only to allowed services (or where ``Settings.service_map`` sends them),
never to loopback, private or link-local addresses unless an operator mapped one
explicitly, and redirects are followed only to another allowed service.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote, urljoin

from cmikg import __version__
from cmikg.config import Settings
from cmikg.engines.backend import QueryRefused, QueryTimeout, ResultTooLarge, ServiceFailed
from cmikg.guard.addresses import check_target
from cmikg.guard.reading import QueryReading, ServiceCall
from cmikg.sparqlclient import AnswerTooLarge, Response, StoreError, StoreTimeout, read_body, send_query

MAX_REDIRECTS = 3
#: Largest SERVICE answer read, in bytes: the rows then become part of the query text.
MAX_ANSWER_BYTES = 32 << 20
#: Blank nodes in a remote answer become IRIs under this prefix (VALUES cannot hold blank nodes).
SKOLEM_PREFIX = "urn:x-cmikg:service-bnode:"
USER_AGENT = f"cmikg/{__version__} (SPARQL endpoint of the cmikg knowledge graph; federated query)"
_IRI_UNSAFE = '<>"{}|^`\\ '
_LANGUAGE = re.compile(r"[a-zA-Z]+(-[a-zA-Z0-9]+)*")
_VARIABLE = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]+")


def answer_services(reading: QueryReading, settings: Settings) -> str:
    """The canonical text with each SERVICE clause replaced by the remote answer as inline data."""
    text = reading.text
    prologue = text[: reading.starts[0]] if len(reading.starts) else ""  # "BASE <…> " or nothing
    pieces: list[str] = []
    last = 0
    for call in reading.services:
        pieces.append(text[last : call.start])
        pieces.append(_inline(call, prologue, settings))
        last = call.end
    pieces.append(text[last:])
    return "".join(pieces)


def _inline(call: ServiceCall, prologue: str, settings: Settings) -> str:
    """The answer as VALUES; with SILENT, a failure or an answer that cannot be read is the empty group."""
    try:
        variables, rows = fetch(call, prologue + "SELECT * WHERE " + call.group, settings)
        if len(rows) > settings.max_rows:
            raise ResultTooLarge(
                f"SERVICE <{call.iri}> answered more than {settings.max_rows} rows (the row cap); "
                "add a LIMIT inside the SERVICE group"
            )
        return values_block(variables, rows)
    except (ServiceFailed, QueryTimeout):
        if call.silent:
            return "{}"
        raise


def fetch(call: ServiceCall, text: str, settings: Settings) -> tuple[list[str], list[dict]]:
    """Send the SERVICE group to its endpoint and return its variables and bindings."""
    deadline = time.monotonic() + settings.query_timeout
    iri = call.iri or ""
    url = settings.service_map.get(iri, iri)
    for _ in range(MAX_REDIRECTS + 1):
        address = check_target(url, iri, settings)
        response = _post(url, text, deadline, call, address)
        if not response.is_redirect:
            return _bindings(response, call, deadline)
        location = urljoin(url, response.headers.get("Location", ""))
        response.close()
        if location not in settings.service_allowlist:
            raise QueryRefused(f"SERVICE <{call.iri}> redirected to {location}, which is not an allowed service")
        url = settings.service_map.get(location, location)
    raise ServiceFailed(f"SERVICE <{call.iri}>: more than {MAX_REDIRECTS} redirects")


def _post(url: str, text: str, deadline: float, call: ServiceCall, address: str | None) -> Response:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise QueryTimeout(f"SERVICE <{call.iri}> did not answer within the time limit")
    try:
        return send_query(
            url,
            text,
            allow_redirects=False,
            stream=True,
            timeout=(min(remaining, 10.0), remaining),
            headers={"User-Agent": USER_AGENT},
            connect_to=address,
        )
    except StoreTimeout as exc:
        raise QueryTimeout(f"SERVICE <{call.iri}> did not answer within the time limit") from exc
    except StoreError as exc:
        raise ServiceFailed(f"SERVICE <{call.iri}> could not be reached: {exc}") from exc


def _bindings(response: Response, call: ServiceCall, deadline: float) -> tuple[list[str], list[dict]]:
    with response:
        if response.status_code != 200:
            detail = response.raw.read(500, decode_content=True).decode("utf-8", "replace").strip()
            raise ServiceFailed(f"SERVICE <{call.iri}> answered {response.status_code}: {detail}")
        body = _read(response, call, deadline)
    try:
        data = json.loads(body)
        variables, rows = list(data["head"].get("vars", [])), list(data["results"]["bindings"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ServiceFailed(f"SERVICE <{call.iri}> did not answer with SPARQL JSON results") from exc
    bad = [name for name in variables if not isinstance(name, str) or not _VARIABLE.fullmatch(name)]
    if bad:
        raise ServiceFailed(f"SERVICE <{call.iri}> answered with invalid variable names: {bad[:3]}")
    return variables, rows


def _read(response: Response, call: ServiceCall, deadline: float) -> bytes:
    try:
        return read_body(response, call.iri or "", deadline, MAX_ANSWER_BYTES)
    except AnswerTooLarge as exc:
        raise ResultTooLarge(f"SERVICE <{call.iri}> answered more than {MAX_ANSWER_BYTES} bytes") from exc
    except StoreTimeout as exc:
        raise QueryTimeout(f"SERVICE <{call.iri}> did not answer within the time limit") from exc
    except StoreError as exc:
        raise ServiceFailed(f"SERVICE <{call.iri}>: the answer was cut off: {exc}") from exc


def values_block(variables: list[str], rows: list[dict]) -> str:
    """``{ VALUES (?a ?b) { (<x> "y") ... } }``: the remote answer as inline data."""
    if not variables:
        return "{ }" if rows else "{ FILTER(false) }"
    head = " ".join(f"?{name}" for name in variables)
    lines = [" ".join(_term(row.get(name)) for name in variables) for row in rows]
    body = "\n".join(f"    ({line})" for line in lines)
    return f"{{ VALUES ({head}) {{\n{body}\n  }} }}"


def _term(binding: dict | None) -> str:
    if binding is None:
        return "UNDEF"
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return f"<{_iri(value)}>"
    if kind == "bnode":
        return f"<{SKOLEM_PREFIX}{quote(value, safe='')}>"
    if kind in ("literal", "typed-literal"):
        text = '"' + (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")) + '"'
        if "xml:lang" in binding:
            if not _LANGUAGE.fullmatch(str(binding["xml:lang"])):
                raise ServiceFailed(f"a SERVICE answer holds an invalid language tag {binding['xml:lang']!r}")
            return f"{text}@{binding['xml:lang']}"
        if "datatype" in binding:
            return f"{text}^^<{_iri(binding['datatype'])}>"
        return text
    raise ServiceFailed(f"a SERVICE answer holds a term of type {kind!r}, which cannot be inlined")


def _iri(value: str) -> str:
    return "".join(quote(ch, safe="") if ch in _IRI_UNSAFE or ord(ch) < 0x21 else ch for ch in value)

"""The request before any route reads it: a query string in UTF-8, a chunked body read whole.

A body sent with ``Transfer-Encoding: chunked`` has no Content-Length to refuse it by, so
it is read here, up to one byte past the body limit: over the limit it is 413, and a
malformed chunk is 400, before anything is evaluated. The route then reads the buffered
copy, so no route can be handed a body that was cut at the limit.
"""

from __future__ import annotations

import io
from urllib.parse import unquote_to_bytes

from cmikg.engines.backend import BadParameter, RequestTooLarge


def check_query_string(environ: dict) -> None:
    """400 when the URL's parameters are not UTF-8 (rather than reading U+FFFD into a query)."""
    raw = environ.get("QUERY_STRING", "")
    if not raw:
        return
    try:
        unquote_to_bytes(raw.encode("latin-1").replace(b"+", b" ")).decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError) as exc:
        raise BadParameter("the URL's parameters are not UTF-8 once their %-escapes are undone") from exc


def buffer_chunked_body(environ: dict, limit: int) -> None:
    """Read a chunked body whole into memory (it is at most ``limit`` bytes)."""
    if environ.get("CONTENT_LENGTH") or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    stream = environ["wsgi.input"]
    parts: list[bytes] = []
    size = 0
    try:
        while size <= limit:
            chunk = stream.read(min(65536, limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
    except Exception as exc:  # noqa: BLE001 - the server's parser raises its own error types
        raise BadParameter(f"the chunked request body is malformed ({type(exc).__name__}); nothing was read") from exc
    if size > limit:
        raise RequestTooLarge(f"request body larger than the limit of {limit} bytes")
    body = b"".join(parts)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    environ.pop("HTTP_TRANSFER_ENCODING")  # else the body would be read as chunked (and so empty) again

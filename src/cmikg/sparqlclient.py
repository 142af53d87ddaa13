"""The one HTTP client for SPARQL services: SPARQL 1.1 Protocol (query, update) and the
SPARQL 1.1 Graph Store HTTP Protocol, with failures turned into one-line messages.

``cmikg publish`` (which writes) and the remote query backend (which only reads) go
through :class:`StoreClient`; the Wikidata client (:mod:`cmikg.wikidata.client`) and
federated queries (:mod:`cmikg.guard.federation`) send their queries with
:func:`send_query` and read answers with :func:`read_body`, so an unreachable host, a
time limit or an answer cut short reads the same everywhere, and no other module imports
an HTTP library. Credentials come from an
environment variable named by the user, never from the command line (where ``ps`` and
shell histories would show them).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth

from cmikg.errors import CmikgError
from cmikg.sparql import formats

SPARQL_JSON = formats.SPARQL_JSON.media_type
NTRIPLES = formats.NTRIPLES.media_type
#: What IRIs spliced into SPARQL text may contain (the IRIREF production, without escapes).
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\\x00-\x20]*$")


#: An HTTP response, for the type hints of modules that read one.
Response = requests.Response


class StoreError(CmikgError):
    """The store could not do what was asked; the message says why, in one line."""

    def __init__(self, message: str, status: int | None = None, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.detail = detail


class AnswerTooLarge(StoreError):
    """The answer grew past the number of bytes the caller would read."""


class StoreUnreachable(StoreError):
    """Nothing answers at the URL (refused connection, unknown host, network down)."""


class StoreTimeout(StoreError):
    """The store did not answer within the time limit."""


class CredentialsRefused(StoreError):
    """The store answered 401 or 403."""


class NotAStore(StoreError):
    """The URL answers, but not as the expected protocol (404, 405, HTML instead of results)."""


class StoreRejected(StoreError):
    """The store understood the request and refused it (another 4xx/5xx)."""


def check_iri(iri: str, what: str) -> str:
    """An absolute IRI that can be written between ``<`` and ``>`` in SPARQL, or a clear error."""
    if not _IRI.match(iri or ""):
        raise CmikgError(f"{what} {iri!r}: not an absolute IRI (no spaces, quotes or <>{{}}|^`\\)")
    return iri


def auth_from_env(variable: str | None) -> AuthBase | None:
    """Credentials from the environment variable named ``variable``.

    ``user:password`` means HTTP Basic; ``Bearer TOKEN`` or a bare token without a colon
    means a bearer token.
    """
    if not variable:
        return None
    value = os.environ.get(variable)
    if not value:
        raise CmikgError(f"--auth-env {variable}: the environment variable {variable} is not set or empty")
    if value.lower().startswith("bearer "):
        return BearerAuth(value[7:].strip())
    user, sep, password = value.partition(":")
    if sep:
        return HTTPBasicAuth(user, password)
    return BearerAuth(value.strip())


class BearerAuth(AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@dataclass
class StoreClient:
    """One store's endpoints. Any of them may be missing; using a missing one is an error.

    The HTTP session (a pool of connections) is made lazily in each process: a gunicorn
    worker forked from the master must never share the master's sockets.
    """

    query_url: str | None = None
    graph_store_url: str | None = None
    update_url: str | None = None
    auth: AuthBase | None = None
    timeout: float = 30.0
    connect_timeout: float = 5.0
    _session: requests.Session | None = field(default=None, repr=False)
    _pid: int = field(default=0, repr=False)

    @property
    def session(self) -> requests.Session:
        if self._session is None or self._pid != os.getpid():
            self._session = requests.Session()
            self._session.auth = self.auth
            self._pid = os.getpid()
        return self._session

    def close(self) -> None:
        if self._session is not None and self._pid == os.getpid():
            self._session.close()
        self._session = None

    # -- SPARQL 1.1 Protocol -------------------------------------------------------------

    def query(
        self,
        text: str,
        accept: str = SPARQL_JSON,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
        timeout: float | None = None,
    ) -> Answer:
        """POST a query (form-encoded, as every SPARQL 1.1 store accepts) and read the whole answer.

        ``timeout`` bounds the whole exchange, not only the wait between two packets: a
        store that streams its answer slowly is cut off at the deadline all the same.
        """
        url = self._need(self.query_url, "query endpoint")
        form = (
            [("query", text)]
            + [("default-graph-uri", g) for g in default_graphs]
            + [("named-graph-uri", g) for g in named_graphs]
        )
        deadline = time.monotonic() + (timeout or self.timeout)
        response = self._send(
            "POST",
            url,
            "SPARQL 1.1 Protocol (query)",
            data=form,
            stream=True,
            headers={"Accept": accept},
            timeout=timeout,
        )
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return Answer(read_before(response, url, deadline), media)

    def select(self, text: str, default_graphs: Iterable[str] = ()) -> list[dict[str, dict]]:
        """The bindings of a SELECT query, checking that the answer really is SPARQL JSON."""
        return parse_bindings(self.query(text, SPARQL_JSON, default_graphs), self.query_url or "")

    def update(self, text: str) -> None:
        url = self._need(self.update_url, "update endpoint (--update-endpoint)")
        self._send("POST", url, "SPARQL 1.1 Protocol (update)", data=[("update", text)])

    # -- Graph Store HTTP Protocol ------------------------------------------------------------

    def put_graph(self, graph: str, path: Path, timeout: float | None = None) -> None:
        """Replace ``graph`` with the N-Triples file at ``path``, streamed in one request."""
        url = self._need(self.graph_store_url, "Graph Store Protocol endpoint (--store)")
        with open(path, "rb") as body:
            self._send(
                "PUT", url, GSP, params={"graph": graph}, data=body, headers={"Content-Type": NTRIPLES}, timeout=timeout
            )

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Add triples to ``graph`` in one request."""
        url = self._need(self.graph_store_url, "Graph Store Protocol endpoint (--store)")
        self._send("POST", url, GSP, params={"graph": graph}, data=ntriples, headers={"Content-Type": NTRIPLES})

    def delete_graph(self, graph: str) -> None:
        """Delete ``graph``; a graph that is already gone is not an error."""
        url = self._need(self.graph_store_url, "Graph Store Protocol endpoint (--store)")
        try:
            self._send("DELETE", url, GSP, params={"graph": graph})
        except NotAStore as exc:
            if exc.status != 404:
                raise

    # -- plumbing ------------------------------------------------------------------------

    @staticmethod
    def _need(url: str | None, what: str) -> str:
        if not url:
            raise CmikgError(f"no {what} given")
        return url

    def _send(self, method: str, url: str, protocol: str, timeout: float | None = None, **kwargs) -> requests.Response:
        try:
            response = self.session.request(
                method, url, timeout=(self.connect_timeout, timeout or self.timeout), **kwargs
            )
        except requests.Timeout as exc:
            raise StoreTimeout(f"{url}: no answer within {timeout or self.timeout:g} s") from exc
        except requests.ConnectionError as exc:
            raise StoreUnreachable(f"cannot reach the store at {url}: {_reason(exc)}") from exc
        except requests.RequestException as exc:
            raise StoreUnreachable(f"{url}: {type(exc).__name__}: {_reason(exc)}") from exc
        check_status(response, url, protocol, self.auth is not None)
        return response


GSP = "SPARQL 1.1 Graph Store HTTP Protocol"


def check_status(response: requests.Response, url: str, protocol: str, had_credentials: bool) -> None:
    """Raise the right :class:`StoreError` for a failed answer."""
    status = response.status_code
    if status < 400:
        return
    detail = first_line(response.text)
    if status in (401, 403):
        hint = (
            "check the credentials in the variable named by --auth-env"
            if had_credentials
            else "it needs credentials: name an environment variable holding them with --auth-env"
        )
        raise CredentialsRefused(f"{url} refused access (HTTP {status}): {hint}", status, detail)
    if status in (404, 405, 501):
        raise NotAStore(
            f"{url} does not speak the {protocol} (HTTP {status}{': ' + detail if detail else ''}); check the URL",
            status,
            detail,
        )
    raise StoreRejected(f"{url} answered HTTP {status}: {detail or response.reason}", status, detail)


@dataclass(frozen=True)
class Answer:
    """A complete answer from the store."""

    body: bytes
    media_type: str


def read_before(response: requests.Response, url: str, deadline: float) -> bytes:
    """The whole body, or :class:`StoreTimeout` once ``deadline`` (a monotonic time) passes."""
    return read_body(response, url, deadline)


def read_body(response: requests.Response, url: str, deadline: float, max_bytes: int | None = None) -> bytes:
    """The whole body; :class:`StoreTimeout` once ``deadline`` (a monotonic time) passes,
    :class:`AnswerTooLarge` past ``max_bytes``, :class:`StoreUnreachable` when cut off."""
    chunks = []
    size = 0
    try:
        for chunk in response.iter_content(1 << 16):
            chunks.append(chunk)
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise AnswerTooLarge(f"{url}: the answer is larger than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise StoreTimeout(f"{url}: the answer did not arrive in time")
    except requests.RequestException as exc:
        raise StoreUnreachable(f"{url}: the answer was cut off: {_reason(exc)}") from exc
    finally:
        response.close()
    return b"".join(chunks)


def send_query(
    url: str,
    text: str,
    *,
    accept: str = SPARQL_JSON,
    timeout: tuple[float, float],
    headers: dict[str, str] | None = None,
    session: requests.Session | None = None,
    allow_redirects: bool = True,
    stream: bool = False,
    connect_to: str | None = None,
) -> requests.Response:
    """POST a query form to ``url`` and hand back the response as it is (any status).

    ``timeout`` is (connect, read) in seconds. A time-out is :class:`StoreTimeout`; any
    other failure to talk to the host is :class:`StoreUnreachable`, whose ``detail`` is the
    reason in a few words (``connection refused``). With ``connect_to``, the connection goes
    to that IP address, the one a caller has checked, while Host, TLS name and certificate
    are still the URL's: the name is not looked up again, so it cannot resolve elsewhere."""
    assert session is None or connect_to is None, "a pinned address needs a session of its own"
    if session is None:
        with requests.Session() as fresh:
            if connect_to is not None:
                fresh.mount(f"{urlsplit(url).scheme}://", PinnedAdapter(connect_to))
            return _post(fresh, url, text, accept, timeout, headers, allow_redirects, stream)
    return _post(session, url, text, accept, timeout, headers, allow_redirects, stream)


def _post(
    sender: requests.Session,
    url: str,
    text: str,
    accept: str,
    timeout: tuple[float, float],
    headers: dict[str, str] | None,
    allow_redirects: bool,
    stream: bool,
) -> requests.Response:
    try:
        return sender.post(
            url,
            data={"query": text},
            headers={"Accept": accept, **(headers or {})},
            timeout=timeout,
            allow_redirects=allow_redirects,
            stream=stream,
        )
    except requests.Timeout as exc:
        raise StoreTimeout(f"{url}: no answer within {timeout[1]:g} s") from exc
    except requests.RequestException as exc:
        reason = _reason(exc)
        raise StoreUnreachable(f"cannot reach {url}: {reason}", detail=reason) from exc


class PinnedAdapter(HTTPAdapter):
    """A transport that connects to one given IP address whatever the URL's host name says."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        name = host_params["host"]
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": name, "assert_hostname": name}
        request.headers.setdefault("Host", urlsplit(request.url).netloc.rpartition("@")[2])
        return self.poolmanager.connection_from_host(
            host=self.address, port=host_params["port"], scheme=host_params["scheme"], pool_kwargs=pool_kwargs
        )


def new_session(user_agent: str | None = None) -> requests.Session:
    session = requests.Session()
    if user_agent:
        session.headers["User-Agent"] = user_agent
    return session


def library_version() -> str:
    """``requests/VERSION``, for User-Agent strings."""
    return f"requests/{requests.__version__}"


def parse_json(body: bytes):
    """A JSON document (``ValueError`` when it is not one)."""
    return json.loads(body)


def parse_bindings(answer: Answer, url: str) -> list[dict[str, dict]]:
    """The ``bindings`` of a SPARQL JSON answer, or :class:`NotAStore` for anything else."""
    try:
        return json.loads(answer.body)["results"]["bindings"]
    except (ValueError, KeyError, TypeError) as exc:
        raise NotAStore(
            f"{url} answered {answer.media_type or 'no content type'}, not SPARQL JSON results: "
            "is it a SPARQL query endpoint?"
        ) from exc


def first_line(text: str, limit: int = 200) -> str:
    """The first non-empty line of an error body, short enough for a one-line message."""
    for line in (text or "").splitlines():
        line = re.sub(r"<[^>]+>", "", line).strip()
        if line:
            return line[:limit]
    return ""


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "Temporary failure in name resolution",
        "Network is unreachable",
        "No route to host",
        "timed out",
        "Connection reset by peer",
        "Connection aborted",
        "Broken pipe",
        "Remote end closed connection",
    ):
        if marker in text:
            return marker.lower()
    return first_line(text, 160)

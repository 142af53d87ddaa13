"""A polite client for a public SPARQL endpoint (Wikidata's query service by default).

Wikimedia asks automated clients to identify themselves with a descriptive User-Agent,
to keep to a modest request rate and to back off when told (HTTP 429 with Retry-After).
This client does all three, retries 429 and 5xx answers with exponential back-off, and
turns "no network" into one clear message instead of a traceback.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from importlib import metadata

from cmikg import __version__
from cmikg.errors import CmikgError
from cmikg.sparqlclient import Response, StoreTimeout, StoreUnreachable, library_version, new_session, send_query
from cmikg.wikidata.politeness import DEFAULT_ENDPOINT, DEFAULT_POLITENESS, Politeness

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class EndpointError(CmikgError):
    """The endpoint could not be reached or kept refusing."""


def user_agent() -> str:
    """``cmikg/VERSION (+REPOSITORY-URL) requests/VERSION``, from the package metadata."""
    try:
        meta = metadata.metadata("cmikg")
        name, version = meta["Name"], meta["Version"]
        urls = [value.split(",", 1)[-1].strip() for value in meta.get_all("Project-URL") or []]
    except metadata.PackageNotFoundError:
        name, version, urls = "cmikg", __version__, []
    contact = f"+{urls[0]}" if urls else "repository URL not set in the package metadata"
    return f"{name}/{version} ({contact}) {library_version()}"


class SparqlClient:
    """SELECT queries over HTTP POST, paced and retried."""

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        politeness: Politeness = DEFAULT_POLITENESS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.endpoint = endpoint
        self.politeness = politeness
        self.sleep = sleep
        self.session = new_session(user_agent())
        self.requests_sent = 0
        self._last_start: float | None = None

    def select(self, query: str) -> list[dict]:
        """The ``results.bindings`` of a SELECT query."""
        for attempt in range(self.politeness.max_retries + 1):
            response = self._post(query)
            if response.status_code not in RETRY_STATUSES:
                return self._bindings(response)
            if attempt == self.politeness.max_retries:
                break
            self.sleep(self._wait(response, attempt))
        raise EndpointError(
            f"{self.endpoint}: still answering HTTP {response.status_code} after "
            f"{self.politeness.max_retries} retries; try again later"
        )

    def close(self) -> None:
        self.session.close()

    def _post(self, query: str) -> Response:
        self._pace()
        self.requests_sent += 1
        timeout = self.politeness.timeout
        try:
            return send_query(self.endpoint, query, timeout=(timeout, timeout), session=self.session)
        except StoreTimeout:
            raise EndpointError(f"{self.endpoint} did not answer within {timeout:g} s") from None
        except StoreUnreachable as exc:
            raise EndpointError(
                f"cannot reach {self.endpoint} (offline, or the address is wrong): {exc.detail}"
            ) from None

    def _pace(self) -> None:
        """Keep at least ``min_interval`` seconds between the starts of two requests."""
        now = time.monotonic()
        if self._last_start is not None:
            wait = self._last_start + self.politeness.min_interval - now
            if wait > 0:
                self.sleep(wait)
        self._last_start = time.monotonic()

    def _wait(self, response: Response, attempt: int) -> float:
        """Retry-After when the server gives it, else exponential back-off; capped either way."""
        told = retry_after_seconds(response.headers.get("Retry-After"))
        wait = told if told is not None else self.politeness.backoff * (2**attempt)
        return min(max(wait, 0.0), self.politeness.max_wait)

    def _bindings(self, response: Response) -> list[dict]:
        if response.status_code != 200:
            body = response.text.strip().splitlines()
            raise EndpointError(
                f"{self.endpoint} answered HTTP {response.status_code}: {body[0][:300] if body else response.reason}"
            )
        try:
            return response.json()["results"]["bindings"]
        except (ValueError, KeyError, TypeError):
            raise EndpointError(
                f"{self.endpoint}: the answer is not SPARQL JSON results "
                f"(Content-Type {response.headers.get('Content-Type')!r})"
            ) from None


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()

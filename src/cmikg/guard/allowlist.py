"""What a request may ask for at all: no update in any form, SERVICE only to allowed IRIs."""

from __future__ import annotations

from collections.abc import Iterable

from cmikg.config import Settings
from cmikg.engines.backend import QueryRefused
from cmikg.guard.reading import QueryReading

UPDATE_MEDIA_TYPE = "application/sparql-update"


def check_services(reading: QueryReading, settings: Settings) -> None:
    """Refuse every SERVICE whose target is not on the allowlist (before any connection)."""
    allowed = settings.service_allowlist
    for call in reading.services:
        if call.iri is None:
            raise QueryRefused(
                f"SERVICE {call.target} at {call.position}: a variable service target "
                "is not allowed; name one of: " + ", ".join(allowed)
            )
        if call.iri not in allowed:
            listed = ", ".join(allowed) if allowed else "none"
            raise QueryRefused(f"SERVICE <{call.iri}> at {call.position} is not allowed; allowed services: {listed}")


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

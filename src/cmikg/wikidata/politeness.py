"""Where the Wikidata client sends its queries by default, and how hard it may press.

Kept apart from :mod:`cmikg.wikidata.client` so that the command line can show these
defaults without importing the HTTP client.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"


@dataclass(frozen=True)
class Politeness:
    """How hard the client may press the endpoint."""

    batch_size: int = 50
    min_interval: float = 1.0
    max_retries: int = 5
    backoff: float = 2.0
    max_wait: float = 120.0
    timeout: float = 60.0


#: The client's default: one batch a second, backing off on 429 and 5xx.
DEFAULT_POLITENESS = Politeness()

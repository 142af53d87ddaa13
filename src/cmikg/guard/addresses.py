"""Where a SERVICE call may connect: an operator's mapped URL, or a public address.

Checked right before each connection (the first request and every redirect), once per
hop, so a name is looked up in DNS once for the check; the engine's workers have no
network at all (:mod:`cmikg.engines.workers`).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from cmikg.config import Settings
from cmikg.engines.backend import QueryRefused, ServiceFailed


def check_target(url: str, iri: str, settings: Settings) -> None:
    """Refuse, before connecting, a URL that is neither mapped by the operator nor public."""
    if url in settings.service_map.values():
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise QueryRefused(f"SERVICE <{iri}>: {url} is not an http(s) URL")
    try:
        infos = socket.getaddrinfo(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise ServiceFailed(f"SERVICE <{iri}>: cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise QueryRefused(
                f"SERVICE <{iri}>: {parts.hostname} resolves to the non-public address {address}; refused"
            )

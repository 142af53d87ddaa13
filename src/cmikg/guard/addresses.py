"""Where a SERVICE call may connect: an operator's mapped URL, or a public address.

Checked right before each connection (the first request and every redirect): a name is
looked up in DNS once per hop, and the connection goes to the address that was checked
(:func:`cmikg.sparqlclient.send_query`'s ``connect_to``), so a name cannot resolve to a
public address for the check and to a private one for the connection. The engine's
workers have no network at all (:mod:`cmikg.engines.workers`).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from cmikg.config import Settings
from cmikg.engines.backend import QueryRefused, ServiceFailed


def check_target(url: str, iri: str, settings: Settings) -> str | None:
    """Refuse, before connecting, a URL that is neither mapped by the operator nor public.

    Returns the checked address to connect to, or None for a URL the operator mapped (it is
    trusted as configured and connected to as it is)."""
    if url in settings.service_map.values():
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise QueryRefused(f"SERVICE <{iri}>: {url} is not an http(s) URL")
    try:
        infos = socket.getaddrinfo(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise ServiceFailed(f"SERVICE <{iri}>: cannot resolve {parts.hostname}: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        if not address.is_global:
            raise QueryRefused(
                f"SERVICE <{iri}>: {parts.hostname} resolves to the non-public address {address}; refused"
            )
    if not addresses:
        raise ServiceFailed(f"SERVICE <{iri}>: {parts.hostname} has no address")
    return str(addresses[0])

"""Where an IRI leads on this server, and how it reads in a table.

The project's IRIs live under https://w3id.org/cmikg/; the server answers for them on its
own host with the same paths (``/id/...``, ``/ontology``, ``/download/...``). Pages link to
the document of an entity (``/doc/...``) rather than to ``/id/...``, saving the 303 a
browser would otherwise follow on every click; the IRI itself is printed on the page.
"""

from __future__ import annotations

from flask import request

from cmikg.iris import BASE, ID, ONTOLOGY_IRI, PREFIXES

ENTITY_SPACE = str(ID)


def entity_path(iri: str) -> str | None:
    """``country/cub`` for ``https://w3id.org/cmikg/id/country/cub``; None for other IRIs."""
    if iri.startswith(ENTITY_SPACE) and len(iri) > len(ENTITY_SPACE):
        return iri[len(ENTITY_SPACE) :]
    return None


def entity_iri(path: str) -> str:
    return ENTITY_SPACE + path


def local_path(iri: str) -> str | None:
    """The path on this server that documents ``iri``, or None if the server does not."""
    path = entity_path(iri)
    if path is not None:
        return "/doc/" + path
    if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
        return "/ontology" + iri[len(ONTOLOGY_IRI) :]
    if iri.startswith(BASE) and iri[len(BASE) :].startswith(("download/", "ontology/")):
        return "/" + iri[len(BASE) :]
    return None


def href(iri: str) -> str:
    """A link for ``iri``: the local page of a project IRI, the IRI itself when it is an
    http(s) address, otherwise nothing (a ``javascript:`` IRI in an answer must not run)."""
    path = local_path(iri)
    if path is not None:
        return request.script_root + path
    return iri if linkable(iri) else ""


def linkable(iri: str) -> bool:
    """True for the IRIs a page may turn into a link: http and https, in any letter case."""
    scheme, sep, _ = iri.partition(":")
    return bool(sep) and scheme.lower() in ("http", "https") or local_path(iri) is not None


def short(iri: str) -> str:
    """``cmi:Claim`` for the ontology's IRIs, ``country:cub`` for entities: as Turtle reads."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best) and _is_local_name(iri[len(namespace) :]):
            best = namespace
            name = f"{prefix}:{iri[len(namespace) :]}"
    return name if best else iri


def _is_local_name(rest: str) -> bool:
    return bool(rest) and "/" not in rest and "#" not in rest

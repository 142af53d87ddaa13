"""The web service: the SPARQL endpoint and the routes other modules add as blueprints.

``cmikg serve`` runs :func:`create_app` under gunicorn; see ``docs/endpoint.md``.
"""

from __future__ import annotations

import argparse

__all__ = ["create_app", "register"]


def __getattr__(name: str):
    """``create_app`` on first use: the command line registers ``serve`` without importing Flask."""
    if name == "create_app":
        from cmikg.service.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``cmikg serve`` to the command line."""
    p = subparsers.add_parser("serve", help="run the SPARQL endpoint and web pages under gunicorn")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="HTTP worker processes (default: CPU count, at most 8; "
        "1 for a store of 100,000 triples or more held in memory)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="query threads per HTTP worker (default 4): N-1 slots for long queries; gunicorn runs "
        "N+3 threads, 2 of them express slots and 2 that no query can hold",
    )
    p.add_argument("--timeout", type=float, default=None, help="per-query time limit in seconds (default 10)")
    p.add_argument("--max-rows", type=int, default=None, help="largest answer in rows or triples (default 10000)")
    p.add_argument("--max-body", type=int, default=None, help="largest request body in bytes (default 1000000)")
    p.add_argument(
        "--disk-store",
        default=None,
        metavar="DIR",
        help="serve from an on-disk store in DIR (loaded once from dist/cmikg.nt, reused while it is "
        "unchanged) that every worker opens read-only, instead of a copy in memory: for large graphs",
    )
    p.add_argument(
        "--cache-bytes",
        type=int,
        default=None,
        metavar="N",
        help="bound in bytes of the answers kept for repeated queries, shared by all workers "
        "(default 67108864, 64 MiB; 0 turns the cache off)",
    )
    p.add_argument("--backend", default=None, help="URL of an external SPARQL endpoint to serve instead of dist/")
    p.add_argument(
        "--service-allow",
        action="append",
        default=None,
        metavar="IRI",
        help="a SERVICE IRI queries may call (repeatable; replaces the default list)",
    )
    p.add_argument(
        "--service-map",
        action="append",
        default=[],
        metavar="IRI=URL",
        help="send SERVICE calls for an allowed IRI to another URL (repeatable)",
    )
    p.add_argument("--public-base", default=None, help="public URL prefix used in permalinks")
    p.add_argument(
        "--max-client-queries",
        type=int,
        default=None,
        help="queries one client address may run at once per HTTP worker (default: half the threads)",
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        default=None,
        metavar="HOST",
        help="a Host header (name or name:port) trusted for absolute URLs when --public-base is not given "
        "(repeatable); any other Host gets the bound address",
    )
    p.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from cmikg.service.server import serve

    return serve(args)

"""``cmikg publish``: the built dataset sent to an external triple store (:mod:`publisher`),
laid out there as :mod:`layout` describes for the remote engine that reads it.

Only the command's arguments are defined here, so that registering it costs the command
line nothing: the publisher and its HTTP client and RDF libraries are imported when the
command runs, never by ``cmikg serve``.
"""

from __future__ import annotations

import argparse

from cmikg.iris import POINTER_GRAPH

DEFAULT_GRAPH = POINTER_GRAPH


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "publish", help="send dist/cmikg.nt to a triple store as a new version, verify it, then switch readers to it"
    )
    p.add_argument(
        "--store",
        required=True,
        metavar="URL",
        help="the store's SPARQL 1.1 Graph Store Protocol endpoint (Oxigraph: http://HOST:7878/store)",
    )
    p.add_argument(
        "--graph",
        default=DEFAULT_GRAPH,
        metavar="IRI",
        help=f"the pointer graph; versions go to IRI/v<version>-<sha256> (default {DEFAULT_GRAPH})",
    )
    p.add_argument(
        "--update-endpoint",
        metavar="URL",
        help="SPARQL Update endpoint: used to upload when the store has no Graph Store Protocol, "
        "and to remove the records of deleted versions",
    )
    p.add_argument(
        "--query-endpoint",
        metavar="URL",
        help="SPARQL query endpoint for verification (default: --store with its last path "
        "segment, 'store' or 'data', replaced by 'query')",
    )
    p.add_argument(
        "--auth-env", metavar="VAR", help="environment variable holding 'user:password' (Basic) or a bearer token"
    )
    p.add_argument(
        "--keep", type=int, default=1, metavar="N", help="previous versions to keep after the switch (default 1)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="S",
        help="longest wait for one request, the upload included (default 600)",
    )
    p.set_defaults(func=cmd_publish)


def cmd_publish(args: argparse.Namespace) -> int:
    from cmikg.config import Settings
    from cmikg.errors import CmikgError
    from cmikg.publish.publisher import Publisher, derive_query_url, read_dump
    from cmikg.sparqlclient import StoreClient, auth_from_env, check_iri

    settings = Settings.discover(root=getattr(args, "project", None), dist=getattr(args, "dist", None))
    if args.keep < 0:
        raise CmikgError(f"--keep {args.keep}: must be 0 or more")
    client = StoreClient(
        query_url=args.query_endpoint or derive_query_url(args.store),
        graph_store_url=args.store,
        update_url=args.update_endpoint,
        auth=auth_from_env(args.auth_env),
        timeout=args.timeout,
    )
    publisher = Publisher(client, check_iri(args.graph, "--graph"), keep=args.keep)
    publisher.publish(read_dump(settings))
    return 0

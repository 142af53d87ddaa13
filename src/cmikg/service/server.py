"""``cmikg serve``: the app factory under gunicorn, with the store loaded before the fork.

The app (and so the store) is created once in gunicorn's master process (``preload_app``);
each HTTP worker then inherits it copy-on-write instead of loading its own copy.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from pathlib import Path

from gunicorn.app.base import BaseApplication

from cmikg.config import Settings
from cmikg.engines.backend import QueryBackend
from cmikg.errors import CmikgError


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings with the command line's limits applied."""
    settings = Settings.for_dist(root=getattr(args, "project", None), dist=getattr(args, "dist", None))
    changes: dict = {}
    if args.timeout is not None:
        changes["query_timeout"] = float(args.timeout)
    if args.max_rows is not None:
        changes["max_rows"] = int(args.max_rows)
    if args.max_body is not None:
        changes["max_body_bytes"] = int(args.max_body)
    if args.service_allow is not None:
        changes["service_allowlist"] = tuple(args.service_allow)
    if args.service_map:
        changes["service_map"] = dict(parse_mapping(item) for item in args.service_map)
    if getattr(args, "max_client_queries", None):
        changes["max_client_queries"] = int(args.max_client_queries)
    if args.public_base:
        changes["public_base"] = args.public_base.rstrip("/") + "/"
    host, port = getattr(args, "host", "127.0.0.1"), getattr(args, "port", 8000)
    own = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    changes["allowed_hosts"] = (*settings.allowed_hosts, f"{own}:{port}", *(getattr(args, "allowed_host", None) or ()))
    changes["default_base"] = f"http://{own}:{port}/"
    return settings.with_(**changes)


def parse_mapping(item: str) -> tuple[str, str]:
    iri, sep, url = item.partition("=")
    if not sep or not iri or not url:
        raise CmikgError(f"--service-map {item!r}: expected IRI=URL")
    return iri, url


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def serve(args: argparse.Namespace) -> int:
    from cmikg.guard.admission import EXPRESS_SLOTS, RESERVED_THREADS, request_threads
    from cmikg.service.app import backend_of, create_app
    from cmikg.service.http_worker import LingeringThreadWorker

    settings = settings_from_args(args)
    threads = args.threads or 4
    settings = settings.with_(threads=threads)
    all_threads = request_threads(threads)
    clock = time.perf_counter()
    backend: QueryBackend
    large_in_memory = False
    if getattr(args, "backend", None):
        from cmikg.engines.remote import RemoteBackend

        backend = RemoteBackend(args.backend, settings)
    else:
        from cmikg.engines.embedded import EmbeddedBackend
        from cmikg.engines.result_cache import with_result_cache

        disk = getattr(args, "disk_store", None)
        # one query worker per request thread, so no request ever waits for one
        backend = EmbeddedBackend(settings, pool_size=all_threads, disk_store=Path(disk) if disk else None)
        large_in_memory = not disk and backend.triple_count() >= ONE_HTTP_WORKER_FROM
        backend = with_result_cache(backend, _cache_bytes(args))
    app = create_app(settings, backend)
    loaded = time.perf_counter() - clock
    workers = args.workers or default_http_workers(large_in_memory)
    # What the master made (the app, the store's Python side) is never touched by the
    # collector in the forked HTTP and query workers, so their pages stay shared.
    gc.freeze()
    guarded = backend_of(app)
    url = f"http://{args.host}:{args.port}/sparql"
    print(
        f"cmikg endpoint {url}: {guarded.triple_count()} triples, version {guarded.version()}, "
        f"loaded in {loaded:.2f} s; {workers} workers x {all_threads} threads "
        f"({max(1, threads - 1)} long-query slots, {EXPRESS_SLOTS} express, {RESERVED_THREADS} no query can hold), "
        f"query timeout {settings.query_timeout:g} s, row cap {settings.max_rows}",
        flush=True,
    )
    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": workers,
        # one per query slot and two no client query can hold: pages, lookups, /health
        # and 429s never queue behind long queries
        "threads": all_threads,
        # gthread, with a connection's next request read by the thread that answered the last
        "worker_class": LingeringThreadWorker,
        "preload_app": True,
        # gunicorn's own watchdog must never fire before the query deadline does.
        "timeout": int(settings.query_timeout) + 60,
        "graceful_timeout": 5,
        "keepalive": 5,
        # the longest request line gunicorn allows: GET queries of about 8 KB (longer ones: POST)
        "limit_request_line": 8190,
        "accesslog": None,
        # the workers' heartbeat files in memory, not on disk
        **({"worker_tmp_dir": "/dev/shm"} if os.path.isdir("/dev/shm") else {}),
        "errorlog": "-",
        "loglevel": "warning",
        "post_fork": lambda server, worker: _start_workers(backend),
    }
    _Gunicorn(app, options).run()
    return 0


#: From this many triples on, a store served in memory gets one HTTP worker unless
#: ``--workers`` says otherwise. Each HTTP worker has its own query process, and the engine
#: writes to the store's pages as it reads them, so each query process ends up holding a
#: private copy of the store; past this size a query costs the engine far more than the
#: HTTP worker (at 100k triples, 11 ms of CPU against 2), so a second HTTP worker adds a copy
#: and no throughput (docs/benchmark.md, Profiling, has the measurements).
ONE_HTTP_WORKER_FROM = 100_000


def default_http_workers(large_in_memory: bool) -> int:
    """One HTTP worker per core (at most 8), or one for a large store held in memory."""
    return 1 if large_in_memory else min(os.cpu_count() or 2, 8)


def _cache_bytes(args: argparse.Namespace) -> int:
    from cmikg.engines.result_cache import DEFAULT_MAX_BYTES

    value = getattr(args, "cache_bytes", None)
    if value is not None and value < 0:
        raise CmikgError(f"--cache-bytes {value}: give a number of bytes, 0 or more")
    return DEFAULT_MAX_BYTES if value is None else value


def _start_workers(backend) -> None:
    """Start a fresh HTTP worker's query workers before its threads start."""
    start = getattr(backend, "start_workers", None)
    if start is not None:
        start()

"""The fixed cost of one ``/sparql`` GET in ``cmikg serve``'s app, in this process, without sockets.

    python bench/request_cost.py [--dist DIR] [--requests 2000] [--profile hit|miss]

Builds the real graph into a temporary ``dist/`` when none is given (without HermiT), then
calls the app as a WSGI server would, through the guard, admission, the result cache and a
query worker: the median microseconds of a repeated query (a cache hit) and of distinct
queries (each a miss, evaluated by the worker). ``--profile`` prints cProfile's top frames
for one of the two. Timings on a shared machine are noisy: compare two versions by running
this alternately, several times, and taking medians.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
QUERY = "PREFIX schema: <http://schema.org/> SELECT ?s ?n WHERE { ?s a schema:Country ; schema:name ?n } LIMIT %d"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, help="a built dist/ (default: build one into a temporary folder)")
    parser.add_argument("--requests", type=int, default=2000, help="repeated requests timed (a quarter as many misses)")
    parser.add_argument("--profile", choices=("hit", "miss"), help="print cProfile's top frames for this case")
    args = parser.parse_args(argv)

    from cmikg.config import Settings
    from cmikg.engines.embedded import EmbeddedBackend
    from cmikg.engines.result_cache import DEFAULT_MAX_BYTES, with_result_cache
    from cmikg.service.app import create_app

    dist = args.dist
    if dist is None:
        from cmikg.build.pipeline import build

        dist = Path(tempfile.mkdtemp(prefix="cmikg-request-cost-")) / "dist"
        build(Settings.discover(root=ROOT, dist=dist), reason=False)
    settings = Settings.discover(root=ROOT, dist=dist).with_(threads=4)
    backend = with_result_cache(EmbeddedBackend(settings, pool_size=2), DEFAULT_MAX_BYTES)
    app = create_app(settings, backend)
    statuses: list[str] = []

    def call(query: str) -> bytes:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/sparql",
            "QUERY_STRING": urlencode({"query": query}),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_ACCEPT": "application/sparql-results+json",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        return b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))

    try:
        call(QUERY % 5)
        if statuses[-1] != "200 OK":
            raise SystemExit(f"the app answered {statuses[-1]}")
        hit = _median_us(lambda i: call(QUERY % 5), args.requests)
        miss = _median_us(lambda i: call(QUERY % (1_000_000 + i)), max(1, args.requests // 4))
        print(f"one /sparql GET in process: repeated (cache hit) {hit:.0f} us, distinct (miss) {miss:.0f} us (medians)")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for i in range(args.requests):
                call(QUERY % 5 if args.profile == "hit" else QUERY % (2_000_000 + i))
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    finally:
        backend.close()
    return 0


def _median_us(request, count: int) -> float:
    times = []
    for i in range(count):
        started = time.perf_counter()
        request(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


if __name__ == "__main__":
    sys.exit(main())

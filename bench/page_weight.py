"""Page weight and server time of every kind of page, against a running ``cmikg serve``.

    python bench/page_weight.py http://127.0.0.1:8000 [--repeat 15]

For each kind of page: the median and worst time to the last byte over ``--repeat``
requests (after one warm-up request, so the figures are of a served dataset version, not
of the first request's label fetches), the HTML's bytes, and the bytes of every asset the
page links (style sheet, scripts, icons, images), each fetched once. Any asset on another
host is reported and makes the run fail: no page may load anything from outside the server.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from html.parser import HTMLParser
from statistics import median
from urllib.parse import urljoin, urlsplit

import requests

PAGES = {
    "home": "/",
    "map": "/map",
    "search": "/search?q=doctors",
    "country": "/doc/country/ven",
    "program": "/doc/program/elam",
    "claim": "/doc/claim/other-countries-medical-faculties",
    "source": "/doc/source/article",
    "source text": "/text",
    "charts": "/charts",
    "query (example run)": "/query?example=personnel-abroad-over-time",
    "ontology": "/ontology",
    "dataset": "/doc/dataset",
}


class Assets(HTMLParser):
    """Every URL a browser would fetch to show the page (not the links it could follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and (values.get("rel") or "") in ("stylesheet", "icon", "preload", "modulepreload"):
            self.urls.append(values.get("href") or "")
        elif tag in ("script", "img", "iframe", "source", "video", "audio") and values.get("src"):
            self.urls.append(values["src"] or "")


def timed(session: requests.Session, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    answer = session.get(url, timeout=60)
    answer.raise_for_status()
    return time.perf_counter() - started, answer.content


def measure(base: str, repeat: int) -> tuple[list[tuple], list[str]]:
    session = requests.Session()
    rows, outside = [], []
    for kind, path in PAGES.items():
        url = base + path
        timed(session, url)
        times, body = [], b""
        for _ in range(repeat):
            seconds, body = timed(session, url)
            times.append(seconds)
        parser = Assets()
        parser.feed(body.decode("utf-8"))
        asset_bytes = 0
        for asset in dict.fromkeys(parser.urls):
            absolute = urljoin(url, asset)
            if urlsplit(absolute).netloc != urlsplit(base).netloc:
                outside.append(f"{kind}: {absolute}")
                continue
            asset_bytes += len(timed(session, absolute)[1])
        rows.append((kind, median(times) * 1000, max(times) * 1000, len(body), len(parser.urls), asset_bytes))
    return rows, outside


def report(rows: list[tuple]) -> str:
    lines = [
        "| page | median ms | worst ms | HTML bytes | assets | asset bytes | total bytes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, med, worst, html, count, assets in rows:
        lines.append(f"| {kind} | {med:.1f} | {worst:.1f} | {html:,} | {count} | {assets:,} | {html + assets:,} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (default 15)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    rows, outside = measure(re.sub(r"/+$", "", args.base), args.repeat)
    print(report(rows))
    if outside:
        print("\nassets from outside the server:\n" + "\n".join(outside), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

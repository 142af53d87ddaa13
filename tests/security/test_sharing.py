"""Runaway queries filling every query thread of every HTTP worker starve no one: once each
runaway client has been stopped at a time limit (a new client may hold an express slot for
its first second), a simple query from another client, ``/health`` and a page are answered
over more than a whole time limit, and the runaways get only 503 (stopped) or 429."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.security.conftest import JSON, TIMEOUT

pytestmark = pytest.mark.server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"
#: Runaway clients: more than the query threads and express slots of both HTTP workers.
RUNAWAYS = 8
#: Simple queries sent while they run.
SIMPLE_TRIES = 20


class SourceAdapter(HTTPAdapter):
    """Connections from one loopback address, as from one distinct client."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(source: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAdapter(source))
    return session


def test_runaways_filling_every_thread_starve_no_one(server):
    expected = session_from("127.0.3.1").post(server.url, data={"query": SIMPLE}, headers={"Accept": JSON}, timeout=60)
    assert expected.status_code == 200, expected.text
    stop = threading.Event()
    answers: Counter[int] = Counter()
    stopped: set[str] = set()

    def hammer(source: str) -> None:
        with session_from(source) as session:
            while not stop.is_set():
                response = session.post(server.url, data={"query": RUNAWAY}, headers={"Accept": JSON}, timeout=60)
                answers[response.status_code] += 1
                if response.status_code == 503:
                    stopped.add(source)

    threads = [threading.Thread(target=hammer, args=(f"127.0.4.{i + 1}",), daemon=True) for i in range(RUNAWAYS)]
    for thread in threads:
        thread.start()
    # A new client may hold an express slot once, for 1 s: wait until every runaway client
    # has been stopped at a time limit (in an express slot or a full one) at least once.
    deadline = time.monotonic() + 6 * TIMEOUT
    while len(stopped) < RUNAWAYS and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(stopped) == RUNAWAYS, f"only {len(stopped)} of {RUNAWAYS} runaway clients were stopped"
    found = []
    with session_from("127.0.3.2") as client:
        # over more than a time limit, so runaways are stopped and resent meanwhile
        for number in range(SIMPLE_TRIES):
            query = f"{SIMPLE} LIMIT {100 + number}"  # each one evaluated, none from the cache
            response = client.post(server.url, data={"query": query}, headers={"Accept": JSON}, timeout=60)
            found.append((response.status_code, response.json() if response.status_code == 200 else response.text))
            time.sleep(TIMEOUT * 1.5 / SIMPLE_TRIES)
        health = client.get(f"{server.base}/health", timeout=60)
        page = client.get(f"{server.base}/", timeout=60)
    stop.set()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 30)
    print(f"\nrunaways' answers: {dict(answers)}")
    assert found == [(200, expected.json())] * SIMPLE_TRIES
    assert health.status_code == 200 and page.status_code == 200
    assert answers[503] >= 1, "no runaway was stopped at its time limit"
    assert set(answers) <= {429, 503}

"""The benchmark's scaled build: the scale-up of the real graph passes every check of the build.

The timed build is only a figure if it did the real build's work: the SPARQL checks among
it. A project assembled from three copies of the real graph must pass them all (the
curator's dismissals applied to the original, the synthetic copies' own tensions
dismissed) and SHACL, the quote and Wikidata checks, as the real graph does.
"""

from __future__ import annotations

import csv
import json

import pytest

from cmikg.build.pipeline import check
from cmikg.build.sparql_checks import DISMISSALS_FILE, load_checks
from cmikg.config import Settings
from tests.bench.scripts import ROOT, bench_module


@pytest.fixture(scope="module")
def project(built: Settings, tmp_path_factory: pytest.TempPathFactory):
    scaled_build = bench_module("scaled_build")
    triples = sum(1 for _ in built.dataset_file.open(encoding="utf-8"))
    return scaled_build.scaled_project(ROOT, built.dataset_file, 3 * triples, tmp_path_factory.mktemp("scaled"))


def test_the_scaled_project_runs_the_sparql_checks(project):
    settings = Settings.discover(root=project)
    assert {c.name for c in load_checks(settings)} == {p.stem for p in (ROOT / "queries" / "checks").glob("*.rq")}


def test_only_pairs_of_copies_are_dismissed_beyond_the_curators(project):
    with (ROOT / DISMISSALS_FILE).open(encoding="utf-8") as handle:
        curated = list(csv.DictReader(handle))
    with (project / DISMISSALS_FILE).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[: len(curated)] == curated
    added = rows[len(curated) :]
    assert added, "three copies of the real graph repeat its tensions"
    assert all("-copy" in r["claim"] and "-copy" in r["other"] for r in added)


def test_the_scaled_project_passes_every_check(project, built: Settings):
    real = json.loads((built.dist / "build-report.json").read_text(encoding="utf-8"))["tensions"]
    checked = check(Settings.discover(root=project), reason=False)
    # The copies' scaled figures clear some of the original's tensions and keep others.
    assert checked.tensions.found > real["found"]
    assert checked.tensions.dismissed > real["dismissed"]

"""CITATION.cff, "How to cite" on /dataset, and cmikg diff between two builds."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cmikg.build.derivation import derived_triples
from cmikg.build.loading import load_sources
from cmikg.config import Settings
from cmikg.service.app import create_app
from tests.conftest import ROOT, cmikg_command

#: The claim changed in the second build, and the figure the article gives for it.
CLAIM = "https://w3id.org/cmikg/id/claim/intro-granma-staff-2015"


def test_citation_cff_is_valid_and_names_this_version(built: Settings) -> None:
    """The keys and types CFF 1.2.0 requires, checked without its validator (whose pinned YAML library
    no longer installs)."""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and isinstance(cff["title"], str)
    assert cff["authors"] and all(isinstance(a, dict) and a.get("name") for a in cff["authors"])
    assert cff["type"] == "dataset" and cff["license"] == "CC-BY-SA-4.0"
    report = json.loads((built.dist / "build-report.json").read_text(encoding="utf-8"))
    assert cff["version"] == report["version"]


def test_dataset_page_gives_bibtex_and_csl_json_with_the_checksum(built: Settings) -> None:
    page = create_app(built).test_client().get("/dataset", follow_redirects=True).get_data(as_text=True)
    report = json.loads((built.dist / "build-report.json").read_text(encoding="utf-8"))
    bibtex = re.search(r'<pre id="cite-bibtex"[^>]*>(.*?)</pre>', page, re.S).group(1)
    assert bibtex.startswith("@misc{") and f"version = {{{report['version']}}}" in bibtex
    assert report["sha256_ntriples"] in bibtex
    csl = re.search(r'<pre id="cite-csl"[^>]*>(.*?)</pre>', page, re.S).group(1).replace("&#34;", '"')
    (item,) = json.loads(csl)
    assert item["type"] == "dataset" and item["version"] == report["version"]
    assert report["sha256_ntriples"] in item["note"]
    assert 'data-copy="cite-bibtex"' in page and "copy.js" in page
    assert "onclick" not in page and "<script>" not in page


@pytest.fixture(scope="module")
def changed_build(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The graph built from the same files with one figure changed: the build's loading and derivation,
    dumped as N-Triples (the checks and the other files of dist/ are not what a diff reads)."""
    root = tmp_path_factory.mktemp("changed")
    for name in ("ontology", "shapes", "queries", "graph"):
        shutil.copytree(ROOT / name, root / name)
    path = root / "graph" / "claims" / "intro.ttl"
    text = path.read_text(encoding="utf-8")
    block = text[text.index("claim:intro-granma-staff-2015 a") :]
    assert "cmi:quantity 50000" in block.split("\n\n")[0]
    path.write_text(text.replace(block, block.replace("cmi:quantity 50000", "cmi:quantity 51000", 1)), encoding="utf-8")
    settings = Settings.discover(root=root, dist=root / "dist")
    sources = load_sources(settings)
    graph = sources.union()
    graph += derived_triples(sources.ontology, sources.data)
    settings.dist.mkdir()
    graph.serialize(settings.dataset_file, format="nt", encoding="utf-8")
    return settings.dist


def diff(*args: str) -> str:
    done = subprocess.run([*cmikg_command(), "diff", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_diff_reports_exactly_the_one_change(built: Settings, changed_build: Path) -> None:
    result = json.loads(diff(str(built.dist), str(changed_build), "--format", "json"))
    assert result["added"] == [] and result["removed"] == []
    assert result["changed"] == [{"claim": CLAIM, "changes": {"value_number": ["50000", "51000"]}}]
    text = diff(str(built.dist / "cmikg.nt"), str(changed_build / "cmikg.nt"))
    assert "0 added, 0 removed, 1 changed" in text and "value_number: 50000 -> 51000" in text


def test_diff_of_a_build_with_itself_is_empty_and_a_missing_side_is_an_error(built: Settings) -> None:
    assert "0 added, 0 removed, 0 changed" in diff(str(built.dist), str(built.dist))
    done = subprocess.run([*cmikg_command(), "diff", str(built.dist), "/no/such/dist"], capture_output=True, text=True)
    assert done.returncode == 1 and "/no/such/dist: neither a dist/ folder" in done.stderr


def test_changelog_section_replaces_its_own_version(built: Settings, changed_build: Path, tmp_path: Path) -> None:
    changelog = tmp_path / "data-changelog.md"
    for _ in range(2):
        diff(str(built.dist), str(changed_build), "--changelog", str(changelog))
    text = changelog.read_text(encoding="utf-8")
    assert text.startswith("# Data changelog") and text.count("\n## ") == 1
    assert f"<{CLAIM}>: value_number `50000` → `51000`" in text

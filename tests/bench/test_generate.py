"""The benchmark's data generator: deterministic, and the scale-up keeps the input's shape.

The input is the real graph's Turtle files parsed as the build parses them (no checks), so
the test follows the graph's shape as curators change it and runs while it is mid-edit.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cmikg.build.loading import load_sources
from cmikg.config import Settings
from tests.bench.scripts import bench_module

ROOT = Path(__file__).resolve().parents[2]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def generate():
    return bench_module("generate")


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory) -> Path:
    sources = load_sources(Settings.discover(root=ROOT))
    path = tmp_path_factory.mktemp("seed") / "seed.nt"
    sources.union().serialize(path, format="nt", encoding="utf-8")
    return path


def triples(path: Path) -> list[ox.Triple]:
    return list(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))


def shape(found: list[ox.Triple]) -> tuple[set[str], set[str]]:
    """The classes used and the predicates used."""
    classes = {t.object.value for t in found if t.predicate.value == RDF_TYPE}
    return classes, {t.predicate.value for t in found}


def test_same_seed_same_bytes_other_seed_other_numbers(generate, seed_file, tmp_path):
    size = 3 * len(triples(seed_file))
    first, second, other = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    generate.generate(seed_file, first, size, seed=7)
    generate.generate(seed_file, second, size, seed=7)
    generate.generate(seed_file, other, size, seed=8)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_scale_up_keeps_the_shape(generate, seed_file, tmp_path):
    source = triples(seed_file)
    seed = generate.read_seed(seed_file)
    target = tmp_path / "scaled.nt"
    written = generate.generate(seed_file, target, 4 * len(source), seed=7)
    out = triples(target)
    copies = generate.copies_for(seed, 4 * len(source))
    assert copies > 1
    assert written == len(out) == len(seed.shared) + copies * len(seed.copied)
    assert shape(out) == shape(source)
    assert {str(t) for t in source} <= {str(t) for t in out}, "copy 0 is the input itself"
    last = {t.subject.value for t in out if t.subject.value.endswith(f"-copy{copies - 1}")}
    assert len(last) == len({t.subject.value for t in seed.copied})

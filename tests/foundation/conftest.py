"""A throw-away project holding the ontology, the shapes and a small real slice of data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cmikg.config import Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mini_project(copy_project) -> Settings:
    settings = copy_project(with_graph=False)
    shutil.copyfile(FIXTURES / "mini.ttl", settings.graph_dir / "mini.ttl")
    shutil.copyfile(FIXTURES / "tensions-dismissed.csv", settings.graph_dir / "tensions-dismissed.csv")
    return settings

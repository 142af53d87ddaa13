"""examples/research-questions.ipynb runs offline on the built dataset and draws its three figures."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest

from cmikg.config import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # runs the notebook in a Jupyter kernel

NOTEBOOK = ROOT / "examples" / "research-questions.ipynb"
FIGURES = ("personnel-abroad-over-time.png", "claims-by-source-kind-and-period.png", "host-countries.png")


def outputs(notebook: nbformat.NotebookNode) -> list[str]:
    """The plain-text result of each code cell, in order."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            texts.append("".join(str(o.get("data", {}).get("text/plain", o.get("text", ""))) for o in cell.outputs))
    return texts


def test_the_notebook_answers_its_three_questions(built: Settings, artifacts: Path, monkeypatch) -> None:
    figures = artifacts / "notebook"
    for name in FIGURES:
        (figures / name).unlink(missing_ok=True)
    monkeypatch.setenv("CMIKG_DIST", str(built.dist))
    monkeypatch.setenv("CMIKG_FIGURES", str(figures))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    opened, personnel, kinds, hosts = outputs(notebook)
    assert str(built.dist) in opened
    # The article: Granma counts 50,000 medical staff abroad in 2015; "more than 25,000" physicians in 2005.
    assert "50000" in personnel and "Granma" in personnel and "more than" in personnel
    assert "academic" in kinds and "encyclopedia" in kinds
    # Haiti hosted Cuban missions (after the 1998 hurricanes and the 2010 earthquake); its ISO code is HT.
    assert any(line.split()[1:3] == ["Haiti", "Q790"] and "HT" in line for line in hosts.splitlines()[1:])
    for name in FIGURES:
        assert (figures / name).stat().st_size > 10_000, f"{name} was not drawn"

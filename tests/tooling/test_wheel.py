"""A built wheel carries the dataset: installed in a fresh venv outside the checkout, cmikg.open() works."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from cmikg.config import Settings

ROOT = Path(__file__).resolve().parents[2]
#: What a wheel is built from; the build's dist/ is copied in beside them.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "src", "queries")


def run(args: list[str], cwd: Path, timeout: float = 300) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_an_installed_wheel_opens_the_dataset_without_a_checkout(built: Settings, tmp_path: Path) -> None:
    project = tmp_path / "project"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            project.mkdir(exist_ok=True)
            shutil.copy2(source, project / name)
    shutil.copytree(built.dist, project / "dist")
    run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(tmp_path / "wheels")], project)
    (wheel,) = (tmp_path / "wheels").glob("cmikg-*.whl")

    env = tmp_path / "fresh-venv"
    venv.create(env, with_pip=True)
    python = str(env / "bin" / "python")
    run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel), "pyoxigraph"], tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run([python, "-c", "import cmikg; print(len(cmikg.open().claims()))"], elsewhere)
    claims = sum(1 for _ in open(built.dist / "claims.csv", encoding="utf-8")) - 1
    assert out.strip() == str(claims)
    where = run([python, "-c", "import cmikg; print(cmikg.open())"], elsewhere)
    assert "fresh-venv" in where and str(ROOT) not in where

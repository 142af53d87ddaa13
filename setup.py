"""Put the built dataset inside the wheel, so ``pip install cmikg-*.whl`` needs no clone and no build.

``python -m build`` or ``pip wheel .`` copies the files ``dist/SHA256SUMS`` lists, and the
queries the Python API asks (``queries/*.rq`` and ``queries/tables/``), into
``cmikg/data/``. A wheel is refused when ``dist/`` has not been built. Editable installs
read the checkout's own ``dist/`` and ``queries/`` instead, so nothing is copied for them.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithDataset(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "cmikg" / "data"
        shutil.rmtree(target, ignore_errors=True)
        copy_dataset(target / "dist")
        copy_queries(target / "queries")


def copy_dataset(target: Path) -> None:
    sums = ROOT / "dist" / "SHA256SUMS"
    if not sums.is_file():
        raise SystemExit("dist/SHA256SUMS: no built dataset to put in the wheel; run `cmikg build` first")
    target.mkdir(parents=True)
    names = [line.split("  ", 1)[1].strip() for line in sums.read_text(encoding="utf-8").splitlines() if "  " in line]
    for name in [*names, "SHA256SUMS"]:
        shutil.copy2(ROOT / "dist" / name, target / name)


def copy_queries(target: Path) -> None:
    (target / "tables").mkdir(parents=True)
    for path in (ROOT / "queries").glob("*.rq"):
        shutil.copy2(path, target / path.name)
    for path in (ROOT / "queries" / "tables").iterdir():
        shutil.copy2(path, target / "tables" / path.name)


setup(cmdclass={"build_py": BuildWithDataset})

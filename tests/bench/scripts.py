"""bench/ is a folder of scripts, not a package: its tests load each script by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def bench_module(name: str) -> ModuleType:
    """bench/<name>.py as a module (registered as ``bench_<name>``, loaded once)."""
    key = f"bench_{name}"
    if str(ROOT / "bench") not in sys.path:  # the scripts import each other by name, as run.py lets them
        sys.path.insert(0, str(ROOT / "bench"))
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "bench" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]

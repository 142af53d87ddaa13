"""The reconciliation service under test: in-process through Flask's test client, and as a
real ``cmikg serve`` on 127.0.0.1; every answer is checked against the specification's own
JSON Schemas, read from the reference copy beside the project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from cmikg.config import Settings
from tests.conftest import ROOT, free_port, serve_command, start_process, starts, stop_process

SCHEMAS = ROOT.parent / "shared" / "reference" / "reconciliation-api-0.2"


class Schemas:
    """Validators for the specification's schemas, with ``type.json`` and friends resolved locally."""

    def __init__(self, folder: Path):
        assert folder.is_dir(), f"the reconciliation API's schemas are expected in {folder}"
        self.documents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}
        resources = []
        for name, doc in self.documents.items():
            resource = Resource(contents=doc, specification=DRAFT7)
            resources += [(doc.get("$id", name), resource), (name, resource)]
            base = doc.get("$id", "").rsplit("/", 1)[0]
            for other in self.documents:
                resources.append((f"{base}/{other}", Resource(contents=self.documents[other], specification=DRAFT7)))
        self.registry = Registry().with_resources(resources)

    def check(self, name: str, instance: object) -> None:
        """Fail with every violation listed when ``instance`` does not conform to ``name``."""
        validator = Draft7Validator(self.documents[name], registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:10]]


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    return Schemas(SCHEMAS)


@pytest.fixture(scope="session")
@starts("server")
def served(built: Settings):
    """``cmikg serve`` (gunicorn) over the built graph; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = serve_command(built, port, "--workers", "2")
    process = start_process(args, f"{base}/health", timeout=120)
    yield base
    stop_process(process)

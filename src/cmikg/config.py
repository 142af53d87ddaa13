"""Where things are and how the service behaves: one object, built once, passed around.

Every other module takes a :class:`Settings` instead of reading paths or environment
variables itself, so tests can point a whole run at a temporary copy of the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from cmikg import dist

ONTOLOGY_FILE = Path("ontology/cmi.ttl")


class ProjectNotFound(RuntimeError):
    """Raised when no folder with ``ontology/cmi.ttl`` can be found."""


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (or $CMIKG_HOME) holding the ontology."""
    env = os.environ.get("CMIKG_HOME")
    if env:
        root = Path(env).resolve()
        if (root / ONTOLOGY_FILE).is_file():
            return root
        raise ProjectNotFound(f"CMIKG_HOME={env} has no {ONTOLOGY_FILE}")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ONTOLOGY_FILE).is_file():
            return folder
    raise ProjectNotFound(
        f"no {ONTOLOGY_FILE} in {here} or above it: run cmikg inside a cmikg checkout, or set CMIKG_HOME"
    )


@dataclass(frozen=True)
class Settings:
    """Paths of the project and limits of the service."""

    root: Path
    dist: Path
    # service limits
    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_body_bytes: int = 1_000_000
    service_allowlist: tuple[str, ...] = ("https://query.wikidata.org/sparql",)
    #: Where an allowed SERVICE IRI is actually sent (lets tests use a local stand-in).
    service_map: dict[str, str] = field(default_factory=dict)
    public_base: str = ""
    #: Host header values (``name`` or ``name:port``) trusted to build absolute URLs when
    #: no ``public_base`` is set; any other Host gets ``default_base``.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")
    default_base: str = "http://localhost/"
    #: Query threads per HTTP worker (gunicorn runs a few more for pages: guard/admission.py).
    threads: int = 4
    #: Client queries one address may run at once per HTTP worker (0: half the slots).
    max_client_queries: int = 0

    @classmethod
    def discover(cls, root: Path | None = None, dist: Path | None = None) -> Settings:
        base = Path(root).resolve() if root else find_project_root()
        return cls(root=base, dist=Path(dist).resolve() if dist else base / "dist")

    @classmethod
    def for_dist(cls, root: Path | None = None, dist: Path | None = None) -> Settings:
        """Settings for what only reads a built ``dist/`` (the service): given ``dist``, no
        checkout is needed, since ``dist/`` carries everything the service reads."""
        if dist is None or root is not None:
            return cls.discover(root, dist)
        try:
            return cls.discover(None, dist)
        except ProjectNotFound:
            folder = Path(dist).resolve()
            return cls(root=folder, dist=folder)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @property
    def ontology_file(self) -> Path:
        return self.root / ONTOLOGY_FILE

    @property
    def graph_dir(self) -> Path:
        return self.root / "graph"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dataset_file(self) -> Path:
        """The canonical N-Triples dump: what every store loads."""
        return self.dist / dist.DUMP_NT

    def rel(self, path: Path) -> str:
        """A path as users see it in messages: relative to the project root."""
        try:
            return str(Path(path).resolve().relative_to(self.root))
        except ValueError:
            return str(path)

"""One table per fact: media types are written only in the format table, and ``dist/`` holds
exactly what its manifest lists, served with the manifest's media types and described by
VoID's DCAT distributions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from cmikg import dist
from cmikg.config import Settings
from cmikg.namespaces import DATASET, DCAT
from cmikg.service.app import create_app
from cmikg.sparql import formats

PACKAGE = Path(formats.__file__).resolve().parents[1]
_QUOTED = re.compile(r"[\"']([a-z]+/[a-z0-9.+-]+)[\"']")


@pytest.fixture(scope="module")
def client(built: Settings) -> FlaskClient:
    return create_app(built).test_client()


def test_media_types_are_written_only_in_the_format_table():
    known = {t for f in formats.ALL for t in (f.media_type, *f.aliases)}
    table = Path(formats.__file__).resolve()
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.resolve() != table
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(m.group(1) in known for m in _QUOTED.finditer(line))
    ]
    assert found == []


def test_every_format_has_its_media_type_once_per_choice():
    groups = (
        formats.RESULT_FORMATS,
        formats.GRAPH_FORMATS,
        formats.DOCUMENT_FORMATS,
        formats.QUERY_FILE_FORMATS,
        formats.QUERY_PAGE_DOWNLOADS,
    )
    for group in groups:
        assert len({f.media_type for f in group}) == len(group)
        assert len({f.suffix for f in group}) == len(group)


def test_dist_holds_exactly_what_the_manifest_lists(built: Settings):
    files = {p.name for p in built.dist.iterdir() if p.is_file()}
    folders = {p.name for p in built.dist.iterdir() if p.is_dir()}
    assert all(dist.entry(name) is not None for name in files), sorted(n for n in files if dist.entry(n) is None)
    assert {f.name for f in dist.FILES if "*" not in f.name} <= files
    assert folders == {f.name for f in dist.FOLDERS}
    listed = {line.split("  ", 1)[1] for line in (built.dist / dist.CHECKSUMS).read_text().splitlines()}
    assert listed == {name for name in files if dist.checksummed(name)}


def test_downloads_carry_the_manifests_media_type(built: Settings, client: FlaskClient):
    for path in sorted(built.dist.iterdir()):
        if path.is_file() and dist.downloadable(path.name):
            response = client.get(f"/download/{path.name}")
            assert response.status_code == 200, path.name
            assert response.mimetype == dist.media_type(path.name), path.name
    assert client.get("/download/queries").status_code == 404


def test_void_lists_every_named_download_as_a_dcat_distribution(built: Settings):
    void = Graph().parse(built.dist / dist.VOID, format="turtle")
    named = {URIRef(str(d)) for d in void.objects(DATASET, DCAT.distribution)}
    expected = {f.name for f in dist.distributions()}
    assert {str(d).rsplit("/", 1)[1] for d in named} == expected
    for download in named:
        media = str(void.value(download, DCAT.mediaType)).rsplit("media-types/", 1)[1]
        assert media == dist.media_type(str(download).rsplit("/", 1)[1])


def test_the_rdflib_namespaces_are_the_iris_of_the_one_table():
    """``cmikg.iris`` writes each namespace once; ``cmikg.namespaces`` gives the build the same
    IRIs as rdflib terms (rdflib's own W3C vocabularies included: they must agree)."""
    from cmikg import iris, namespaces

    for name in namespaces.__all__:
        assert str(getattr(namespaces, name)) == str(getattr(iris, name)), name
    assert namespaces.PREFIXES is iris.PREFIXES
    assert str(namespaces.CMI.Country) == iris.CMI.Country == iris.CMI["Country"]
    assert type(iris.CMI.Country) is str and iris.CMI.title == iris.CMI + "title"

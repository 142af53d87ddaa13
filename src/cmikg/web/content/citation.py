"""How to cite this version of the dataset: BibTeX and CSL-JSON, built from the graph's own description.

Both name the version and the SHA-256 of ``cmikg.nt``, so a reader of a paper can fetch
exactly the data it used and check it; they carry no author the graph does not give
(BibTeX's ``@misc`` and CSL's ``dataset`` need none) and credit the source article.
"""

from __future__ import annotations

import json

from cmikg.web.content.dataset_info import About


def key(version: str) -> str:
    return "cmikg-" + "".join(c if c.isalnum() else "-" for c in version)


def _note(about: About, sha256: str) -> str:
    parts = []
    if sha256:
        parts.append(f"SHA-256 of cmikg.nt: {sha256}")
    if about.source_label:
        licence = f" ({about.source_licence_name})" if about.source_licence else ""
        parts.append(f"Derived from {about.source_label}{licence}")
    return ". ".join(parts)


def _bibtex_escape(text: str) -> str:
    return "".join("\\" + c if c in "{}%&$#_" else c for c in text)


def bibtex(about: About, version: str, sha256: str) -> str:
    """A BibTeX ``@misc`` entry for this version."""
    fields = {
        "title": "{" + _bibtex_escape(about.title) + "}",
        "version": _bibtex_escape(version),
        "url": about.iri,
        "howpublished": "\\url{" + about.iri + "}",
        "note": _bibtex_escape(_note(about, sha256)),
    }
    if about.licence:
        fields["copyright"] = about.licence_name
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@misc{{{key(version)},\n{body}\n}}\n"


def csl_json(about: About, version: str, sha256: str) -> str:
    """A CSL-JSON item (what Zotero, Pandoc and citeproc read) for this version."""
    item = {
        "id": key(version),
        "type": "dataset",
        "title": about.title,
        "version": version,
        "URL": about.iri,
        "note": _note(about, sha256),
    }
    if about.licence:
        item["license"] = about.licence
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"

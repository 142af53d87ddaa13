"""The example queries of ``queries/*.rq`` as a gallery: each file's first comment is its question.

Only the top folder is listed; ``queries/pages/`` holds the queries behind the web pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cmikg import dist
from cmikg.config import Settings

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Example:
    name: str
    question: str
    text: str


def question_of(text: str, fallback: str) -> str:
    """The first comment line, without its ``#``: the plain-language question the query answers."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            return stripped.lstrip("#").strip() or fallback
        if stripped:
            break
    return fallback


def examples(settings: Settings) -> list[Example]:
    found = []
    for path in sorted(dist.queries_dir(settings.dist).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        found.append(Example(path.stem, question_of(text, path.stem.replace("-", " ")), text))
    return found


def example(settings: Settings, name: str) -> Example | None:
    """One example by file name (without ``.rq``); None for an unknown or unsafe name."""
    if not _NAME.match(name or ""):
        return None
    return next((e for e in examples(settings) if e.name == name), None)

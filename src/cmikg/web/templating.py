"""What every page template can call: links for IRIs, number and date formats, the site's name.

Both page blueprints install these once on the app, so a template written for one works
when rendered by the other.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app
from flask.sansio.app import App

from cmikg.iris import BASE
from cmikg.service.app import backend_of
from cmikg.web.content.dataset_info import about, licence_name
from cmikg.web.content.page_queries import text
from cmikg.web.formatting import number, size, when
from cmikg.web.links import entity_path, href, linkable, short

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"


def blueprint(name: str, import_name: str, **options) -> Blueprint:
    """A blueprint that renders the package's templates and installs the shared helpers."""
    bp = Blueprint(name, import_name, template_folder=str(TEMPLATES), **options)
    bp.record_once(lambda state: install(state.app))
    return bp


def install(app: App) -> None:
    if app.extensions.get("cmikg.templating"):
        return
    app.extensions["cmikg.templating"] = True
    app.jinja_env.filters.update(
        href=href,
        short=short,
        number=number,
        when=when,
        entity_path=entity_path,
        licence_name=licence_name,
        filesize=size,
    )
    app.jinja_env.globals.update(text=text)
    app.jinja_env.tests["linkable"] = linkable
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site() -> dict:
        return {"site": {"version": backend_of(current_app).version(), "base": BASE, "dataset": about()}}

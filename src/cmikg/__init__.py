"""cmikg: the open knowledge graph of Cuban medical internationalism."""

__version__ = "0.1.0"


def open(location=None):  # noqa: A001 - cmikg.open() is the documented entry point
    """Open the dataset: the built one shipped with the package (no argument), a ``dist/``
    folder, or a running SPARQL endpoint (a URL).

    >>> import cmikg
    >>> kg = cmikg.open()
    >>> kg.claims(kind="criticism")

    Only pyoxigraph (and requests, for an endpoint) are imported: no web framework, reasoner
    or SHACL engine.
    """
    from cmikg.api import open_graph

    return open_graph(location)

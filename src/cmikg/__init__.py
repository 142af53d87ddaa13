"""cmikg: the open knowledge graph of Cuban medical internationalism."""

__version__ = "0.1.0"

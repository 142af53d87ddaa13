"""The graph from Python: ``kg = cmikg.open()``, then claims, entities, sources and queries as tables.

Embedded (the dataset shipped in the installed package, or a checkout's ``dist/``) or remote
(any SPARQL 1.1 endpoint serving the dataset, such as ``cmikg serve``): the same calls give
the same tables, because both run the same SPARQL and read the same SPARQL JSON results.
pandas is optional (``pip install 'cmikg[pandas]'``); without it every table is a list of
dicts.
"""

from cmikg.api.graph import Entity, KnowledgeGraph, open_graph
from cmikg.api.rows import Rows

__all__ = ["Entity", "KnowledgeGraph", "Rows", "open_graph"]

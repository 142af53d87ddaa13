"""The W3C Entity Reconciliation API (version 0.2, the one OpenRefine 3.x speaks) at ``/reconcile``.

A researcher's spreadsheet column of names ("Venezuela", "ELAM", "Huracán Mitch") is matched
to the graph's entities, then extended with their facts (a mission's host country, dates,
personnel, Wikidata item). Modules:

- :mod:`~cmikg.reconcile.index`: the entities, their names and facts, read through the guarded
  backend once per dataset version (``queries/reconcile/*.rq``);
- :mod:`~cmikg.reconcile.requests`: reading and checking the JSON a client sends (every
  problem a 4xx naming the parameter);
- :mod:`~cmikg.reconcile.matching`: scores and ``match`` decisions;
- :mod:`~cmikg.reconcile.extension`: data extension and property proposals;
- :mod:`~cmikg.reconcile.routes`: the blueprint (manifest, queries, suggest, preview, extend).

See ``docs/reconciliation.md`` for the scoring and the limits.
"""

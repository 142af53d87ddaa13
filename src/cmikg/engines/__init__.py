"""The query engines behind the service, all behind one interface (:mod:`backend`).

:mod:`embedded` runs pyoxigraph in worker processes (:mod:`workers`) over an in-memory or
on-disk store (:mod:`store`); :mod:`remote` answers from an external SPARQL store that
``cmikg publish`` filled.
"""

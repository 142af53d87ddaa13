"""``cmikg publish``: the built dataset sent to an external triple store (:mod:`publisher`),
laid out there as :mod:`layout` describes for the remote engine that reads it.
"""

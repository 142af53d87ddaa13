"""What stands between a request and an engine: the checks on the query text, the limits,
and the SERVICE allowlist with the federated calls it permits.
"""

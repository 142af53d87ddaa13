"""The SPARQL 1.1 Protocol at ``/sparql``: the route, the formats, form decoding, and the
Service Description.
"""

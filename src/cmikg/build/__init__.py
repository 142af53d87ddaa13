"""The build: hand-edited files in, a checked and self-contained ``dist/`` out.

Modules in the order the data flows through them: :mod:`loading` (files to graphs),
:mod:`validation` (SHACL), :mod:`reasoning` (OWL consistency), :mod:`evidence` (quotes
against the source text), :mod:`derivation` (the triples the build adds), :mod:`context`
(the JSON-LD context), :mod:`pipeline` (the steps in order, written to ``dist/``) and
:mod:`stats` (the counts reported at the end).
"""

"""Deterministic synthetic scale-ups of the built graph, for benchmarks at 100k and 1M triples.

The real graph is a few thousand triples; a store's behaviour at that size says little about
it at a hundred times more. Rather than invent a different dataset, the generator replicates
the real one: copy 0 is the input as it is, and each further copy renames every entity,
claim and reference IRI with a suffix (``...-copy7``), tags labels with the copy number and
scales every number of a subject by one factor drawn for that subject and copy. The copies
therefore keep the shape (the same classes, predicates, claim -> reference -> source
pattern, language tags and Wikidata links), while the numbers differ so that ORDER BY,
FILTER and aggregates do real work. The ontology, the dataset description and blank
nodes (OWL axioms) appear once.

The same input, seed and size give byte-identical output: no set or dict iteration order,
no hash randomisation (factors come from BLAKE2 of the seed, copy and subject).

    python bench/generate.py dist/cmikg.nt bench/data/cmikg-100k.nt --triples 100000
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

#: IRIs under this prefix are the project's own entities, claims and references: they are copied.
ID_PREFIX = "https://w3id.org/cmikg/id/"
#: The one IRI under ID_PREFIX that names the dataset itself: never copied.
DATASET_IRI = ID_PREFIX + "dataset"
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
    )
}
DECIMAL_TYPES = {XSD + "decimal", XSD + "double", XSD + "float"}
LABEL_PREDICATES = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel"}
#: Scale factors for numbers in copies are drawn from [1 - SPREAD, 1 + SPREAD].
SPREAD = 0.25
DEFAULT_SEED = 20240601


@dataclass(frozen=True)
class SeedGraph:
    """The input split into what is written once and what every copy repeats."""

    shared: list[str]  # N-Triples lines written once
    copied: list[ox.Triple]  # triples whose subject is a project entity


def is_copied(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(ID_PREFIX) and term.value != DATASET_IRI


def read_seed(path: Path) -> SeedGraph:
    """Parse the input, sorted so that the output does not depend on the input's order."""
    triples = sorted(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES), key=str)
    shared = [f"{t} .\n" for t in triples if not is_copied(t.subject)]
    return SeedGraph(shared, [t for t in triples if is_copied(t.subject)])


def copies_for(seed: SeedGraph, triples: int) -> int:
    """How many copies (the original included) come closest to ``triples`` in all."""
    per_copy = max(1, len(seed.copied))
    return max(1, round((triples - len(seed.shared)) / per_copy))


def factor(seed: int, copy: int, subject: str) -> Decimal:
    """The scale factor of one subject's numbers in one copy: the same for all of them, so
    that bounds stay ordered (lower <= upper, start <= end)."""
    digest = hashlib.blake2b(f"{seed}\x00{copy}\x00{subject}".encode(), digest_size=8).digest()
    unit = Decimal(int.from_bytes(digest, "big")) / Decimal(2**64)
    return Decimal(1) - Decimal(str(SPREAD)) + unit * Decimal(str(2 * SPREAD))


def perturb(literal: ox.Literal, scale: Decimal) -> ox.Literal:
    """A number scaled by ``scale``, keeping its datatype (integers stay integers)."""
    kind = literal.datatype.value
    try:
        value = Decimal(literal.value)
    except ArithmeticError:
        return literal
    if kind in INTEGER_TYPES:
        scaled = int((value * scale).to_integral_value())
        if value >= 0:
            scaled = max(scaled, 0 if value == 0 else 1)
        return ox.Literal(str(scaled), datatype=literal.datatype)
    if kind in DECIMAL_TYPES and value.is_finite():
        exponent = min(value.as_tuple().exponent, -1)
        scaled = (value * scale).quantize(Decimal(1).scaleb(exponent))
        return ox.Literal(str(scaled), datatype=literal.datatype)
    return literal


def rename(term, copy: int):
    """The copy's name for a project IRI; every other term as it is."""
    if copy == 0 or not is_copied(term):
        return term
    return ox.NamedNode(f"{term.value}-copy{copy}")


def copy_object(triple: ox.Triple, copy: int, scale: Decimal):
    obj = triple.object
    if copy == 0 or not isinstance(obj, ox.Literal):
        return rename(obj, copy)
    if triple.predicate.value in LABEL_PREDICATES:
        text = f"{obj.value} ({copy})"
        return ox.Literal(text, language=obj.language) if obj.language else ox.Literal(text, datatype=obj.datatype)
    return perturb(obj, scale)


def copy_lines(seed: SeedGraph, copy: int, rng_seed: int) -> list[str]:
    """The N-Triples lines of one copy."""
    lines = []
    scales: dict[str, Decimal] = {}
    for triple in seed.copied:
        subject = triple.subject.value
        scale = scales.get(subject)
        if scale is None:
            scale = scales[subject] = factor(rng_seed, copy, subject)
        new = ox.Triple(rename(triple.subject, copy), triple.predicate, copy_object(triple, copy, scale))
        lines.append(f"{new} .\n")
    return lines


def generate(source: Path, target: Path, triples: int, seed: int = DEFAULT_SEED) -> int:
    """Write the scaled-up graph to ``target``; returns the number of triples written."""
    graph = read_seed(source)
    copies = copies_for(graph, triples)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    written = len(graph.shared)
    with partial.open("w", encoding="utf-8") as out:
        out.writelines(graph.shared)
        for copy in range(copies):
            lines = copy_lines(graph, copy, seed)
            out.writelines(lines)
            written += len(lines)
    partial.replace(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="input N-Triples (the built dist/cmikg.nt)")
    parser.add_argument("target", type=Path, help="output N-Triples")
    parser.add_argument("--triples", type=int, required=True, help="approximate size of the output")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        parser.error(f"{args.source}: no such file")
    written = generate(args.source, args.target, args.triples, args.seed)
    print(f"{args.target}: {written} triples")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

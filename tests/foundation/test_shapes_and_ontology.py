"""Shapes and ontology must agree: every targeted class and every path is declared."""

from __future__ import annotations

from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection

from cmikg.build.loading import load_shapes, parse_file
from cmikg.build.reasoning import declared_terms
from cmikg.config import Settings
from cmikg.namespaces import CMI, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS

BUILT_IN = (str(RDF), str(RDFS), str(OWL))
OA = Namespace("http://www.w3.org/ns/oa#")


def path_iris(shapes: Graph, path) -> set[URIRef]:
    """The property IRIs inside a SHACL property path (sequence, inverse, alternative...)."""
    if isinstance(path, URIRef):
        return {path}
    found: set[URIRef] = set()
    if (path, RDF.first, None) in shapes:
        for item in Collection(shapes, path):
            found |= path_iris(shapes, item)
    for key in (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        for inner in shapes.objects(path, key):
            found |= path_iris(shapes, inner)
    return found


def test_targets_and_paths_are_declared(project_root) -> None:
    settings = Settings.discover(root=project_root)
    ontology = parse_file(settings.ontology_file, settings)
    shapes = load_shapes(settings)
    classes, properties = declared_terms(ontology)
    targets = set(shapes.objects(None, SH.targetClass))
    assert targets, "the shapes target classes"
    assert targets - classes == set()
    paths = set()
    for path in shapes.objects(None, SH.path):
        paths |= path_iris(shapes, path)
    for prop in shapes.objects(None, SH.targetSubjectsOf):
        paths.add(prop)
    undeclared = {p for p in paths if p not in properties and not str(p).startswith(BUILT_IN)}
    assert undeclared == set()


def test_every_class_and_property_has_labels_and_a_definition(project_root) -> None:
    settings = Settings.discover(root=project_root)
    ontology = parse_file(settings.ontology_file, settings)
    classes, properties = declared_terms(ontology)
    own = {t for t in classes | properties if str(t).startswith("https://w3id.org/cmikg/")}
    assert own
    for term in own:
        langs = {label.language for label in ontology.objects(term, RDFS.label)}
        assert {"en", "es"} <= langs, term
        assert ontology.value(term, SKOS.definition) is not None, term


def test_top_classes_are_disjoint(project_root) -> None:
    settings = Settings.discover(root=project_root)
    ontology = parse_file(settings.ontology_file, settings)
    members = set()
    for axiom in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members |= set(Collection(ontology, ontology.value(axiom, OWL.members)))
    from cmikg.namespaces import CMI

    assert {
        CMI.Place,
        CMI.Program,
        CMI.MedicalMission,
        CMI.Event,
        CMI.Organization,
        CMI.Person,
        CMI.Source,
        CMI.Claim,
    } <= members
    assert not any(isinstance(m, BNode) for m in members)


def test_reused_terms_carry_only_their_declaration(project_root) -> None:
    """No label, definition, domain or range is added to another vocabulary's term."""
    settings = Settings.discover(root=project_root)
    ontology = parse_file(settings.ontology_file, settings)
    foreign = {
        (s, p, o)
        for s, p, o in ontology
        if isinstance(s, URIRef) and not str(s).startswith("https://w3id.org/cmikg/") and p != RDF.type
    }
    assert foreign == set()
    assert (PROV.wasDerivedFrom, RDF.type, OWL.ObjectProperty) in ontology


def test_quote_and_offsets_are_web_annotation_properties(project_root) -> None:
    settings = Settings.discover(root=project_root)
    ontology = parse_file(settings.ontology_file, settings)
    for term, parent in ((CMI.quote, OA.exact), (CMI.quoteStart, OA.start), (CMI.quoteEnd, OA.end)):
        assert (term, RDFS.subPropertyOf, parent) in ontology, term
        assert (parent, RDF.type, OWL.DatatypeProperty) in ontology, parent


def test_every_dublin_core_look_alike_says_why_it_exists(project_root) -> None:
    settings = Settings.discover(root=project_root)
    ontology = parse_file(settings.ontology_file, settings)
    alike = {s for s, o in ontology.subject_objects(SKOS.exactMatch) if str(o).startswith(str(DCTERMS))}
    assert len(alike) == 6, sorted(alike)
    for term in alike:
        note = ontology.value(term, SKOS.scopeNote)
        assert note is not None and "Why a cmi: property" in str(note), term


def test_every_hedge_and_every_link_between_claims_has_its_display_hints(project_root) -> None:
    settings = Settings.discover(root=project_root)
    ontology = parse_file(settings.ontology_file, settings)
    hedges = set(ontology.subjects(RDF.type, CMI.Approximation))
    assert len(hedges) >= 7
    for hedge in hedges:
        directions = [str(v) for v in ontology.objects(hedge, CMI.hedgeDirection)]
        assert len(directions) == 1 and directions[0] in ("above", "below", "about", "range", "exact"), hedge
    links = {p for p in ontology.subjects(RDFS.range, CMI.Claim) if (p, RDFS.domain, CMI.Claim) in ontology}
    assert {CMI.contradicts, CMI.disputes, CMI.disputedBy, CMI.inTensionWith, CMI.opposes} <= links
    orders = []
    for link in links:
        assert ontology.value(link, CMI.relationPhrase) is not None, link
        assert "claim" in {str(v) for v in ontology.objects(link, CMI.shownApart)}, link
        orders.append(int(ontology.value(link, CMI.displayOrder)))
    assert len(set(orders)) == len(orders), "each link between claims has its own place"

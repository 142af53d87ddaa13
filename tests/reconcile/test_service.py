"""The reconciliation service in process: manifest, queries, suggest, preview and extend on real
entities, every answer validated against the specification's schemas, and every bad input a
4xx naming the parameter."""

from __future__ import annotations

import json

import pytest

from cmikg.reconcile.parameters import MAX_BATCH, MAX_LIMIT


def reconcile(client, schemas, queries: dict) -> dict:
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    schemas.check("reconciliation-result-batch.json", body)
    return body


def top(body: dict, key: str) -> dict:
    assert body[key]["result"], f"{key}: no candidate"
    return body[key]["result"][0]


def test_manifest_names_the_spaces_types_and_services(client, schemas):
    response = client.get("/reconcile")
    manifest = response.get_json()
    schemas.check("manifest.json", manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "https://w3id.org/cmikg/id/"
    assert manifest["schemaSpace"] == "https://w3id.org/cmikg/ontology#"
    types = {t["id"] for t in manifest["defaultTypes"]}
    assert types == {"Country", "Program", "MedicalMission", "Event", "Organization", "Person", "Source"}
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert "{{id}}" in manifest["view"]["url"] and "{{id}}" in manifest["preview"]["url"]
    assert manifest["extend"]["propose_properties"]["service_path"] == "/reconcile/extend/propose"


def test_accents_case_spanish_names_and_aliases(client, schemas):
    body = reconcile(
        client,
        schemas,
        {
            "a": {"query": "HAITI", "type": "Country"},
            "b": {"query": "Huracan Mitch"},
            "c": {"query": "elam"},
            "d": {"query": "Terremoto de Haití de 2010", "type": "Event"},
        },
    )
    assert top(body, "a")["id"] == "country/hti" and top(body, "a")["match"] is True
    assert top(body, "b")["id"] == "event/hurricane-mitch" and top(body, "b")["score"] == 100
    assert top(body, "c")["id"] == "program/elam"
    assert top(body, "d")["id"] == "event/haiti-earthquake-2010"


def test_type_constraint_keeps_only_that_type(client, schemas):
    body = reconcile(client, schemas, {"q": {"query": "Venezuela", "type": "Organization", "limit": 10}})
    ids = [c["id"] for c in body["q"]["result"]]
    assert ids and all(i.startswith("org/") for i in ids), ids
    assert "country/ven" not in ids


def test_a_qid_matches_exactly_whatever_the_name(client, schemas):
    body = reconcile(
        client,
        schemas,
        {
            "right": {"query": "some spreadsheet spelling", "properties": [{"pid": "wikidata", "v": "Q717"}]},
            "wrong": {"query": "Venezuela", "properties": [{"pid": "wikidata", "v": "Q71"}]},
        },
    )
    assert [c["id"] for c in body["right"]["result"]] == ["country/ven"]
    assert body["right"]["result"][0]["match"] is True and body["right"]["result"][0]["score"] == 100
    assert body["wrong"]["result"] == []


def test_property_constraint_tells_missions_apart(client, schemas):
    query = {"query": "Cuban medical mission after Hurricanes Mitch and Georges", "type": "MedicalMission"}
    body = reconcile(
        client,
        schemas,
        {
            "hn": {**query, "properties": [{"pid": "hostCountry", "v": "Honduras"}]},
            "gt": {**query, "properties": [{"pid": "hostCountry", "v": {"id": "country/gtm"}}]},
            "ht": {**query, "properties": [{"pid": "hostCountry", "v": "Q790"}]},
        },
    )
    assert top(body, "hn")["id"] == "mission/honduras-1998-hurricanes"
    assert top(body, "gt")["id"] == "mission/guatemala-1998-hurricanes"
    assert top(body, "ht")["id"] == "mission/haiti-1998-hurricanes"
    assert {"id": "property:hostCountry", "value": 100.0} in top(body, "hn")["features"]


def test_suggest_entities_types_and_properties(client, schemas):
    entity = client.get("/reconcile/suggest/entity?prefix=venez").get_json()
    schemas.check("suggest-entities-response.json", entity)
    assert entity["result"][0]["id"] == "country/ven"
    elam = client.get("/reconcile/suggest/entity?prefix=ELA&type=Program").get_json()
    assert elam["result"][0]["id"] == "program/elam"  # its alias ELAM starts with the prefix
    quake = client.get("/reconcile/suggest/entity?prefix=2010 haiti").get_json()
    assert quake["result"][0]["id"] == "event/haiti-earthquake-2010"
    types = client.get("/reconcile/suggest/type?prefix=misi").get_json()
    schemas.check("suggest-types-response.json", types)
    assert [t["id"] for t in types["result"]] == ["MedicalMission"]
    props = client.get("/reconcile/suggest/property?prefix=host").get_json()
    schemas.check("suggest-properties-response.json", props)
    assert "hostCountry" in [p["id"] for p in props["result"]]


def test_preview_cards_for_real_entities(client):
    for eid, words in (
        ("country/ven", ("Venezuela", "Q717")),
        ("program/elam", ("Latin American School of Medicine", "Escuela Latinoamericana de Medicina", "ELAM")),
        ("event/haiti-earthquake-2010", ("2010 Haiti earthquake", "Terremoto de Haití de 2010")),
    ):
        response = client.get(f"/reconcile/preview?id={eid}")
        assert response.status_code == 200 and response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert all(w in page for w in words), (eid, words)
        assert "<script" not in page
    mission = client.get("/reconcile/preview?id=mission/haiti-2010-earthquake").get_data(as_text=True)
    assert "Haiti" in mission and "2010" in mission


def test_extend_missions_with_host_start_personnel_and_qid(client, schemas):
    proposed = client.get("/reconcile/extend/propose?type=MedicalMission").get_json()
    schemas.check("data-extension-property-proposal.json", proposed)
    offered = [p["id"] for p in proposed["properties"]]
    assert {"hostCountry", "startTime", "personnelCount", "wikidata"} <= set(offered), offered
    query = {
        "ids": ["mission/guatemala-1998-hurricanes", "mission/pakistan-2005-earthquake", "country/ven"],
        "properties": [{"id": p} for p in ("hostCountry", "startTime", "personnelCount", "wikidata")],
    }
    schemas.check("data-extension-query.json", query)
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    body = response.get_json()
    schemas.check("data-extension-response.json", body)
    gtm = body["rows"]["mission/guatemala-1998-hurricanes"]
    assert gtm["hostCountry"] == [{"id": "country/gtm", "name": "Guatemala"}]
    assert gtm["startTime"] == [{"date": "1998-01-01T00:00:00Z"}]
    assert {"int": 1700} in gtm["personnelCount"]  # "1,700 Cuban medical personnel" (2004)
    pak = body["rows"]["mission/pakistan-2005-earthquake"]
    assert pak["personnelCount"] == [{"str": "more than 2500"}]  # "more than 2,500 ...", never a bare 2500
    assert body["rows"]["country/ven"]["wikidata"] == [{"str": "Q717"}]


def test_cors_is_open_on_reconcile_routes_only(client):
    preflight = client.options(
        "/reconcile", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert client.get("/reconcile/suggest/type?prefix=c").headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in client.get("/reconcile").headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Headers" not in client.get("/search?q=cuba").headers


BAD = [
    ({"queries": "{not json"}, 400, "queries"),
    ({"queries": json.dumps(["Venezuela"])}, 400, "queries"),
    ({"queries": json.dumps({"q": {"query": "Cuba", "type": "Planet"}})}, 400, "queries.q.type"),
    ({"queries": json.dumps({"q": {"query": "Cuba", "properties": [{"pid": "colour", "v": "red"}]}})}, 400, "pid"),
    ({"queries": json.dumps({"q": {"query": "Cuba", "limit": 0}})}, 400, "queries.q.limit"),
    ({"queries": json.dumps({"q": {"query": "Cuba", "limit": 10_000}})}, 400, "queries.q.limit"),
    ({"queries": json.dumps({f"q{i}": {"query": "Cuba"} for i in range(1000)})}, 413, "queries"),
    ({"extend": json.dumps({"ids": ["country/xyz"], "properties": [{"id": "hostCountry"}]})}, 400, "extend.ids[0]"),
    ({"extend": json.dumps({"ids": ["country/ven"], "properties": [{"id": "colour"}]})}, 400, "extend.properties"),
]


@pytest.mark.parametrize(("data", "status", "parameter"), BAD)
def test_bad_input_is_a_4xx_naming_the_parameter(client, data, status, parameter):
    response = client.post("/reconcile", data=data)
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "error" and parameter in body["message"], body


def test_batch_cap_is_inclusive_and_suggest_limits_are_checked(client):
    at_cap = {f"q{i}": {"query": "Cuba", "limit": 1} for i in range(MAX_BATCH)}
    assert client.post("/reconcile", data={"queries": json.dumps(at_cap)}).status_code == 200
    over = client.get(f"/reconcile/suggest/entity?prefix=cu&limit={MAX_LIMIT + 1}")
    assert over.status_code == 400 and "limit" in over.get_json()["message"]
    assert client.get("/reconcile/suggest/entity").status_code == 400
    assert client.get("/reconcile/preview").status_code == 400
    assert client.get("/reconcile/preview?id=country/xyz").status_code == 404
    assert client.get("/reconcile/extend/propose?type=Planet").status_code == 400

"""The REST API for the registry and the assortment: shapes, filters, coded errors."""

import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_caller_gets_401_json(client):
    response = client.get("/api/v1/catalog/products")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_openapi_schema_is_published(anna_client):
    response = anna_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/catalog/products" in paths
    assert "/api/v1/registry/principals" in paths


def test_product_list_filters_and_paginates(anna_client):
    body = anna_client.get("/api/v1/catalog/products", {"status": "launched"}).json()
    assert body["count"] == 7
    rent = {p["article_number"]: p["monthly_rent"] for p in body["items"]}
    assert rent["DH-1007"] == "450.00"
    body = anna_client.get("/api/v1/catalog/products", {"q": "04 24 12"}).json()
    assert [p["article_number"] for p in body["items"]] == ["DH-1004"]


def test_invalid_filter_is_a_coded_400(anna_client):
    response = anna_client.get("/api/v1/catalog/products", {"area": "space"})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_area", "message": "Okänt område.", "field": "area"}


def test_bad_date_is_a_coded_400(anna_client):
    response = anna_client.get("/api/v1/catalog/products/DH-1007/guidance", {"on": "2024-13-40"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["field"] == "on"


def test_guidance_on_a_date(anna_client):
    before = anna_client.get("/api/v1/catalog/products/DH-1007/guidance", {"on": "2024-02-25"})
    assert before.status_code == 404
    assert before.json()["code"] == "no_guidance"
    body = anna_client.get("/api/v1/catalog/products/DH-1007/guidance", {"on": "2024-06-01"}).json()
    assert body["version"] == 1
    assert body["consultation_required"] is True
    assert [c["reference"] for c in body["codes"] if c["kind"] == "criterion"] == [
        "b144.2",
        "b117.2",
        "b164.2",
    ]
    assert {
        "action": "prescribe",
        "profession": "nurse",
        "care_setting": "municipal_primary_care",
    } in body["rules"]


def test_unknown_product_is_a_coded_404(anna_client):
    response = anna_client.get("/api/v1/catalog/products/NOPE")
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


def test_principals_and_agreement_parties(anna_client):
    body = anna_client.get("/api/v1/registry/principals", {"kind": "municipality"}).json()
    assert body["count"] == 49
    ale = anna_client.get("/api/v1/registry/principals/1440", {"on": "2024-01-01"}).json()
    assert ale["agreements"] == ["supply-health-care", "supply-health-care-supplement"]
    parties = anna_client.get(
        "/api/v1/registry/agreements/collaboration-digital-devices/parties", {"on": "2024-01-01"}
    ).json()
    assert len(parties) == 48


def test_list_endpoints_have_bounded_query_counts(anna_client, django_assert_max_num_queries):
    for url in (
        "/api/v1/catalog/products",
        "/api/v1/registry/principals",
        "/api/v1/registry/units",
    ):
        with django_assert_max_num_queries(5):
            assert anna_client.get(url).status_code == 200

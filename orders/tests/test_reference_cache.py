"""The reference rows an order step uses (product, guidance with its rules and codes,
unit with principal, prescriber, cost bearer, agreement signatures), kept per process
under the access generation (decision 0010): served from the cache while nothing
changed, read again at the next request after any change, whichever way it was
written (save, bulk update, raw SQL)."""

import itertools
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from catalog.models import GuidanceVersion, PrescriberRule, Product
from orders.models import Order, Patient
from orders.personal_numbers import luhn_check_digit
from orders.tests.helpers import BP, prescription, unit_of
from registry import access_cache
from registry.models import AgreementSignature, Principal, Unit

pytestmark = pytest.mark.django_db

REFERENCE_TABLES = (
    'FROM "catalog_product"',
    'FROM "catalog_guidanceversion"',
    'FROM "catalog_prescriberrule"',
    'FROM "catalog_guidancecode"',
    'FROM "registry_agreementsignature"',
    'FROM "registry_unit"',
)


@pytest.fixture
def nurse(anna):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=anna, name='t')[1]}"}


@pytest.fixture
def centre(lars):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=lars, name='t')[1]}"}


_numbers = itertools.count(1)


def _personal_number() -> str:
    n = next(_numbers) % 1000
    return f"19400101-{n:03d}{luhn_check_digit(f'400101{n:03d}')}"


def _prescribe(anna, nurse, **overrides):
    body = prescription(anna, personal_number=_personal_number(), **overrides)
    return Client().post(
        "/api/v1/orders", json.dumps(body), content_type="application/json", **nurse
    )


def _reference_reads(anna, nurse):
    body = prescription(anna, personal_number=_personal_number())
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            "/api/v1/orders", json.dumps(body), content_type="application/json", **nurse
        )
    reads = [q["sql"] for q in queries if any(t in q["sql"] for t in REFERENCE_TABLES)]
    return response, reads


def test_a_second_prescription_reads_no_reference_rows(anna, nurse):
    first, reads = _reference_reads(anna, nurse)
    assert first.status_code == 201, first.json()
    assert reads  # the first one read them
    second, reads = _reference_reads(anna, nurse)
    assert second.status_code == 201, second.json()
    assert reads == []
    assert second.json()["product"] == BP
    assert second.json()["guidance_version"] == first.json()["guidance_version"]


def test_cache_off_reads_them_every_time(anna, nurse, settings):
    settings.ACCESS_CACHE_ENTRIES = 0
    _prescribe(anna, nurse)
    response, reads = _reference_reads(anna, nurse)
    assert response.status_code == 201, response.json()
    assert reads


def test_a_signature_ended_by_a_bulk_update_refuses_the_next_prescription(anna, nurse):
    assert _prescribe(anna, nurse).status_code == 201
    principal = unit_of(anna).principal
    AgreementSignature.objects.filter(principal=principal).update(valid_until=timezone.localdate())
    orders = Order.objects.count()
    response = _prescribe(anna, nurse)
    assert response.status_code == 403
    assert response.json()["code"] == "principal_not_signed"
    assert Order.objects.count() == orders


def test_a_prescribing_right_removed_by_raw_sql_refuses_the_next_prescription(anna, nurse):
    assert _prescribe(anna, nurse).status_code == 201
    product = Product.objects.get(article_number=BP)
    guidance = GuidanceVersion.objects.filter(product=product).order_by("-valid_from")[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {PrescriberRule._meta.db_table} WHERE guidance_id = %s",  # noqa: S608
            [guidance.pk],
        )
    response = _prescribe(anna, nurse)
    assert response.status_code == 403
    assert response.json()["code"] == "profession_not_permitted"


def test_a_product_no_longer_launched_is_refused_at_once(anna, nurse):
    assert _prescribe(anna, nurse).status_code == 201
    Product.objects.filter(article_number=BP).update(status="phased_out")
    response = _prescribe(anna, nurse)
    assert response.status_code == 409
    assert response.json()["code"] == "product_not_launched"


def test_an_order_step_answers_with_the_unit_principal_as_it_is_now(anna, nurse, centre):
    first_id = _prescribe(anna, nurse).json()["id"]
    second_id = _prescribe(anna, nurse).json()["id"]
    accepted = Client().post(
        f"/api/v1/orders/{first_id}/accept", content_type="application/json", **centre
    )
    assert accepted.status_code == 200, accepted.json()
    unit = unit_of(anna)
    assert accepted.json()["principal"] == unit.principal.code
    other = Principal.objects.exclude(pk=unit.principal_id).order_by("code")[0]
    Unit.objects.filter(pk=unit.pk).update(principal=other)  # a reorganisation
    answer = (
        Client()
        .post(f"/api/v1/orders/{second_id}/accept", content_type="application/json", **centre)
        .json()
    )
    assert answer["status"] == "accepted"
    assert answer["principal"] == other.code


def test_a_renamed_article_number_shows_in_the_next_step(anna, nurse, centre):
    first_id = _prescribe(anna, nurse).json()["id"]
    second_id = _prescribe(anna, nurse).json()["id"]
    first = (
        Client()
        .post(f"/api/v1/orders/{first_id}/accept", content_type="application/json", **centre)
        .json()
    )
    assert first["product"] == BP
    Product.objects.filter(article_number=BP).update(article_number="DH-1001-B")
    answer = (
        Client()
        .post(f"/api/v1/orders/{second_id}/accept", content_type="application/json", **centre)
        .json()
    )
    assert answer["status"] == "accepted"
    assert answer["product"] == "DH-1001-B"


def test_a_served_row_cannot_be_changed_for_the_next_request(anna):
    unit = unit_of(anna)
    current = access_cache.current_generation()
    first = access_cache.row(Unit, unit.pk, current=current, related=("principal",))
    first.name = "Changed in memory"
    first.principal.name = "Changed too"
    again = access_cache.row(Unit, unit.pk, current=current, related=("principal",))
    assert again.name == unit.name
    assert again.principal.name == unit.principal.name


def test_rows_of_unwatched_tables_are_refused():
    with pytest.raises(ImproperlyConfigured):
        access_cache.row(Patient, 1, current=None)
    with pytest.raises(ImproperlyConfigured):
        access_cache.row(Order, 1, current=None, related=("product",))

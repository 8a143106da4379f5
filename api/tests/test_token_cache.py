"""A token's user, person and memberships kept per process (registry/access_cache.py):
served from the cache while nothing changed, read again after any change that decides
access, whichever way it was written."""

import json

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from orders.models import Order
from orders.tests.helpers import prescription
from registry import access_cache
from registry.models import AccessGeneration, Membership, Person, Principal, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(anna):
    _token, key = ApiToken.issue(user=anna, name="script")
    return key


def _get(key, path="/api/v1/orders"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {key}")


def _prescribe(key, user):
    return Client().post(
        "/api/v1/orders",
        json.dumps(prescription(user)),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def _token_reads(key):
    """The queries of one request that read the token table."""
    with CaptureQueriesContext(connection) as queries:
        assert _get(key).status_code == 200
    return [q["sql"] for q in queries if 'FROM "api_apitoken"' in q["sql"]]


def _generation():
    return AccessGeneration.objects.get(pk=1).value


def test_second_request_is_served_from_the_cache(token):
    assert len(_token_reads(token)) == 1
    assert _token_reads(token) == []


def test_cache_off_reads_the_token_every_time(token, settings):
    settings.ACCESS_CACHE_ENTRIES = 0
    assert len(_token_reads(token)) == 1
    assert len(_token_reads(token)) == 1


def test_revoked_token_is_refused_at_the_next_request(token):
    assert _get(token).status_code == 200
    api_token = ApiToken.objects.get()
    api_token.revoked = True
    api_token.save()
    response = _get(token)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_user_deactivated_by_a_bulk_update_is_refused(token, anna):
    assert _get(token).status_code == 200
    type(anna).objects.filter(pk=anna.pk).update(is_active=False)  # no signal, no save()
    assert _get(token).status_code == 401


def test_user_deactivated_by_raw_sql_is_refused(token, anna):
    assert _get(token).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("UPDATE auth_user SET is_active = %s WHERE id = %s", [False, anna.pk])
    assert _get(token).status_code == 401


def test_ended_membership_counts_from_the_next_request(token, anna):
    assert _prescribe(token, anna).status_code == 201
    Membership.objects.filter(person__user=anna).update(valid_until=timezone.localdate())
    response = _prescribe(token, anna)
    assert response.status_code == 403
    assert response.json()["code"] == "not_member_of_unit"
    assert Order.objects.count() == 1


def test_changed_profession_counts_from_the_next_request(token, anna):
    """A nurse who becomes a coordinator no longer sees patient data."""
    assert _get(token).status_code == 200
    Person.objects.filter(user=anna).update(profession="coordinator")
    response = _get(token)
    assert response.status_code == 403
    assert response.json()["code"] == "no_patient_access"


def test_last_used_stamp_does_not_change_the_generation(token):
    before = _generation()
    ApiToken.objects.update(last_used_at=None)  # the next request writes the stamp
    assert _get(token).status_code == 200
    assert ApiToken.objects.get().last_used_at is not None
    assert _generation() == before
    assert _token_reads(token) == []


def test_each_kind_of_change_gives_a_new_generation(anna):
    """Insert, update and delete on every watched table; a login stamp is not one."""
    person = Person.objects.get(user=anna)
    unit_id = Membership.objects.filter(person=person).values_list("unit_id", flat=True)[0]
    changes = {
        "token issued": lambda: ApiToken.issue(user=anna, name="another"),
        "token revoked": lambda: ApiToken.objects.update(revoked=True),
        "token deleted": lambda: ApiToken.objects.all().delete(),
        "user changed": lambda: type(anna).objects.filter(pk=anna.pk).update(first_name="A"),
        "person changed": lambda: Person.objects.filter(pk=person.pk).update(phone="1"),
        "principal changed": lambda: Principal.objects.filter(pk=person.principal_id).update(
            name="Västra Götalandsregionen (test)"
        ),
        "unit changed": lambda: Unit.objects.filter(pk=unit_id).update(is_active=False),
        "membership changed": lambda: Membership.objects.filter(person=person).update(
            role="manager"
        ),
        "membership ended": lambda: Membership.objects.filter(person=person).delete(),
        "membership added": lambda: Membership.objects.create(
            person=person, unit_id=unit_id, valid_from=timezone.localdate()
        ),
    }
    for name, change in changes.items():
        before = _generation()
        change()
        assert _generation() != before, name
    before = _generation()
    type(anna).objects.filter(pk=anna.pk).update(last_login=timezone.now())
    assert _generation() == before


def test_rolled_back_change_leaves_the_generation_as_it_was(anna):
    before = _generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        Person.objects.filter(user=anna).update(phone="2")
        assert _generation() != before
        raise RuntimeError
    assert _generation() == before


def test_no_generation_row_means_no_cache(token):
    AccessGeneration.objects.all().delete()
    assert access_cache.generation() is None
    assert len(_token_reads(token)) == 1
    assert len(_token_reads(token)) == 1


def test_cache_keeps_the_most_recently_used_tokens(anna, settings):
    settings.ACCESS_CACHE_ENTRIES = 2
    keys = [ApiToken.issue(user=anna, name=f"t{i}")[1] for i in range(3)]
    for key in keys:
        assert len(_token_reads(key)) == 1
    assert _token_reads(keys[2]) == []  # kept
    assert len(_token_reads(keys[0])) == 1  # the least recently used was dropped


def test_a_request_cannot_change_what_the_next_one_gets(token, anna):
    name = anna.first_name
    access_cache.cached("token:x", lambda: anna)
    served = access_cache.cached("token:x", lambda: None)
    served.first_name = "Changed"
    assert access_cache.cached("token:x", lambda: None).first_name == name

"""Test set-up shared by every app: reference data loaded once, and named personas.

The personas are the demo people (bootstrap/demo_data.py), each a real user with a
person, a profession and a unit:

- ``anna``  – nurse at Närhälsan Majorna vårdcentral (region, regional primary care)
- ``erik``  – doctor at a Sahlgrenska ward (region, hospital)
- ``sara``  – nurse in Hemsjukvård Centrum (Göteborg, municipal primary care)
- ``ulla``  – nurse and manager of Hemsjukvård Centrum (Göteborg)
- ``peter`` – physiotherapist in Hemsjukvård Borås norr (Borås)
- ``maria`` – care manager at Biståndsenheten Centrum (Göteborg, social services)
- ``lars``  – device-centre staff (region)
- ``karin`` – coordinator, staff access to the admin for the assortment and registry
- ``admin`` – administrator (superuser)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from bootstrap.demo_data import demo_data_load
from catalog.reference_data import catalog_reference_load
from devices.models import Device
from orders.tests.helpers import BP, DISPENSER, register
from registry import access_cache
from registry.reference_data import registry_reference_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Load reference and demo data once; each test then runs in a rolled-back transaction."""
    with django_db_blocker.unblock():
        registry_reference_load()
        catalog_reference_load()
        demo_data_load()
    yield


@pytest.fixture(autouse=True)
def _cache_cleared() -> Iterator[None]:
    """Each test starts with empty caches: cached follow-up figures are keyed by a
    fingerprint of the data, and a rolled-back test can leave the same ids behind; the
    tokens a test's requests kept go with it."""
    cache.clear()
    access_cache.clear()
    yield
    cache.clear()
    access_cache.clear()


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def anna(db: None) -> User:
    return _user("anna.lind")


@pytest.fixture
def erik(db: None) -> User:
    return _user("erik.berg")


@pytest.fixture
def sara(db: None) -> User:
    return _user("sara.holm")


@pytest.fixture
def ulla(db: None) -> User:
    return _user("ulla.chef")


@pytest.fixture
def peter(db: None) -> User:
    return _user("peter.nord")


@pytest.fixture
def maria(db: None) -> User:
    return _user("maria.ek")


@pytest.fixture
def lars(db: None) -> User:
    return _user("lars.hmc")


@pytest.fixture
def karin(db: None) -> User:
    return _user("karin.samverkan")


@pytest.fixture
def admin_user(db: None) -> User:
    return _user("admin")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anna_client(anna: User) -> Client:
    return client_for(anna)


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    return client_for(admin_user)


@pytest.fixture
def lars_client(lars: User) -> Client:
    return client_for(lars)


@pytest.fixture
def sara_client(sara: User) -> Client:
    return client_for(sara)


@pytest.fixture
def peter_client(peter: User) -> Client:
    return client_for(peter)


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    """For tests on real transactions: the flush after each such test empties the
    database, so the data is loaded again (idempotently) before each one."""
    registry_reference_load()
    catalog_reference_load()
    demo_data_load()


@pytest.fixture
def bp_stock(lars: User) -> list[Device]:
    """Three blood pressure monitors; BP-OLD is the oldest."""
    return [
        register(BP, "BP-NEW", datetime.date(2024, 3, 1), lars),
        register(BP, "BP-OLD", datetime.date(2023, 8, 1), lars),
        register(BP, "BP-MID", datetime.date(2023, 11, 1), lars),
    ]


@pytest.fixture
def dispenser_stock(lars: User) -> list[Device]:
    return [register(DISPENSER, f"LMA-{i}", datetime.date(2024, 2, 1), lars) for i in range(2)]

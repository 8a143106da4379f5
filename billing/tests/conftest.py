import pytest
from django.contrib.auth.models import User
from django.test import Client

from conftest import client_for


@pytest.fixture
def olof(db: None) -> User:
    """The finance officer (Försörjningsförvaltningen, ekonomi)."""
    return User.objects.get(username="olof.ekonomi")


@pytest.fixture
def mats(db: None) -> User:
    """Skövde's finance contact: sees Skövde's own issued invoices."""
    return User.objects.get(username="mats.olsson")


@pytest.fixture
def olof_client(olof: User) -> Client:
    return client_for(olof)


@pytest.fixture
def mats_client(mats: User) -> Client:
    return client_for(mats)

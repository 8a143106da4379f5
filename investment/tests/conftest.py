"""Personas of the joint investment: the finance officer Olof and Skövde's finance
contact Mats (demo logins), on top of the shared personas of the root conftest."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from conftest import client_for
from investment.actions import investment_run_issue
from investment.models import InvestmentRun
from registry.models import Principal

ISSUED_ON = datetime.date(2022, 7, 1)


@pytest.fixture
def olof(db: None) -> User:
    return User.objects.get(username="olof.ekonomi")


@pytest.fixture
def mats(db: None) -> User:
    return User.objects.get(username="mats.olsson")


@pytest.fixture
def olof_client(olof: User) -> Client:
    return client_for(olof)


@pytest.fixture
def mats_client(mats: User) -> Client:
    return client_for(mats)


@pytest.fixture
def skovde(db: None) -> Principal:
    return Principal.objects.get(code="1496")


@pytest.fixture
def goteborg(db: None) -> Principal:
    return Principal.objects.get(code="1480")


@pytest.fixture
def run(olof: User) -> InvestmentRun:
    return investment_run_issue(acting_user=olof, issued_on=ISSUED_ON)

import datetime

import pytest
from django.db.models import Sum

from catalog.models import GuidanceCode, GuidanceVersion, PrescriberRule, Product
from catalog.reference_data import catalog_reference_load
from core.models import DomainEvent
from registry.models import Agreement, AgreementSignature, Principal
from registry.reference_data import registry_reference_load
from registry.selectors import COLLABORATION_AGREEMENT, parties_on, principal_is_party

pytestmark = pytest.mark.django_db


def _snapshot():
    models = [
        Principal,
        Agreement,
        AgreementSignature,
        Product,
        GuidanceVersion,
        PrescriberRule,
        GuidanceCode,
        DomainEvent,
    ]
    return {m.__name__: sorted(map(repr, m._default_manager.values())) for m in models}


def test_loading_reference_data_again_changes_nothing():
    # The session fixture loaded it once already.
    before = _snapshot()
    counts = registry_reference_load()
    counts.update(catalog_reference_load())
    assert sum(counts.values()) == 0
    assert _snapshot() == before


def test_fifty_principals_and_populations_sum_to_the_regions():
    assert Principal.objects.count() == 50
    region = Principal.objects.get(kind="region")
    assert region.code == "14"
    assert region.population == 1_744_859
    municipalities = Principal.objects.filter(kind="municipality")
    assert municipalities.count() == 49
    assert municipalities.aggregate(total=Sum("population"))["total"] == 1_744_859
    assert region.population_date == datetime.date(2021, 12, 31)


def test_seed_misspellings_corrected():
    names = set(Principal.objects.values_list("name", flat=True))
    assert {"Bengtsfors", "Mölndal"} <= names
    assert not {"Bengtstors", "Mölnadal"} & names


def test_all_but_ale_and_alingsas_signed_the_collaboration():
    day = datetime.date(2023, 6, 1)
    parties = parties_on(agreement_code=COLLABORATION_AGREEMENT, on=day)
    assert parties.count() == 48
    assert set(Principal.objects.exclude(pk__in=parties).values_list("name", flat=True)) == {
        "Ale",
        "Alingsås",
    }
    assert parties.filter(kind="region").exists()


def test_social_services_agreement_in_force_from_october_2023():
    ale = Principal.objects.get(name="Ale")
    borås = Principal.objects.get(name="Borås")
    assert not principal_is_party(
        principal=borås, agreement_code="supply-social-services", on=datetime.date(2023, 9, 30)
    )
    assert principal_is_party(
        principal=borås, agreement_code="supply-social-services", on=datetime.date(2023, 10, 1)
    )
    assert not principal_is_party(
        principal=ale, agreement_code="supply-social-services", on=datetime.date(2024, 1, 1)
    )
    assert (
        parties_on(agreement_code="supply-social-services", on=datetime.date(2024, 1, 1)).count()
        == 47
    )


def test_health_care_supply_agreement_has_its_supplement():
    supplement = Agreement.objects.get(code="supply-health-care-supplement")
    assert supplement.supplements is not None
    assert supplement.supplements.code == "supply-health-care"
    assert supplement.in_force_from == datetime.date(2023, 10, 1)
    assert supplement.signatures.count() == 50


def test_launched_assortment():
    launched = Product.objects.filter(status="launched")
    assert launched.count() == 7  # six products, two blood pressure monitor models
    assert launched.filter(name__icontains="blodtrycksmätare").count() == 2
    oximeter = Product.objects.get(name__icontains="pulsoximeter")
    assert oximeter.agreed_delivery_days == 17
    assert set(launched.exclude(pk=oximeter.pk).values_list("agreed_delivery_days", flat=True)) == {
        7
    }
    dispenser = Product.objects.get(article_number="DH-1007")
    assert dispenser.training_required
    assert dispenser.contract_start == datetime.date(2024, 2, 26)
    assert Product.objects.filter(status="in_procurement").count() == 4
    assert Product.objects.filter(status="proposed").count() == 4

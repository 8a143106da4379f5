"""Guidance versioning and prescribing rights."""

import datetime

import pytest
from django.utils import timezone

from catalog.actions import CodeSpec, RuleSpec, guidance_version_create, product_status_set
from catalog.choices import CodeKind, CostBearer, GuidanceAction, ProductStatus
from catalog.models import GuidanceVersion, Product
from catalog.selectors import (
    guidance_criteria,
    guidance_in_force,
    guidance_permits,
    guidance_prescribers,
    prescribing_right_check,
)
from core.errors import Conflict, InvalidInput
from core.models import DomainEvent
from registry.choices import CareSetting, Profession
from registry.models import Person

pytestmark = pytest.mark.django_db

DISPENSER = "DH-1007"


def dispenser() -> Product:
    return Product.objects.get(article_number=DISPENSER)


def dispenser_guidance_today() -> GuidanceVersion:
    guidance = guidance_in_force(product=dispenser())
    assert guidance is not None
    return guidance


def _new_version(product, valid_from, user, **overrides):
    kwargs = dict(
        product=product,
        valid_from=valid_from,
        handbook="health_care",
        cost_bearer=CostBearer.PRESCRIBING_PRINCIPAL,
        rules=[RuleSpec(GuidanceAction.PRESCRIBE, Profession.NURSE, CareSetting.HOSPITAL)],
        codes=[CodeSpec(CodeKind.CRITERION, "b144.3", "Svår nedsättning av minnesfunktioner")],
        acting_user=user,
    )
    kwargs.update(overrides)
    return guidance_version_create(**kwargs)


def test_medication_dispenser_guidance_is_the_seeds():
    guidance = guidance_in_force(product=dispenser(), on=datetime.date(2024, 6, 1))
    assert guidance is not None
    assert guidance.valid_from == datetime.date(2024, 2, 26)
    assert guidance.criteria_rule == "any"
    assert guidance.consultation_required is True
    assert guidance.source == "seed"
    rules = {(r.action, r.profession, r.care_setting) for r in guidance.rules.all()}
    assert rules == {
        ("prescribe", "doctor", "hospital"),
        ("prescribe", "doctor", "regional_primary_care"),
        ("prescribe", "nurse", "hospital"),
        ("prescribe", "nurse", "regional_primary_care"),
        ("prescribe", "nurse", "municipal_primary_care"),
    }
    criteria = [c.reference for c in guidance_criteria(guidance)]
    assert criteria == ["b144.2", "b117.2", "b164.2"]
    goals = [(c.reference, c.wording) for c in guidance.codes.filter(kind="goal")]
    assert goals == [("d57020", "Att kunna hantera mediciner och följa hälsoråd")]
    assert "krav på IT-miljö" in guidance.text


def test_no_guidance_before_its_first_version():
    assert guidance_in_force(product=dispenser(), on=datetime.date(2024, 2, 25)) is None


def test_new_version_applies_from_its_date_and_old_one_stays(karin):
    product = dispenser()
    first = guidance_in_force(product=product, on=timezone.localdate())
    assert first is not None
    start = timezone.localdate() + datetime.timedelta(days=10)
    second = _new_version(product, start, karin)

    assert second.version == first.version + 1
    assert guidance_in_force(product=product, on=start - datetime.timedelta(days=1)) == first
    assert guidance_in_force(product=product, on=start) == second
    # The first version is untouched: its rules and codes are still there.
    first.refresh_from_db()
    assert first.rules.count() == 5
    assert [c.reference for c in guidance_criteria(first)] == ["b144.2", "b117.2", "b164.2"]
    event = DomainEvent.objects.get(kind="guidance.version_created", object_id=str(second.pk))
    assert event.actor == karin
    assert event.data["version"] == second.version


def test_new_version_cannot_apply_from_the_past(karin):
    with pytest.raises(InvalidInput) as exc:
        _new_version(dispenser(), timezone.localdate() - datetime.timedelta(days=1), karin)
    assert exc.value.code == "guidance_date_in_past"
    assert GuidanceVersion.objects.filter(product=dispenser()).count() == 1


def test_new_version_must_come_after_the_latest(karin):
    later = timezone.localdate() + datetime.timedelta(days=30)
    _new_version(dispenser(), later, karin)
    with pytest.raises(Conflict) as exc:
        _new_version(dispenser(), later - datetime.timedelta(days=5), karin)
    assert exc.value.code == "guidance_date_not_after_latest"


def test_version_needs_a_criterion_and_valid_codes(karin):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(InvalidInput) as exc:
        _new_version(dispenser(), tomorrow, karin, codes=[CodeSpec(CodeKind.GOAL, "d57020")])
    assert exc.value.code == "guidance_without_criteria"
    with pytest.raises(InvalidInput) as exc:
        _new_version(dispenser(), tomorrow, karin, codes=[CodeSpec(CodeKind.CRITERION, "b144.7")])
    assert exc.value.code == "invalid_icf_qualifier"
    with pytest.raises(InvalidInput) as exc:
        _new_version(dispenser(), tomorrow, karin, codes=[CodeSpec(CodeKind.CRITERION, "q144.2")])
    assert exc.value.code == "invalid_icf_code"
    assert GuidanceVersion.objects.filter(product=dispenser()).count() == 1


def _person_setting(user):
    person = Person.objects.get(user=user)
    unit = person.memberships.get().unit
    return person.profession, unit.care_setting


def test_nurse_in_municipal_primary_care_may_prescribe_the_dispenser(sara):
    profession, setting = _person_setting(sara)
    assert (profession, setting) == (Profession.NURSE, CareSetting.MUNICIPAL_PRIMARY_CARE)
    guidance = dispenser_guidance_today()
    check = prescribing_right_check(
        guidance=guidance, profession=profession, care_setting=setting, action="prescribe"
    )
    assert check.allowed
    assert check.code == ""


def test_physiotherapist_may_not_prescribe_the_dispenser(peter):
    profession, setting = _person_setting(peter)
    guidance = dispenser_guidance_today()
    check = prescribing_right_check(
        guidance=guidance, profession=profession, care_setting=setting, action="prescribe"
    )
    assert not check.allowed
    assert check.code == "profession_not_permitted"
    assert "Läkemedelsautomat" in check.message


@pytest.mark.parametrize(
    ("profession", "setting", "allowed"),
    [
        (Profession.DOCTOR, CareSetting.HOSPITAL, True),
        (Profession.DOCTOR, CareSetting.REGIONAL_PRIMARY_CARE, True),
        (Profession.DOCTOR, CareSetting.MUNICIPAL_PRIMARY_CARE, False),
        (Profession.NURSE, CareSetting.MUNICIPAL_PRIMARY_CARE, True),
        (Profession.NURSE, CareSetting.SOCIAL_SERVICES, False),
        (Profession.OCCUPATIONAL_THERAPIST, CareSetting.HOSPITAL, False),
        (Profession.CARE_MANAGER, CareSetting.SOCIAL_SERVICES, False),
    ],
)
def test_dispenser_rights_matrix(profession, setting, allowed):
    guidance = dispenser_guidance_today()
    assert (
        guidance_permits(
            guidance=guidance, profession=profession, care_setting=setting, action="prescribe"
        )
        is allowed
    )


def test_prescribers_in_plain_words():
    from django.utils import translation

    guidance = dispenser_guidance_today()
    with translation.override("sv"):
        groups = guidance_prescribers(guidance)
        sentences = [line.sentence for line in groups[0].lines]
    assert sentences == [
        "Läkare verksam inom sjukhus och regional primärvård",
        "Sjuksköterska verksam inom sjukhus, regional primärvård och kommunal primärvård",
    ]


def test_product_status_moves_along_the_lifecycle_and_writes_events(karin):
    product = Product.objects.get(article_number="DH-2002")  # in procurement, no rent yet
    with pytest.raises(InvalidInput) as exc:
        product_status_set(product=product, status=ProductStatus.PILOT, acting_user=karin)
    assert exc.value.code == "product_incomplete"
    product.refresh_from_db()
    assert product.status == ProductStatus.IN_PROCUREMENT

    Product.objects.filter(pk=product.pk).update(monthly_rent="120.00")
    product_status_set(product=product, status=ProductStatus.PILOT, acting_user=karin)
    with pytest.raises(Conflict) as conflict:
        product_status_set(product=product, status=ProductStatus.PROPOSED, acting_user=karin)
    assert conflict.value.code == "illegal_status_change"
    event = DomainEvent.objects.get(kind="product.status_changed", object_id=str(product.pk))
    assert (event.from_status, event.to_status) == ("in_procurement", "pilot")

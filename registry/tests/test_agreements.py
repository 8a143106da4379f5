"""Joining and leaving agreements, and what the registry enforces about units."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.errors import Conflict, InvalidInput
from core.models import DomainEvent
from registry.actions import agreement_leave, agreement_sign
from registry.choices import UnitType
from registry.models import Agreement, Principal, Unit
from registry.selectors import COLLABORATION_AGREEMENT, principal_is_party

pytestmark = pytest.mark.django_db


def collaboration() -> Agreement:
    return Agreement.objects.get(code=COLLABORATION_AGREEMENT)


def test_a_principal_can_join_later(admin_user):
    ale = Principal.objects.get(name="Ale")
    joined = datetime.date(2025, 1, 1)
    signature = agreement_sign(
        principal=ale,
        agreement=collaboration(),
        signed_on=datetime.date(2024, 11, 20),
        valid_from=joined,
        acting_user=admin_user,
    )
    assert not principal_is_party(
        principal=ale,
        agreement_code=COLLABORATION_AGREEMENT,
        on=joined - datetime.timedelta(days=1),
    )
    assert principal_is_party(principal=ale, agreement_code=COLLABORATION_AGREEMENT, on=joined)
    event = DomainEvent.objects.get(kind="agreement.signed", object_id=str(signature.pk))
    assert event.actor == admin_user
    assert event.data == {
        "agreement": COLLABORATION_AGREEMENT,
        "principal": "1440",
        "from": "2025-01-01",
    }


def test_a_principal_can_leave_and_rejoin(admin_user):
    tanum = Principal.objects.get(name="Tanum")
    signature = tanum.signatures.get(agreement=collaboration())
    agreement_leave(
        signature=signature, valid_until=datetime.date(2025, 1, 1), acting_user=admin_user
    )
    assert principal_is_party(
        principal=tanum, agreement_code=COLLABORATION_AGREEMENT, on=datetime.date(2024, 12, 31)
    )
    assert not principal_is_party(
        principal=tanum, agreement_code=COLLABORATION_AGREEMENT, on=datetime.date(2025, 1, 1)
    )

    with pytest.raises(Conflict) as exc:
        agreement_leave(
            signature=signature, valid_until=datetime.date(2025, 6, 1), acting_user=admin_user
        )
    assert exc.value.code == "signature_already_ended"

    agreement_sign(
        principal=tanum,
        agreement=collaboration(),
        signed_on=datetime.date(2026, 1, 1),
        acting_user=admin_user,
    )
    assert principal_is_party(
        principal=tanum, agreement_code=COLLABORATION_AGREEMENT, on=datetime.date(2026, 2, 1)
    )
    assert not principal_is_party(
        principal=tanum, agreement_code=COLLABORATION_AGREEMENT, on=datetime.date(2025, 6, 1)
    )
    assert DomainEvent.objects.filter(kind="agreement.left").count() == 1


def test_overlapping_signature_is_refused(admin_user):
    borås = Principal.objects.get(name="Borås")
    before = borås.signatures.count()
    with pytest.raises(Conflict) as exc:
        agreement_sign(
            principal=borås,
            agreement=collaboration(),
            signed_on=datetime.date(2024, 1, 1),
            acting_user=admin_user,
        )
    assert exc.value.code == "signature_overlaps"
    assert borås.signatures.count() == before


def test_leaving_before_joining_is_refused(admin_user):
    signature = Principal.objects.get(name="Borås").signatures.get(agreement=collaboration())
    with pytest.raises(InvalidInput) as exc:
        agreement_leave(
            signature=signature, valid_until=datetime.date(2020, 1, 1), acting_user=admin_user
        )
    assert exc.value.code == "leave_before_join"
    signature.refresh_from_db()
    assert signature.valid_until is None


def test_party_only_while_the_agreement_is_in_force():
    borås = Principal.objects.get(name="Borås")
    assert not principal_is_party(
        principal=borås, agreement_code=COLLABORATION_AGREEMENT, on=datetime.date(2022, 11, 30)
    )


def test_hospital_ward_cannot_belong_to_a_municipality():
    unit = Unit(
        principal=Principal.objects.get(name="Borås"),
        name="Avdelning 1",
        unit_type=UnitType.HOSPITAL_WARD,
        street_address="Gatan 1",
        postal_code="50330",
        city="Borås",
    )
    with pytest.raises(ValidationError) as exc:
        unit.full_clean()
    assert "unit_type" in exc.value.message_dict

"""Writes to the registry. Each action is one transaction and records a domain event."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import ActingUser
from core.errors import Conflict, InvalidInput
from core.events import domain_event_record
from registry.models import Agreement, AgreementSignature, Principal


@transaction.atomic
def agreement_sign(
    *,
    principal: Principal,
    agreement: Agreement,
    signed_on: datetime.date,
    valid_from: datetime.date | None = None,
    note: str = "",
    acting_user: ActingUser,
) -> AgreementSignature:
    """Record that ``principal`` joins ``agreement``: a party from ``valid_from``
    (default: the signing date). Joining later than the others is the normal case."""
    start = valid_from or signed_on
    if start < signed_on:
        raise InvalidInput(
            "signature_before_signing",
            _("A principal cannot be a party before it has signed."),
            field="valid_from",
        )
    signature = AgreementSignature(
        agreement=agreement, principal=principal, signed_on=signed_on, valid_from=start, note=note
    )
    try:
        signature.full_clean()
    except ValidationError as exc:
        raise Conflict("signature_overlaps", " ".join(exc.messages)) from exc
    signature.save()
    domain_event_record(
        kind="agreement.signed",
        obj=signature,
        acting_user=acting_user,
        data={"agreement": agreement.code, "principal": principal.code, "from": start.isoformat()},
    )
    return signature


@transaction.atomic
def agreement_leave(
    *, signature: AgreementSignature, valid_until: datetime.date, acting_user: ActingUser
) -> AgreementSignature:
    """Record that the principal leaves the agreement: it is no party from ``valid_until``."""
    # Lock the row so that two simultaneous "leave" requests cannot both succeed.
    signature = AgreementSignature.objects.select_for_update().get(pk=signature.pk)
    if signature.valid_until is not None:
        raise Conflict(
            "signature_already_ended",
            _("The principal has already left this agreement."),
        )
    if valid_until <= signature.valid_from:
        raise InvalidInput(
            "leave_before_join",
            _("The leaving date must be after the date the principal joined."),
            field="valid_until",
        )
    signature.valid_until = valid_until
    signature.save(update_fields=["valid_until"])
    domain_event_record(
        kind="agreement.left",
        obj=signature,
        acting_user=acting_user,
        data={
            "agreement": signature.agreement.code,
            "principal": signature.principal.code,
            "until": valid_until.isoformat(),
        },
    )
    return signature

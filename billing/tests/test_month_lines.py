"""The lines a rent run writes set-based (spans and rent lines in the database, proration
once per product and days) equal, line by line and to the öre, the per-loan computation
they replaced: kept here, as it was, as the reference."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q

from billing import rent
from billing.actions import SALE_KINDS, cost_transfer_record, rent_run_create, surcharge_share
from billing.choices import LineKind
from billing.models import CostTransfer, InvoiceLine, SurchargeRate
from billing.terms import money
from billing.tests.helpers import (
    GLUCOSE,
    OXIMETER,
    D,
    handed_in,
    loan_for,
    patient_of,
    personal_number,
    picked_up,
    region,
    skovde,
)
from catalog.choices import BillingType
from catalog.models import Product
from logistics.models import Loan

_REFERENCE_FIELDS = (
    "pk",
    "patient_id",
    "cost_bearer_id",
    "started_on",
    "rent_stops_on",
    "ended_on",
    "order__product_id",
    "order__product__billing_type",
    "order__product__monthly_rent",
    "order__product__price",
    "order__urgent_fee",
    "device__serial_number",
    "unit_id",
    "unit__cost_centre",
)


def _month_lines_per_loan(month: datetime.date) -> list[tuple[Any, ...]]:
    """The reference: the month's lines as they were computed before the run became
    set-based, every loan read and prorated one by one in Python. Lines as tuples in
    PlannedLine's order."""
    nxt = rent.next_month(month)
    rented = Loan.objects.filter(
        order__product__billing_type=BillingType.RENT, started_on__lt=nxt
    ).filter(
        Q(rent_stops_on__gt=month)
        | Q(rent_stops_on__isnull=True, ended_on__isnull=True)
        | Q(rent_stops_on__isnull=True, ended_on__gt=month)
    )
    delivered = Loan.objects.filter(started_on__gte=month, started_on__lt=nxt)
    sold = delivered.filter(order__product__billing_type__in=list(SALE_KINDS))
    urgent = delivered.filter(order__urgent_fee__gt=0)
    loans = {
        name: [
            dict(zip(_REFERENCE_FIELDS, row, strict=True))
            for row in qs.values_list(*_REFERENCE_FIELDS)
        ]
        for name, qs in (("rent", rented), ("sold", sold), ("urgent", urgent))
    }
    transfers: dict[int, list[rent.Transfer]] = defaultdict(list)
    patients = {loan["patient_id"] for group in loans.values() for loan in group}
    for t in CostTransfer.objects.filter(patient_id__in=patients).order_by("valid_from"):
        transfers[t.patient_id].append(
            rent.Transfer(t.from_principal_id, t.to_principal_id, t.valid_from)
        )
    rates = list(SurchargeRate.objects.all())
    month_days = rent.days_in_month(month)
    lines: list[tuple[Any, ...]] = []

    def line(principal_id, kind, loan, first, last, days, mdays, unit_price, amount, sur):
        lines.append(
            (
                principal_id,
                kind,
                loan["pk"],
                loan["order__product_id"],
                loan["device__serial_number"],
                loan["unit_id"],
                loan["unit__cost_centre"],
                first,
                last,
                days,
                mdays,
                unit_price,
                amount,
                sur,
            )
        )

    def moves(loan):
        return transfers.get(loan["patient_id"] or 0, [])

    def bearer(loan, day):
        return rent.bearer_on(loan["cost_bearer_id"], loan["started_on"], moves(loan), day)

    for loan in loans["rent"]:
        monthly = loan["order__product__monthly_rent"]
        stop = rent.rent_stop(loan["rent_stops_on"], loan["ended_on"])
        span = rent.billed_span(loan["started_on"], stop, month)
        if monthly is None or span is None:
            continue
        share = surcharge_share(month, loan["order__product_id"], rates)
        for seg in rent.bearer_segments(
            loan["cost_bearer_id"], loan["started_on"], moves(loan), *span
        ):
            amount = rent.prorated_rent(monthly, seg.days, month)
            last = seg.until - datetime.timedelta(days=1)
            line(seg.principal_id, LineKind.RENT, loan, seg.first, last, seg.days,
                 month_days, monthly, amount, money(amount * share))  # fmt: skip
    for loan in loans["sold"]:
        price = loan["order__product__price"]
        if price is None:
            continue
        kind = SALE_KINDS[BillingType(loan["order__product__billing_type"])]
        day = loan["started_on"]
        line(bearer(loan, day), kind, loan, day, day, None, None, price, money(price),
             Decimal("0.00"))  # fmt: skip
    for loan in loans["urgent"]:
        fee, day = loan["order__urgent_fee"], loan["started_on"]
        line(bearer(loan, day), LineKind.URGENT_FEE, loan, day, day, None, None, fee,
             money(fee), Decimal("0.00"))  # fmt: skip
    return lines


_LINE_FIELDS = (
    "invoice__principal_id",
    "kind",
    "loan_id",
    "product_id",
    "device_serial",
    "unit_id",
    "cost_centre",
    "period_start",
    "period_end",
    "days",
    "month_days",
    "unit_price",
    "amount",
    "surcharge",
)


def _run_lines(month: datetime.date, olof) -> list[tuple[Any, ...]]:
    """The lines a rent run of ``month`` writes, as tuples in PlannedLine's order, in the
    order they were written."""
    run = rent_run_create(month=month, acting_user=olof)
    lines = InvoiceLine.objects.filter(invoice__run=run).order_by("pk")
    assert {line.month for line in lines} == {month}
    return list(lines.values_list(*_LINE_FIELDS))


_KIND_RANK = {LineKind.RENT: 0, LineKind.SALE: 1, LineKind.SALE_WITH_RETURN: 1}


def _in_order(lines: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Lines by kind (rent, sales, urgent fees), loan and period: rent lines come in no
    particular order (no caller needs one), so the comparison sorts them."""
    return sorted(lines, key=lambda line: (_KIND_RANK.get(line[1], 2), line[2], line[7]))


def _run_lines_equal_the_reference(month: datetime.date, olof) -> list[tuple[Any, ...]]:
    lines = _run_lines(month, olof)
    reference = _month_lines_per_loan(month)
    assert _in_order(lines) == _in_order(reference), month
    # Rent first, then sales, then urgent fees: a loan's rent line is written (and
    # numbered) before its fee's, as before.
    ranks = [_KIND_RANK.get(line[1], 2) for line in lines]
    assert ranks == sorted(ranks)
    # Sales and fees keep the reference's order (latest delivery first).
    assert [line for line in lines if line[1] != LineKind.RENT] == [
        line for line in reference if line[1] != LineKind.RENT
    ]
    return lines


def test_run_lines_equal_the_per_loan_computation(anna, olof):
    # Surcharges with shares that make the surcharge's own rounding matter: a general
    # rate from March, the oximeter's own rate from April.
    SurchargeRate.objects.create(share=Decimal("0.1234"), valid_from=D(2024, 3, 1))
    SurchargeRate.objects.create(
        product=Product.objects.get(article_number=OXIMETER),
        share=Decimal("0.0777"),
        valid_from=D(2024, 4, 1),
    )
    n = iter(range(1, 100))

    def someone() -> str:
        return personal_number(next(n))

    # Loans across, into and out of April 2024, on two products with different rents.
    loan_for(anna, D(2024, 1, 10), number=someone())  # the whole month
    loan_for(anna, D(2024, 3, 31), number=someone(), product=OXIMETER)  # the whole month
    loan_for(anna, D(2024, 4, 1), number=someone())  # from the first day
    loan_for(anna, D(2024, 4, 30), number=someone(), product=OXIMETER)  # the last day only
    loan_for(anna, D(2024, 4, 17), number=someone(), urgent=True)  # urgent: rent and fee
    loan_for(anna, D(2024, 5, 2), number=someone())  # after the month: nothing
    # Rent stopped by a pickup order: in the month, at its first day, and before it.
    picked_up(loan_for(anna, D(2024, 2, 5), number=someone()), D(2024, 4, 8), anna)
    picked_up(loan_for(anna, D(2024, 4, 3), number=someone()), D(2024, 4, 9), anna)
    picked_up(loan_for(anna, D(2024, 3, 4), number=someone()), D(2024, 3, 26), anna)
    picked_up(loan_for(anna, D(2024, 2, 1), number=someone()), D(2024, 3, 15), anna)
    # Rent across the month end by a pickup on its last working days.
    picked_up(loan_for(anna, D(2024, 3, 1), number=someone()), D(2024, 4, 26), anna)
    # Handed in without a pickup order: rent stops on the day back.
    handed_in(loan_for(anna, D(2024, 3, 20), number=someone()), D(2024, 4, 12))
    handed_in(loan_for(anna, D(2024, 4, 10), number=someone()), D(2024, 4, 10))  # no day
    handed_in(loan_for(anna, D(2024, 2, 10), number=someone()), D(2024, 3, 30))
    # Sales: in the month (one urgent as well) and outside it.
    loan_for(anna, D(2024, 4, 5), number=someone(), product=GLUCOSE)
    loan_for(anna, D(2024, 4, 22), number=someone(), product=GLUCOSE, urgent=True)
    loan_for(anna, D(2024, 3, 5), number=someone(), product=GLUCOSE)
    # A patient moving to Skövde on 16 April: two devices from before split, one
    # delivered after the move stays with the bearer its order recorded, a sale on the
    # day of the move goes to Skövde.
    moving = someone()
    split = loan_for(anna, D(2024, 3, 1), number=moving)
    loan_for(anna, D(2024, 4, 2), number=moving, product=OXIMETER)
    loan_for(anna, D(2024, 4, 20), number=moving, urgent=True)
    loan_for(anna, D(2024, 4, 16), number=moving, product=GLUCOSE)
    cost_transfer_record(
        patient=patient_of(split),
        from_principal=region(),
        to_principal=skovde(),
        valid_from=D(2024, 4, 16),
        reason="Flyttar till särskilt boende i Skövde",
        acting_user=olof,
    )
    # A transfer after the month changes nothing in it.
    later = loan_for(anna, D(2024, 2, 1), number=someone())
    cost_transfer_record(
        patient=patient_of(later),
        from_principal=region(),
        to_principal=skovde(),
        valid_from=D(2024, 5, 10),
        reason="Flyttar i maj",
        acting_user=olof,
    )

    for month in (D(2024, 2, 1), D(2024, 3, 1), D(2024, 5, 1)):
        _run_lines_equal_the_reference(month, olof)
    april = _in_order(_run_lines_equal_the_reference(D(2024, 4, 1), olof))
    # The data reaches every kind of line, a split and a surcharge rounded by itself.
    kinds = {line[1] for line in april}
    assert kinds == {LineKind.RENT, LineKind.SALE, LineKind.URGENT_FEE}
    split_lines = [line for line in april if line[2] == split.pk]
    assert [(line[0], line[9]) for line in split_lines] == [
        (region().pk, 15),
        (skovde().pk, 15),
    ]
    assert any(line[13] != money(line[12] * Decimal("0.1234")) for line in april if line[9])

"""Every write of the billing app: rent runs (create, discard, issue), credit notes,
cost-responsibility transfers and the account mapping. Each is one transaction and
records one domain event; only finance officers (and the system) may call them."""

from __future__ import annotations

import datetime
import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import DateField, F, Q, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import rent
from billing.choices import AccountKey, InvoiceKind, InvoiceStatus, LineKind, RunStatus
from billing.models import (
    AccountMapping,
    CostTransfer,
    Invoice,
    InvoiceLine,
    InvoiceNumberSeries,
    InvoiceRun,
    SurchargeRate,
)
from billing.terms import PAYMENT_TERMS_DAYS, money
from catalog.choices import BillingType
from catalog.models import Product
from core.actors import ActingUser, actor_of
from core.errors import Conflict, InvalidInput
from core.events import domain_event_record
from logistics.models import Loan
from orders.models import Patient
from registry.access import finance_check
from registry.models import Principal, Unit

SALE_KINDS = {
    BillingType.SALE: LineKind.SALE,
    BillingType.SALE_WITH_RETURN: LineKind.SALE_WITH_RETURN,
}


def _finance_check(acting_user: ActingUser) -> None:
    if acting_user is not None:  # None is the system itself (a script): trusted
        finance_check(acting_user)


# --- Computing a month's lines -----------------------------------------------------------


@dataclass(slots=True)
class PlannedLine:
    """One line a run would bill: the loan's device, unit and cost centre as plain values
    (a month of a region's loans is a hundred thousand lines or more)."""

    principal_id: int
    kind: str
    loan_id: int
    product_id: int
    device_serial: str
    unit_id: int
    cost_centre: str
    period_start: datetime.date
    period_end: datetime.date  # the last day billed
    days: int | None
    month_days: int | None
    unit_price: Decimal
    amount: Decimal
    surcharge: Decimal = Decimal("0.00")


def surcharge_share(month: datetime.date, product_id: int, rates: list[SurchargeRate]) -> Decimal:
    """The surcharge share of a product's rent in ``month``: the product's own rate in
    force on the month's first day, else the general rate, else nothing."""
    in_force = [r for r in rates if r.valid_from <= month]
    own = [r for r in in_force if r.product_id == product_id]
    general = [r for r in in_force if r.product_id is None]
    for candidates in (own, general):
        if candidates:
            return max(candidates, key=lambda r: r.valid_from).share
    return Decimal("0")


def _transfers_by_patient(before: datetime.date) -> dict[int, list[rent.Transfer]]:
    """Every transfer dated before ``before``, per patient. A later one cannot move a
    day of the month, so these are all the month's lines can need."""
    found: dict[int, list[rent.Transfer]] = defaultdict(list)
    for patient_id, from_id, to_id, valid_from in (
        CostTransfer.objects.filter(valid_from__lt=before)
        .order_by("valid_from")
        .values_list("patient_id", "from_principal_id", "to_principal_id", "valid_from")
    ):
        found[patient_id].append(rent.Transfer(from_id, to_id, valid_from))
    return found


class _Prices:
    """What the month's products cost: the monthly rent of each rented product, the
    price of each sold one, and the rent of ``days`` of the month computed once per
    (product, days). A month has a few hundred such pairs however many loans it bills,
    so the Decimal proration runs a few hundred times, not once per line, and each line
    still gets exactly the rounding ``rent.prorated_rent`` gives it."""

    def __init__(self, month: datetime.date) -> None:
        self.month = month
        self.monthly: dict[int, Decimal] = {}
        self.sale: dict[int, tuple[str, Decimal]] = {}
        self.share: dict[int, Decimal] = {}
        rates = list(SurchargeRate.objects.all())
        for pk, billing_type, monthly, price in Product.objects.values_list(
            "pk", "billing_type", "monthly_rent", "price"
        ):
            if billing_type == BillingType.RENT and monthly is not None:
                self.monthly[pk] = monthly
                self.share[pk] = surcharge_share(month, pk, rates)
            elif billing_type in SALE_KINDS and price is not None:
                self.sale[pk] = (SALE_KINDS[BillingType(billing_type)], price)
        # (product, days) -> (monthly rent, prorated rent, its surcharge part)
        self.rent: dict[tuple[int, int], tuple[Decimal, Decimal, Decimal]] = {}

    def rent_of(self, product_id: int, days: int) -> tuple[Decimal, Decimal, Decimal]:
        key = (product_id, days)
        found = self.rent.get(key)
        if found is None:
            monthly = self.monthly[product_id]
            amount = rent.prorated_rent(monthly, days, self.month)
            found = self.rent[key] = (monthly, amount, money(amount * self.share[product_id]))
        return found


# What a line needs of a loan besides its period, in PlannedLine's order after kind.
# The unit's cost centre comes from a dict of the units (``_cost_centres``), not a join:
# at a million loans the join to the units was a tenth of the query's time.
_LOAN_VALUES = ("pk", "order__product_id", "device__serial_number", "unit_id")


def _cost_centres() -> dict[int, str]:
    return dict(Unit.objects.values_list("pk", "cost_centre"))


def _rent_lines(
    month: datetime.date,
    prices: _Prices,
    transfers: dict[int, list[rent.Transfer]],
    centres: dict[int, str],
) -> list[PlannedLine]:
    """The rent lines of ``month``, in no particular order. The database gives each loan's
    billed days of the month, [first, until): from delivery (which counts) to the rent
    stop (which does not), within the month. A loan whose patient has a transfer is
    split by cost bearer in Python (``rent.bearer_segments``); every other loan is one
    line to the bearer its order recorded."""
    nxt = rent.next_month(month)
    stop = Coalesce("rent_stops_on", "ended_on", Value(nxt), output_field=DateField())
    rows = (
        # The rented products as a list of ids rather than a join: the product table
        # is a few rows that autovacuum never analyses (too few changes), so PostgreSQL
        # misjudged the join and looped over every order's loan one by one.
        Loan.objects.filter(order__product_id__in=list(prices.monthly), started_on__lt=nxt)
        .filter(
            Q(rent_stops_on__gt=month)
            | Q(rent_stops_on__isnull=True, ended_on__isnull=True)
            | Q(rent_stops_on__isnull=True, ended_on__gt=month)
        )
        .annotate(
            first=Greatest("started_on", Value(month), output_field=DateField()),
            until=Least(stop, Value(nxt), output_field=DateField()),
        )
        .filter(until__gt=F("first"))
        # No ORDER BY: sorting a month's loans was a third of the query's time, and no
        # caller needs an order (an invoice lists its lines by InvoiceLine.Meta.ordering).
        .order_by()
        .values_list(*_LOAN_VALUES, "first", "until", "cost_bearer_id", "patient_id", "started_on")
    )
    month_days = rent.days_in_month(month)
    one_day = datetime.timedelta(days=1)
    kind = LineKind.RENT
    priced, rent_of = prices.rent, prices.rent_of
    lines: list[PlannedLine] = []
    append = lines.append
    for pk, product, serial, unit, first, until, bearer, patient, started in rows:
        centre = centres[unit]
        moves = transfers.get(patient)
        if moves is None:
            days = (until - first).days
            monthly, amount, surcharge = priced.get((product, days)) or rent_of(product, days)
            append(
                PlannedLine(
                    bearer, kind, pk, product, serial, unit, centre,
                    first, until - one_day, days, month_days, monthly, amount, surcharge,
                )
            )  # fmt: skip
            continue
        for seg in rent.bearer_segments(bearer, started, moves, first, until):
            monthly, amount, surcharge = rent_of(product, seg.days)
            append(
                PlannedLine(
                    seg.principal_id, kind, pk, product, serial, unit, centre,
                    seg.first, seg.until - one_day, seg.days, month_days, monthly, amount,
                    surcharge,
                )
            )  # fmt: skip
    return lines


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: making a hundred thousand lines (objects the
    collector tracks) would otherwise set off full collections, each walking every
    object in the process, and they took two thirds of the time the lines took to
    make. The lines hold no cycles; collection resumes as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def month_lines(month: datetime.date) -> list[PlannedLine]:
    """Everything billable for ``month``, whether billed before or not: the rent of each
    rented device for its days on loan, sales and urgent fees delivered in the month.
    Rent lines come first (in no particular order), then sales, then urgent fees (each
    latest delivery first), so a loan's rent line is made before its fee's."""
    with _gc_paused():
        return _month_lines(month)


def _month_lines(month: datetime.date) -> list[PlannedLine]:
    nxt = rent.next_month(month)
    prices = _Prices(month)
    transfers = _transfers_by_patient(nxt)
    centres = _cost_centres()
    lines = _rent_lines(month, prices, transfers, centres)
    delivered = (
        Loan.objects.filter(started_on__gte=month, started_on__lt=nxt)
        .filter(Q(order__product_id__in=list(prices.sale)) | Q(order__urgent_fee__gt=0))
        .values_list(
            *_LOAN_VALUES, "cost_bearer_id", "patient_id", "started_on", "order__urgent_fee"
        )
    )
    sold: list[PlannedLine] = []
    urgent: list[PlannedLine] = []
    for pk, product, serial, unit, recorded, patient, started, fee in delivered:
        centre = centres[unit]
        moves = transfers.get(patient)
        bearer = rent.bearer_on(recorded, started, moves, started) if moves else recorded
        sale = prices.sale.get(product)
        if sale is not None:
            kind, price = sale
            sold.append(
                PlannedLine(
                    bearer, kind, pk, product, serial, unit, centre,
                    started, started, None, None, price, money(price),
                )
            )  # fmt: skip
        if fee > 0:
            urgent.append(
                PlannedLine(
                    bearer, LineKind.URGENT_FEE, pk, product, serial, unit, centre,
                    started, started, None, None, fee, money(fee),
                )
            )  # fmt: skip
    return [*lines, *sold, *urgent]


def billed_keys(month: datetime.date) -> set[tuple[int, str]]:
    """(loan, kind) already billed for ``month`` on an issued invoice and not credited."""
    return set(
        InvoiceLine.objects.filter(
            month=month,
            invoice__kind=InvoiceKind.INVOICE,
            invoice__status=InvoiceStatus.ISSUED,
        )
        .exclude(credit_line__invoice__status=InvoiceStatus.ISSUED)
        .values_list("loan_id", "kind")
    )


# --- Rent runs --------------------------------------------------------------------------


def _month_check(month: datetime.date) -> datetime.date:
    month = rent.month_start(month)
    if rent.next_month(month) > timezone.localdate():
        raise InvalidInput(
            "month_not_ended",
            _("A month can be billed only after it has ended."),
            field="month",
        )
    return month


@transaction.atomic
def rent_run_create(*, month: datetime.date, acting_user: ActingUser) -> InvoiceRun:
    """A draft run for ``month``: per cost bearer an invoice of the month's rent, sales
    and urgent fees. If the month already has an issued run, the draft bills only what
    was not billed before (or was credited since): a supplementary run."""
    _finance_check(acting_user)
    month = _month_check(month)
    if InvoiceRun.objects.filter(month=month, status=RunStatus.DRAFT).exists():
        raise Conflict(
            "draft_run_exists",
            _("The month already has a draft run: issue or discard it first."),
            field="month",
        )
    supplementary = InvoiceRun.objects.filter(month=month, status=RunStatus.ISSUED).exists()
    done = billed_keys(month)
    planned = [p for p in month_lines(month) if (p.loan_id, p.kind) not in done]
    if not planned:
        raise Conflict(
            "nothing_to_bill",
            _("There is nothing (more) to bill for this month."),
            field="month",
        )
    run = InvoiceRun.objects.create(
        month=month, supplementary=supplementary, created_by=actor_of(acting_user)
    )
    by_principal: dict[int, list[PlannedLine]] = defaultdict(list)
    for p in planned:
        by_principal[p.principal_id].append(p)
    for principal_id, items in sorted(by_principal.items()):
        invoice = Invoice.objects.create(
            run=run,
            principal_id=principal_id,
            month=month,
            total=sum((p.amount for p in items), Decimal("0.00")),
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                kind=p.kind,
                loan_id=p.loan_id,
                product_id=p.product_id,
                device_serial=p.device_serial,
                unit_id=p.unit_id,
                cost_centre=p.cost_centre,
                month=month,
                period_start=p.period_start,
                period_end=p.period_end,
                days=p.days,
                month_days=p.month_days,
                unit_price=p.unit_price,
                amount=p.amount,
                surcharge=p.surcharge,
            )
            for p in items
        )
    domain_event_record(
        kind="rent_run_created",
        obj=run,
        acting_user=acting_user,
        to_status=RunStatus.DRAFT,
        data={
            "month": month.isoformat(),
            "supplementary": supplementary,
            "invoices": len(by_principal),
            "lines": len(planned),
            "total": str(sum((p.amount for p in planned), Decimal("0.00"))),
        },
    )
    return run


@transaction.atomic
def rent_run_discard(*, run: InvoiceRun, acting_user: ActingUser) -> None:
    """Throw a draft away (to make it again after corrections). An issued run stays."""
    _finance_check(acting_user)
    deleted = InvoiceRun.objects.filter(pk=run.pk, status=RunStatus.DRAFT)
    if not deleted.exists():
        raise Conflict("run_not_draft", _("Only a draft run can be discarded."))
    domain_event_record(
        kind="rent_run_discarded",
        obj=run,
        acting_user=acting_user,
        from_status=RunStatus.DRAFT,
        data={"month": run.month.isoformat()},
    )
    Invoice.objects.filter(run_id=run.pk).delete()
    deleted.delete()


def _number_assign(invoices: list[Invoice], on: datetime.date) -> None:
    """Give each draft invoice the next number of ``on``'s year and issue it. The
    series row is locked (select_for_update) so two issues cannot take the same number,
    and it is in the issuing transaction so a rollback leaves no gap."""
    if not invoices:
        return
    year = on.year
    InvoiceNumberSeries.objects.get_or_create(year=year)
    series = InvoiceNumberSeries.objects.select_for_update().get(year=year)
    for invoice in invoices:
        series.last_number += 1
        number = f"{year}-{series.last_number:05d}"
        # Compare-and-swap: only a draft becomes issued.
        changed = Invoice.objects.filter(pk=invoice.pk, status=InvoiceStatus.DRAFT).update(
            status=InvoiceStatus.ISSUED,
            year=year,
            sequence=series.last_number,
            number=number,
            invoice_date=on,
            due_date=on + datetime.timedelta(days=PAYMENT_TERMS_DAYS),
        )
        if changed != 1:
            raise Conflict("invoice_not_draft", _("The invoice has already been issued."))
        invoice.status, invoice.year, invoice.sequence = (
            InvoiceStatus.ISSUED,
            year,
            series.last_number,
        )
        invoice.number = number
    series.save(update_fields=["last_number"])


@transaction.atomic
def rent_run_issue(
    *, run: InvoiceRun, acting_user: ActingUser, on: datetime.date | None = None
) -> InvoiceRun:
    """Issue a draft run: every invoice gets its number, invoice date and due date, and
    the run can never be changed again."""
    _finance_check(acting_user)
    day = on or timezone.localdate()
    # Compare-and-swap: of two finance officers pressing "issue" at once, one wins and
    # the other gets a conflict instead of a second set of numbers.
    changed = InvoiceRun.objects.filter(pk=run.pk, status=RunStatus.DRAFT).update(
        status=RunStatus.ISSUED, issued_at=timezone.now(), issued_by=actor_of(acting_user)
    )
    if changed != 1:
        raise Conflict("run_not_draft", _("The run has already been issued."))
    invoices = list(Invoice.objects.filter(run_id=run.pk).select_related("principal"))
    invoices.sort(key=lambda i: (i.principal.kind != "region", i.principal.name, i.pk))
    _number_assign(invoices, day)
    run.refresh_from_db()
    domain_event_record(
        kind="rent_run_issued",
        obj=run,
        acting_user=acting_user,
        from_status=RunStatus.DRAFT,
        to_status=RunStatus.ISSUED,
        data={
            "month": run.month.isoformat(),
            "numbers": [i.number for i in invoices],
            "total": str(sum((i.total for i in invoices), Decimal("0.00"))),
        },
    )
    return run


# --- Credit notes -----------------------------------------------------------------------


@transaction.atomic
def credit_note_issue(
    *,
    invoice: Invoice,
    reason: str,
    line_ids: list[int] | None = None,
    acting_user: ActingUser,
    on: datetime.date | None = None,
) -> Invoice:
    """A credit note reversing chosen lines (or every line not yet credited) of an
    issued invoice: its own number, negative lines referencing the originals. The
    credited days count as not billed, so a supplementary run can bill them again."""
    _finance_check(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "reason_required", _("State the reason for the credit note."), field="reason"
        )
    # Lock the invoice: two credit notes of the same lines at once would double-credit
    # (the unique credited_line also refuses it, as a last line of defence).
    original = Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
    if (
        original is None
        or original.kind != InvoiceKind.INVOICE
        or original.status != InvoiceStatus.ISSUED
    ):
        raise Conflict("invoice_not_issued", _("Only an issued invoice can be credited."))
    open_lines = InvoiceLine.objects.filter(invoice=original, credit_line__isnull=True)
    if line_ids is not None:
        chosen = list(open_lines.filter(pk__in=line_ids))
        if not line_ids or len(chosen) != len(set(line_ids)):
            raise InvalidInput(
                "invalid_lines",
                _("Choose lines of this invoice that have not been credited."),
                field="lines",
            )
    else:
        chosen = list(open_lines)
    if not chosen:
        raise Conflict("nothing_to_credit", _("Every line of the invoice is already credited."))
    note = Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE,
        principal_id=original.principal_id,
        month=original.month,
        credited_invoice=original,
        reason=reason,
        total=-sum((line.amount for line in chosen), Decimal("0.00")),
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=note,
            kind=line.kind,
            loan_id=line.loan_id,
            product_id=line.product_id,
            device_serial=line.device_serial,
            unit_id=line.unit_id,
            cost_centre=line.cost_centre,
            month=line.month,
            period_start=line.period_start,
            period_end=line.period_end,
            days=line.days,
            month_days=line.month_days,
            unit_price=line.unit_price,
            amount=-line.amount,
            surcharge=-line.surcharge,
            credited_line=line,
        )
        for line in chosen
    )
    _number_assign([note], on or timezone.localdate())
    domain_event_record(
        kind="credit_note_issued",
        obj=note,
        acting_user=acting_user,
        to_status=InvoiceStatus.ISSUED,
        data={
            "number": note.number,
            "credits": original.number,
            "lines": [line.pk for line in chosen],
            "total": str(note.total),
            "reason": reason,
        },
    )
    return note


# --- Cost-responsibility transfers -------------------------------------------------------


@transaction.atomic
def cost_transfer_record(
    *,
    patient: Patient,
    from_principal: Principal,
    to_principal: Principal,
    valid_from: datetime.date,
    reason: str,
    acting_user: ActingUser,
) -> CostTransfer:
    """From ``valid_from`` the patient's devices on loan with ``from_principal`` as cost
    bearer are billed to ``to_principal``. Invoices already issued are not changed."""
    _finance_check(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "reason_required", _("State the reason for the transfer."), field="reason"
        )
    if from_principal.pk == to_principal.pk:
        raise InvalidInput(
            "same_principal",
            _("Choose another principal than the present cost bearer."),
            field="to_principal",
        )
    if CostTransfer.objects.filter(
        patient=patient, from_principal=from_principal, valid_from=valid_from
    ).exists():
        raise Conflict(
            "transfer_exists",
            _("This transfer is already recorded."),
            field="valid_from",
        )
    transfer = CostTransfer.objects.create(
        patient=patient,
        from_principal=from_principal,
        to_principal=to_principal,
        valid_from=valid_from,
        reason=reason,
        created_by=actor_of(acting_user),
    )
    domain_event_record(
        kind="cost_transfer_recorded",
        obj=transfer,
        acting_user=acting_user,
        data={
            "from": from_principal.code,
            "to": to_principal.code,
            "valid_from": valid_from.isoformat(),
        },
    )
    return transfer


# --- Account mapping --------------------------------------------------------------------


@transaction.atomic
def account_mapping_set(
    *, key: str, account: str, name: str, acting_user: ActingUser
) -> AccountMapping:
    """Book ``key``'s amounts on ``account`` in the accounting export from now on."""
    _finance_check(acting_user)
    if key not in AccountKey.values:
        raise InvalidInput("invalid_account_key", _("Unknown account use."), field="key")
    if not (account.isdigit() and 4 <= len(account) <= 6):
        raise InvalidInput("invalid_account", _("An account is 4 to 6 digits."), field="account")
    mapping, _created = AccountMapping.objects.update_or_create(
        key=key, defaults={"account": account, "name": name}
    )
    domain_event_record(
        kind="account_mapping_set",
        obj=mapping,
        acting_user=acting_user,
        data={"key": key, "account": account, "name": name},
    )
    return mapping

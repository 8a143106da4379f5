"""Every write of the billing app: rent runs (create, discard, issue), credit notes,
cost-responsibility transfers and the account mapping. Each is one transaction and
records one domain event; only finance officers (and the system) may call them."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
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
from core.db import DayBefore, DaysBetween
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


# What a listed line needs of a loan besides its period, in PlannedLine's order after kind.
# The unit's cost centre comes from a dict of the units (``_cost_centres``), not a join.
_LOAN_VALUES = ("pk", "order__product_id", "device__serial_number", "unit_id")


def _cost_centres() -> dict[int, str]:
    return dict(Unit.objects.values_list("pk", "cost_centre"))


def _rented(month: datetime.date, prices: _Prices) -> QuerySet[Loan]:
    """The loans of rented products with a billed day in ``month``, each annotated with
    its billed days of the month as [span_first, span_until): from delivery (which
    counts) to the rent stop (which does not), within the month."""
    nxt = rent.next_month(month)
    stop = Coalesce("rent_stops_on", "ended_on", Value(nxt), output_field=DateField())
    return (
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
            span_first=Greatest("started_on", Value(month), output_field=DateField()),
            span_until=Least(stop, Value(nxt), output_field=DateField()),
        )
        .filter(span_until__gt=F("span_first"))
        # No ORDER BY: no caller needs one (an invoice lists its lines by
        # InvoiceLine.Meta.ordering), and sorting a month's loans costs a third of the time.
        .order_by()
    )


def _moved(before: datetime.date) -> Exists:
    """The loan's patient has a cost transfer dated before ``before``."""
    return Exists(
        CostTransfer.objects.filter(patient_id=OuterRef("patient_id"), valid_from__lt=before)
    )


def _billed(month: datetime.date) -> QuerySet[InvoiceLine]:
    """The lines that bill ``month`` on an issued invoice and are not credited."""
    return InvoiceLine.objects.filter(
        month=month,
        invoice__kind=InvoiceKind.INVOICE,
        invoice__status=InvoiceStatus.ISSUED,
    ).exclude(credit_line__invoice__status=InvoiceStatus.ISSUED)


def billed_keys(month: datetime.date) -> set[tuple[int, str]]:
    """(loan, kind) already billed for ``month`` on an issued invoice and not credited."""
    return set(_billed(month).values_list("loan_id", "kind"))


def _listed_lines(
    month: datetime.date, prices: _Prices, moved_rent: QuerySet[Loan]
) -> list[PlannedLine]:
    """The lines made one by one in Python: the rent of loans whose patient has a cost
    transfer (split by cost bearer, ``rent.bearer_segments``), then sales, then urgent
    fees delivered in the month (each latest delivery first), so a loan's rent line is
    written before its fee's. A month has few of these; the rest of the rent is written
    in the database (``_rent_lines_insert``)."""
    nxt = rent.next_month(month)
    transfers = _transfers_by_patient(nxt)
    centres = _cost_centres()
    month_days = rent.days_in_month(month)
    one_day = datetime.timedelta(days=1)
    lines: list[PlannedLine] = []
    for pk, product, serial, unit, first, until, bearer, patient, started in moved_rent.values_list(
        *_LOAN_VALUES, "span_first", "span_until", "cost_bearer_id", "patient_id", "started_on"
    ):
        for seg in rent.bearer_segments(bearer, started, transfers[patient], first, until):
            monthly, amount, surcharge = prices.rent_of(product, seg.days)
            lines.append(
                PlannedLine(
                    seg.principal_id, LineKind.RENT, pk, product, serial, unit, centres[unit],
                    seg.first, seg.until - one_day, seg.days, month_days, monthly, amount,
                    surcharge,
                )
            )  # fmt: skip
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


# Rented products per INSERT: each brings a price row for every day count of the month
# (5 parameters each), which keeps a statement under SQLite's 32 766 parameters.
_PRICE_BATCH = 100
_LINE_COLUMNS = (
    "invoice_id", "kind", "loan_id", "product_id", "device_serial", "unit_id", "cost_centre",
    "month", "period_start", "period_end", "days", "month_days", "unit_price", "amount",
    "surcharge",
)  # fmt: skip
# What the INSERT reads of each loan (``_rent_lines_insert``), by name.
_LINE_SOURCE = (
    "line_loan", "line_product", "line_serial", "line_unit", "line_centre", "span_first",
    "line_last", "line_days", "line_bearer",
)  # fmt: skip


def _rent_lines_insert(run: InvoiceRun, loans: QuerySet[Loan], prices: _Prices) -> int:
    """Write the rent lines of ``loans`` (from ``_rented``; each billed to the bearer its
    order recorded) onto the run's invoices, one INSERT … SELECT per batch of products:
    no loan comes to Python. The prices come in as a table of (product, days) -> monthly
    rent, prorated rent and its surcharge part, computed by ``_Prices`` with the same
    Decimal rounding as a line made in Python. Returns the lines written."""
    month = run.month
    month_days = rent.days_in_month(month)
    q = connection.ops.quote_name
    products = sorted(prices.monthly)
    written = 0
    for start in range(0, len(products), _PRICE_BATCH):
        batch = products[start : start + _PRICE_BATCH]
        price_params: list[Any] = []
        for product in batch:
            for days in range(1, month_days + 1):
                price_params.extend((product, days, *prices.rent_of(product, days)))
        rows = (
            loans.filter(order__product_id__in=batch)
            .annotate(
                line_loan=F("pk"),
                line_product=F("order__product_id"),
                line_serial=F("device__serial_number"),
                line_unit=F("unit_id"),
                line_centre=F("unit__cost_centre"),
                line_last=DayBefore("span_until"),
                line_days=DaysBetween("span_until", "span_first"),
                line_bearer=F("cost_bearer_id"),
            )
            .values_list(*_LINE_SOURCE)
        )
        select, select_params = rows.query.sql_with_params()
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * (len(price_params) // 5))
        sql = (
            f"WITH price (product_id, days, unit_price, amount, surcharge) AS (VALUES {values}) "  # noqa: S608
            f"INSERT INTO {q(InvoiceLine._meta.db_table)} ({', '.join(map(q, _LINE_COLUMNS))}) "
            "SELECT i.id, %s, s.line_loan, s.line_product, s.line_serial, s.line_unit, "
            "s.line_centre, %s, s.span_first, s.line_last, s.line_days, %s, p.unit_price, "
            "p.amount, p.surcharge "
            f"FROM ({select}) s "
            "JOIN price p ON p.product_id = s.line_product AND p.days = s.line_days "
            f"JOIN {q(Invoice._meta.db_table)} i "
            "ON i.run_id = %s AND i.principal_id = s.line_bearer"
        )
        params = [*price_params, LineKind.RENT, month, month_days, *select_params, run.pk]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


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
    was not billed before (or was credited since): a supplementary run.

    Set-based: the run opens an invoice for every principal, writes the rent of every
    loan without a cost transfer in the database (``_rent_lines_insert``), adds the few
    lines made in Python (``_listed_lines``), then totals each invoice from its lines and
    drops the invoices that got none. A loan changed while the run is made is billed as
    one statement saw it or left to a supplementary run, never twice."""
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
    run = InvoiceRun.objects.create(
        month=month, supplementary=supplementary, created_by=actor_of(acting_user)
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(run=run, principal_id=pk, month=month)
        for pk in Principal.objects.order_by("pk").values_list("pk", flat=True)
    )
    by_principal = {invoice.principal_id: invoice for invoice in invoices}
    prices = _Prices(month)
    nxt = rent.next_month(month)
    rented = _rented(month, prices).alias(moved=_moved(nxt))
    if done:
        rented = rented.exclude(
            Exists(_billed(month).filter(loan_id=OuterRef("pk"), kind=LineKind.RENT))
        )
    if prices.monthly:
        _rent_lines_insert(run, rented.filter(moved=False), prices)
        listed = _listed_lines(month, prices, rented.filter(moved=True))
    else:  # no rented product: nothing for the database to write
        listed = _listed_lines(month, prices, Loan.objects.none())
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=by_principal[p.principal_id],
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
        for p in listed
        if (p.loan_id, p.kind) not in done
    )
    totals = {
        invoice_id: (total, n)
        for invoice_id, total, n in InvoiceLine.objects.filter(invoice__run=run)
        .order_by()
        .values("invoice_id")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .values_list("invoice_id", "total", "n")
    }
    if not totals:
        raise Conflict(
            "nothing_to_bill",
            _("There is nothing (more) to bill for this month."),
            field="month",
        )
    billed = [invoice for invoice in invoices if invoice.pk in totals]
    for invoice in billed:
        invoice.total = money(totals[invoice.pk][0])
    Invoice.objects.bulk_update(billed, ["total"])
    Invoice.objects.filter(run=run).exclude(pk__in=list(totals)).delete()
    domain_event_record(
        kind="rent_run_created",
        obj=run,
        acting_user=acting_user,
        to_status=RunStatus.DRAFT,
        data={
            "month": month.isoformat(),
            "supplementary": supplementary,
            "invoices": len(billed),
            "lines": sum(n for _total, n in totals.values()),
            "total": str(sum((invoice.total for invoice in billed), Decimal("0.00"))),
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

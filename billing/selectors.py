"""Reads of the billing app, scoped by who asks: finance officers see every run and
invoice; a principal's finance contact sees the issued invoices of their own principal;
anyone else is refused (403)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from billing import rent
from billing.choices import DEFAULT_ACCOUNTS, AccountKey, InvoiceStatus, LineKind
from billing.models import AccountMapping, CostTransfer, Invoice, InvoiceLine, InvoiceRun
from core.actors import ActingUser
from core.errors import NotFound, NotPermitted
from registry.access import contact_principal_ids, finance_check, is_finance_officer
from registry.choices import ContactRole

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def invoice_principal_ids(user: ActingUser) -> list[int] | None:
    """None for a finance officer (every principal); else the principals whose finance
    contact the user is. Refuses (403) a user who is neither."""
    if user is None or is_finance_officer(user):
        return None
    ids = contact_principal_ids(user, ContactRole.FINANCE)
    if not ids:
        raise NotPermitted(
            "invoices_not_visible",
            _("Only finance officers and a principal's finance contact may see invoices."),
        )
    return ids


def invoices_visible_to(user: ActingUser) -> QuerySet[Invoice]:
    """The invoices and credit notes the user may see, with what the list shows."""
    invoices = Invoice.objects.select_related("principal", "run", "credited_invoice")
    ids = invoice_principal_ids(user)
    if ids is not None:
        invoices = invoices.filter(principal_id__in=ids, status=InvoiceStatus.ISSUED)
    return invoices


def invoice_get(user: ActingUser, pk: int) -> Invoice:
    invoice = invoices_visible_to(user).filter(pk=pk).first()
    if invoice is None:
        raise NotFound("invoice_not_found", _("The invoice does not exist or is not yours."))
    return invoice


def invoice_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice=invoice).select_related(
        "product", "unit", "credit_line__invoice"
    )


@dataclass
class CostCentreGroup:
    cost_centre: str
    unit_name: str
    lines: list[InvoiceLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def lines_by_cost_centre(invoice: Invoice) -> list[CostCentreGroup]:
    """The invoice's lines grouped per unit (cost centre), as the specification shows."""
    groups: dict[int, CostCentreGroup] = {}
    for line in invoice_lines(invoice):
        group = groups.setdefault(line.unit_id, CostCentreGroup(line.cost_centre, line.unit.name))
        group.lines.append(line)
    return sorted(groups.values(), key=lambda g: (g.cost_centre, g.unit_name))


def runs_list(user: ActingUser) -> QuerySet[InvoiceRun]:
    finance_check(user)
    return InvoiceRun.objects.annotate(
        invoice_count=Count("invoices", distinct=True), total=Sum("invoices__total")
    ).order_by("-month", "-id")


def run_get(user: ActingUser, pk: int) -> InvoiceRun:
    run = runs_list(user).filter(pk=pk).first()
    if run is None:
        raise NotFound("run_not_found", _("The run does not exist."))
    return run


def run_invoices(run: InvoiceRun) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(run=run)
        .select_related("principal")
        .annotate(line_count=Count("lines"))
        .order_by("-principal__kind", "principal__name")  # the region first
    )


def transfers_list(user: ActingUser) -> QuerySet[CostTransfer]:
    finance_check(user)
    return CostTransfer.objects.select_related(
        "patient", "from_principal", "to_principal", "created_by"
    )


def account_mapping() -> dict[str, tuple[str, str]]:
    """Account and name per use: the stored mapping, else the BAS default."""
    accounts = dict(DEFAULT_ACCOUNTS)
    for m in AccountMapping.objects.all():
        accounts[m.key] = (m.account, m.name)
    return accounts


def account_mapping_rows() -> list[dict[str, str]]:
    accounts = account_mapping()
    return [
        {"key": key, "label": str(label), "account": accounts[key][0], "name": accounts[key][1]}
        for key, label in AccountKey.choices
    ]


def issued_documents(start: datetime.date, end: datetime.date) -> QuerySet[Invoice]:
    """Invoices and credit notes issued in [start, end], in number order."""
    return (
        Invoice.objects.filter(
            status=InvoiceStatus.ISSUED, invoice_date__gte=start, invoice_date__lte=end
        )
        .select_related("principal", "credited_invoice")
        .prefetch_related("lines__unit")
        .order_by("year", "sequence")
    )


@dataclass(frozen=True)
class RentRevenue:
    """What the principals were invoiced for one month's rent, net of credit notes:
    ``rent`` the whole rent, ``surcharge`` the part of it that funds the joint economy;
    ``sales`` and ``urgent_fees`` the month's other billed amounts."""

    month: datetime.date
    rent: Decimal = ZERO
    surcharge: Decimal = ZERO
    sales: Decimal = ZERO
    urgent_fees: Decimal = ZERO


def rent_revenue_per_month(
    start: datetime.date, end: datetime.date
) -> dict[datetime.date, RentRevenue]:
    """Month (its first day) → rent revenue, for every month from ``start``'s to
    ``end``'s, from issued invoices and credit notes only, by the month billed (a credit
    note counts in the month of the lines it reverses)."""
    months: list[datetime.date] = []
    month = rent.month_start(start)
    while month <= end:
        months.append(month)
        month = rent.next_month(month)
    sums: dict[datetime.date, dict[str, Decimal]] = defaultdict(dict)
    rows = (
        InvoiceLine.objects.filter(
            invoice__status=InvoiceStatus.ISSUED,
            month__gte=rent.month_start(start),
            month__lte=end,
        )
        .values("month", "kind")
        .annotate(amount=Sum("amount"), surcharge=Sum("surcharge"))
        .order_by()
    )
    for row in rows:
        # SQLite sums decimals as floats: back to öre (exact for any realistic total).
        sums[row["month"]][row["kind"]] = (row["amount"] or ZERO).quantize(CENT)
        if row["kind"] == LineKind.RENT:
            sums[row["month"]]["surcharge"] = (row["surcharge"] or ZERO).quantize(CENT)
    result = {}
    for m in months:
        s = sums.get(m, {})
        result[m] = RentRevenue(
            month=m,
            rent=s.get(LineKind.RENT, ZERO),
            surcharge=s.get("surcharge", ZERO),
            sales=s.get(LineKind.SALE, ZERO) + s.get(LineKind.SALE_WITH_RETURN, ZERO),
            urgent_fees=s.get(LineKind.URGENT_FEE, ZERO),
        )
    return result

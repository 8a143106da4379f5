"""Reads of the joint investment. Views, the API, the exports and the joint-economy
ledger read through these; each list is computed in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.actors import ActingUser
from core.errors import NotFound, NotPermitted
from investment import terms
from investment.choices import InvoiceKind, PaymentStatus, RequestStatus
from investment.models import InvestmentInvoice, InvestmentPayment, InvestmentRequest, InvestmentRun
from registry.access import contact_principal_ids, is_finance_officer
from registry.choices import ContactRole
from registry.models import AgreementSignature, Principal
from registry.selectors import COLLABORATION_AGREEMENT, principal_sort_key

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# The contact roles that may see their principal's investment and send the request form.
REQUEST_CONTACT_ROLES = (ContactRole.MAIN, ContactRole.FINANCE)


# --- Who pays ------------------------------------------------------------------------


def investment_signatories() -> QuerySet[Principal]:
    """The principals that signed the collaboration agreement and had not left it by the
    due date: those the investment is invoiced to (the region and 47 municipalities).

    The registry's signing dates are placeholders (the seeds give none; 2022-12-01 is
    used), later than the invoicing in 2022, so "signed" means "has a signature of the
    agreement", not "was a party on the day of the run"."""
    signatures = AgreementSignature.objects.filter(agreement__code=COLLABORATION_AGREEMENT).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=terms.DUE_ON)
    )
    # The region first; callers that list them sort by principal_sort_key (Swedish order).
    return Principal.objects.filter(pk__in=signatures.values("principal_id")).order_by(
        "-kind", "name"
    )


def principal_is_signatory(principal: Principal) -> bool:
    return investment_signatories().filter(pk=principal.pk).exists()


def investment_expected_total(*, all_principals: bool = False) -> Decimal:
    """The investment computed from the registry: the signatories' shares (34 157 170 SEK),
    or, as a comparison, what it would have been had every principal signed (34 897 180)."""
    principals = Principal.objects.all() if all_principals else investment_signatories()
    populations = principals.values_list("population", flat=True)
    return sum((terms.amount_for(p) for p in populations), ZERO)


def investment_all_principals_total() -> Decimal:
    return investment_expected_total(all_principals=True)


def investment_run_get() -> InvestmentRun | None:
    return InvestmentRun.objects.filter(code=terms.RUN_CODE).first()


# --- One principal's position ----------------------------------------------------------


@dataclass
class Position:
    """A principal's standing with its share of the investment."""

    principal: Principal
    amount: Decimal  # net invoiced (invoices less credit notes), or the share to invoice
    invoice: InvestmentInvoice | None  # the invoice in force (not credited)
    original_due_on: datetime.date
    due_on: datetime.date
    postponed: bool
    paid: Decimal
    last_paid_on: datetime.date | None
    pending_requests: int
    status: PaymentStatus
    invoices: list[InvestmentInvoice] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid if self.invoice is not None else self.amount

    @property
    def status_label(self) -> str:
        return str(self.status.label)

    @property
    def is_late(self) -> bool:
        return self.status == PaymentStatus.LATE


def position_status(
    *, invoiced: bool, outstanding: Decimal, paid: Decimal, due_on: datetime.date,
    postponed: bool, today: datetime.date,
) -> PaymentStatus:  # fmt: skip
    if not invoiced:
        return PaymentStatus.NOT_INVOICED
    if outstanding <= 0:
        return PaymentStatus.PAID
    if today > due_on:
        return PaymentStatus.LATE
    if paid > 0:
        return PaymentStatus.PARTLY_PAID
    if postponed:
        return PaymentStatus.POSTPONED
    return PaymentStatus.OPEN


def _approved_due_dates(principal_ids: list[int] | None = None) -> dict[int, datetime.date]:
    """Each principal's due date from its latest approved postponement."""
    qs = InvestmentRequest.objects.filter(status=RequestStatus.APPROVED, postpone=True)
    if principal_ids is not None:
        qs = qs.filter(principal_id__in=principal_ids)
    dates: dict[int, datetime.date] = {}
    # Ordered by review then id: the latest decision wins.
    for principal_id, due_on in qs.order_by("reviewed_on", "id").values_list(
        "principal_id", "requested_due_on"
    ):
        if due_on is not None:
            dates[principal_id] = due_on
    return dates


def principal_due_on(principal: Principal) -> datetime.date:
    """The principal's due date in force: the approved postponement, else 2022-12-31."""
    return _approved_due_dates([principal.pk]).get(principal.pk, terms.DUE_ON)


def _positions(
    principals: list[Principal], run: InvestmentRun | None, today: datetime.date
) -> list[Position]:
    """Positions of many principals in five queries, whatever their number."""
    ids = [p.pk for p in principals]
    invoices: dict[int, list[InvestmentInvoice]] = defaultdict(list)
    paid: dict[int, tuple[Decimal, datetime.date | None]] = {}
    if run is not None:
        for invoice in InvestmentInvoice.objects.filter(run=run, principal_id__in=ids).annotate(
            n_credits=Count("credited_by")
        ):
            invoices[invoice.principal_id].append(invoice)
        for row in (
            InvestmentPayment.objects.filter(run=run, principal_id__in=ids)
            .values("principal_id")
            .annotate(total=Sum("amount"), last=Max("paid_on"))
        ):
            # SQLite sums decimals as floats: back to öre.
            paid[row["principal_id"]] = ((row["total"] or ZERO).quantize(CENT), row["last"])
    due_dates = _approved_due_dates(ids)
    pending = dict(
        InvestmentRequest.objects.filter(principal_id__in=ids, status=RequestStatus.SUBMITTED)
        .values("principal_id")
        .annotate(n=Count("id"))
        .values_list("principal_id", "n")
    )
    positions = []
    for principal in principals:
        own = invoices.get(principal.pk, [])
        current = next(
            (
                i
                for i in reversed(own)
                if i.kind == InvoiceKind.INVOICE and not getattr(i, "n_credits", 0)
            ),
            None,
        )
        amount = (
            sum((i.amount for i in own), ZERO) if own else terms.amount_for(principal.population)
        )
        paid_total, last_paid = paid.get(principal.pk, (ZERO, None))
        original = run.due_on if run is not None else terms.DUE_ON
        due_on = due_dates.get(principal.pk, original)
        postponed = principal.pk in due_dates and due_on != original
        outstanding = amount - paid_total
        positions.append(
            Position(
                principal=principal,
                amount=amount,
                invoice=current,
                original_due_on=original,
                due_on=due_on,
                postponed=postponed,
                paid=paid_total,
                last_paid_on=last_paid,
                pending_requests=pending.get(principal.pk, 0),
                status=position_status(
                    invoiced=current is not None,
                    outstanding=outstanding,
                    paid=paid_total,
                    due_on=due_on,
                    postponed=postponed,
                    today=today,
                ),
                invoices=own,
            )
        )
    return positions


@dataclass
class Totals:
    principals: int
    population: int
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    late: int
    paid_count: int
    postponed: int


@dataclass
class Overview:
    run: InvestmentRun | None
    rows: list[Position]
    totals: Totals  # over every signatory, whatever the filter
    all_principals_total: Decimal


STATUS_FILTERS: dict[str, tuple[PaymentStatus, ...]] = {
    "late": (PaymentStatus.LATE,),
    "paid": (PaymentStatus.PAID,),
    "unpaid": (
        PaymentStatus.OPEN,
        PaymentStatus.POSTPONED,
        PaymentStatus.PARTLY_PAID,
        PaymentStatus.LATE,
        PaymentStatus.NOT_INVOICED,
    ),
    "postponed": (),  # by the postponed flag, whatever the status
}


def investment_overview(
    *, today: datetime.date | None = None, status: str | None = None
) -> Overview:
    """Every signatory's position, the totals, and the all-principals comparison."""
    day = today or timezone.localdate()
    run = investment_run_get()
    principals = sorted(investment_signatories(), key=principal_sort_key)
    positions = _positions(principals, run, day)
    totals = Totals(
        principals=len(positions),
        population=sum(p.principal.population for p in positions),
        amount=sum((p.amount for p in positions), ZERO),
        paid=sum((p.paid for p in positions), ZERO),
        outstanding=sum((p.outstanding for p in positions), ZERO),
        late=sum(1 for p in positions if p.status == PaymentStatus.LATE),
        paid_count=sum(1 for p in positions if p.status == PaymentStatus.PAID),
        postponed=sum(1 for p in positions if p.postponed),
    )
    rows = positions
    if status == "postponed":
        rows = [p for p in positions if p.postponed]
    elif status in STATUS_FILTERS:
        rows = [p for p in positions if p.status in STATUS_FILTERS[status]]
    return Overview(
        run=run,
        rows=rows,
        totals=totals,
        all_principals_total=investment_all_principals_total(),
    )


def principal_position(*, principal: Principal, today: datetime.date | None = None) -> Position:
    return _positions([principal], investment_run_get(), today or timezone.localdate())[0]


# --- Access ----------------------------------------------------------------------------


def contact_principals_of(user: ActingUser) -> list[int]:
    """The principals whose investment the user follows as main or finance contact."""
    ids: set[int] = set()
    for role in REQUEST_CONTACT_ROLES:
        ids.update(contact_principal_ids(user, role))
    return sorted(ids)


def principal_visible_get(*, user: ActingUser, code: str) -> Principal:
    """The principal, if the user may see its investment: finance officers see every
    signatory, a contact person their own. Otherwise 404 (unknown) or 403."""
    principal = Principal.objects.filter(code=code).first()
    if principal is None:
        raise NotFound("principal_not_found", _("There is no principal with that code."))
    if not is_finance_officer(user) and principal.pk not in contact_principals_of(user):
        raise NotPermitted(
            "not_own_principal",
            _("You can only see the joint investment of a principal you are a contact for."),
        )
    return principal


def investment_access_check(user: ActingUser) -> None:
    """Refuse (403) a user who is neither finance officer nor a principal's contact."""
    if not is_finance_officer(user) and not contact_principals_of(user):
        raise NotPermitted(
            "investment_not_permitted",
            _(
                "Only finance officers and the principals' main or finance contacts "
                "may see the joint investment."
            ),
        )


def requests_visible_to(user: ActingUser) -> QuerySet[InvestmentRequest]:
    qs = InvestmentRequest.objects.select_related("principal", "submitted_by", "reviewed_by")
    if is_finance_officer(user):
        return qs
    return qs.filter(principal_id__in=contact_principals_of(user))


def request_get(*, user: ActingUser, pk: int) -> InvestmentRequest:
    request = requests_visible_to(user).filter(pk=pk).first()
    if request is None:
        raise NotFound("request_not_found", _("There is no such request."))
    return request


def invoice_visible_get(*, user: ActingUser, number: str) -> InvestmentInvoice:
    invoice = (
        InvestmentInvoice.objects.select_related("principal", "run", "credits")
        .filter(number=number)
        .first()
    )
    if invoice is None or (
        not is_finance_officer(user) and invoice.principal_id not in contact_principals_of(user)
    ):
        raise NotFound("invoice_not_found", _("There is no such invoice."))
    return invoice


def payments_of(principal: Principal) -> QuerySet[InvestmentPayment]:
    return InvestmentPayment.objects.select_related("invoice", "recorded_by").filter(
        principal=principal
    )


# --- The request form's window ---------------------------------------------------------


@dataclass
class FormState:
    open: bool
    reason: str | Promise = ""


def request_form_state(*, principal: Principal, today: datetime.date | None = None) -> FormState:
    """Whether the principal's contact may send the request form today, and if not, why."""
    day = today or timezone.localdate()
    if not principal_is_signatory(principal):
        return FormState(False, NOT_SIGNATORY_MESSAGE)
    if day > terms.REQUEST_DEADLINE:
        return FormState(False, FORM_CLOSED_MESSAGE)
    if InvestmentRequest.objects.filter(
        principal=principal, status=RequestStatus.SUBMITTED
    ).exists():
        return FormState(False, PENDING_MESSAGE)
    return FormState(True)


NOT_SIGNATORY_MESSAGE = _(
    "The principal has not signed the collaboration agreement, so it takes no part in "
    "the joint investment."
)
FORM_CLOSED_MESSAGE = _(
    "The request form closed on 31 August 2022: changes of invoice details and "
    "postponements had to be sent by then."
)
PENDING_MESSAGE = _(
    "A request from the principal awaits the finance officer's review; send a new one "
    "when it has been decided."
)


# --- For the joint-economy ledger ------------------------------------------------------


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def investment_received_per_month(
    start: datetime.date, end: datetime.date
) -> dict[datetime.date, Decimal]:
    """Payments received per calendar month, for payment dates from ``start`` to ``end``
    (both inclusive). Keys are the first day of each month in the period, every month
    present (0.00 when nothing came in); values exact to the öre."""
    result: dict[datetime.date, Decimal] = {}
    month = _month_start(start)
    while month <= end:
        result[month] = ZERO
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    rows = (
        InvestmentPayment.objects.filter(paid_on__gte=start, paid_on__lte=end)
        .annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    for row in rows:
        month_value = row["month"]
        if isinstance(month_value, datetime.datetime):
            month_value = month_value.date()
        total = (row["total"] or ZERO).quantize(CENT)  # SQLite sums as floats
        result[month_value] = result.get(month_value, ZERO) + total
    return result


def investment_total() -> Decimal:
    """The joint investment in SEK: the net invoiced amount of the run when issued, else
    the signatories' computed shares (the same 34 157 170 SEK)."""
    run = investment_run_get()
    if run is not None:
        total = InvestmentInvoice.objects.filter(run=run).aggregate(total=Sum("amount"))["total"]
        if total is not None:
            return Decimal(total).quantize(CENT)
    return investment_expected_total()

"""Demo data for the joint investment: the run issued 2022-07-01, a few requests from
the summer of 2022 and the payments that followed. Idempotent: run it again and nothing
is added. Call after the reference and demo data are loaded:

    from investment.demo import demo_investment_load; demo_investment_load()
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from investment import actions, terms
from investment.models import InvestmentPayment, InvestmentRequest
from investment.selectors import investment_run_get, investment_signatories, principal_position
from registry.models import Principal

ISSUED_ON = datetime.date(2022, 7, 1)
D = datetime.date

# (principal code, request fields, submitted on, decision (approve?, reason, on) or None)
REQUESTS: list[
    tuple[str, dict[str, Any], datetime.date, tuple[bool, str, datetime.date] | None]
] = [
    # Skövde's finance contact asks to pay at the latest possible date; approved.
    (
        "1496",
        {"postpone": True, "requested_due_on": D(2023, 3, 31), "message": "Budgetskäl."},
        D(2022, 8, 15),
        (True, "", D(2022, 8, 22)),
    ),
    # Göteborg wants its own reference on the invoice: approved after issue, so the
    # invoice is credited and a new one issued with the new details.
    (
        "1480",
        {
            "change_details": True,
            "invoice_reference": "Äldre samt vård- och omsorgsförvaltningen, ref 4711",
            "invoice_address": "Göteborgs Stad\nFE 123\n405 18 Göteborg",
            "organisation_number": "212000-1355",
        },
        D(2022, 8, 10),
        (True, "", D(2022, 8, 12)),
    ),
    # Mariestad asks for a date past the due date for no stated reason; rejected.
    (
        "1493",
        {"postpone": True, "requested_due_on": D(2023, 2, 15)},
        D(2022, 8, 29),
        (False, "Ingen grund för senareläggning angiven; betala senast 2022-12-31.", D(2022, 9, 5)),
    ),
    # Lysekil's last-day request still awaits review (for the review screen).
    (
        "1484",
        {"change_details": True, "invoice_reference": "Kommunstyrelsen, ansvar 1100"},
        D(2022, 8, 31),
        None,
    ),
]

# Principals that pay late or not at all: code -> list of (paid on, share of amount).
LATE = {
    "1438": [],  # Dals-Ed: nothing paid
    "1430": [],  # Munkedal: nothing paid
    "1498": [(D(2022, 12, 20), Decimal("0.5"))],  # Tidaholm: half paid, rest late
    "1482": [(D(2023, 1, 20), Decimal("1"))],  # Kungälv: paid in full, three weeks late
}
SKOVDE_PAID_ON = D(2023, 3, 28)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


@transaction.atomic
def demo_investment_load() -> Counter[str]:
    counts: Counter[str] = Counter()
    finance = _user("olof.ekonomi")
    if investment_run_get() is None:
        actions.investment_run_issue(acting_user=None, issued_on=ISSUED_ON)
        counts["run_issued"] += 1
    principals = {p.code: p for p in Principal.objects.all()}
    for code, fields, submitted_on, decision in REQUESTS:
        principal = principals.get(code)
        if principal is None or InvestmentRequest.objects.filter(principal=principal).exists():
            continue
        submitter = _user("mats.olsson") if code == "1496" else None
        request = actions.investment_request_submit(
            acting_user=submitter, principal=principal, today=submitted_on, **fields
        )
        counts["request_submitted"] += 1
        if decision is not None:
            approve, reason, on = decision
            actions.investment_request_review(
                acting_user=finance, request=request, approve=approve, reason=reason, today=on
            )
            counts["request_reviewed"] += 1
    for index, principal in enumerate(investment_signatories()):
        if InvestmentPayment.objects.filter(principal=principal).exists():
            continue
        position = principal_position(principal=principal, today=SKOVDE_PAID_ON)
        if principal.code in LATE:
            plan = [
                (on, (position.amount * share).quantize(terms.ORE))
                for on, share in LATE[principal.code]
            ]
        elif principal.code == "1496":
            plan = [(SKOVDE_PAID_ON, position.amount)]
        else:
            # On time: spread over the weeks before the due date.
            plan = [(D(2022, 11, 15) + datetime.timedelta(days=index % 40), position.amount)]
        for paid_on, amount in plan:
            actions.investment_payment_record(
                acting_user=finance,
                principal=principal,
                paid_on=paid_on,
                amount=amount,
                reference=f"OCR {principal.code}{paid_on:%y%m%d}",
                today=paid_on,
            )
            counts["payment_recorded"] += 1
    return counts

"""The accounting export as SIE type 4 (SIE-gruppen's file format, version 4B), written
from the specification: one verification (#VER) per issued invoice or credit note of a
period, with its transactions (#TRANS) on the mapped accounts.

The file is "PC8": IBM code page 437, lines ending CR LF, fields separated by a space,
text in quotation marks (a quotation mark inside written as \\"), amounts with a decimal
point and two decimals, dates as YYYYMMDD. Object lists (``{1 "K123"}``) carry the
unit's cost centre in dimension 1 (kostnadsställe).

Each invoice is booked: debit accounts receivable with the total, credit the revenue
accounts per line kind and cost centre (the rent net of its surcharge on the rent
account, the surcharge on its own account). A credit note is booked with the signs
reversed. Every verification therefore sums to 0.00.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from billing.choices import LINE_ACCOUNT, AccountKey, LineKind
from billing.models import Invoice
from billing.terms import SELLER_COMPANY_NAME, SELLER_ORGANISATION_NUMBER

PROGRAM_NAME = "Digitala hjälpmedel"
PROGRAM_VERSION = "1.0"
VERIFICATION_SERIES = "F"  # F for fakturor: invoices and credit notes share the series
COST_CENTRE_DIMENSION = 1  # SIE's reserved dimension 1 is kostnadsställe


def sie_text(value: str) -> str:
    """A quoted SIE string: quotation marks escaped, control characters removed."""
    cleaned = "".join(ch for ch in value if ch >= " ")
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sie_amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


def sie_date(value: datetime.date) -> str:
    return value.strftime("%Y%m%d")


@dataclass(frozen=True)
class Transaction:
    account: str
    cost_centre: str
    amount: Decimal


def verification_transactions(
    invoice: Invoice, accounts: dict[str, tuple[str, str]]
) -> list[Transaction]:
    """Debit receivables, credit revenue per account and cost centre (for an invoice;
    a credit note's negative amounts reverse it). Sums to zero."""
    credit: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in invoice.lines.all():
        revenue = line.amount
        if line.kind == LineKind.RENT and line.surcharge:
            credit[(accounts[AccountKey.SURCHARGE][0], line.cost_centre)] += line.surcharge
            revenue -= line.surcharge
        key = LINE_ACCOUNT[LineKind(line.kind)]
        credit[(accounts[key][0], line.cost_centre)] += revenue
    total = sum(credit.values(), Decimal("0.00"))
    trans = [Transaction(accounts[AccountKey.RECEIVABLES][0], "", total)]
    trans += [
        Transaction(account, centre, -amount)
        for (account, centre), amount in sorted(credit.items())
        if amount
    ]
    return trans


def sie4_write(
    documents: Iterable[Invoice],
    *,
    start: datetime.date,
    end: datetime.date,
    accounts: dict[str, tuple[str, str]],
    generated: datetime.date,
    unit_names: dict[str, str] | None = None,
) -> bytes:
    """The SIE 4 file of the issued ``documents`` dated in [start, end] (one fiscal
    year, the calendar year of ``start``)."""
    documents = list(documents)
    out: list[str] = []
    out.append("#FLAGGA 0")
    out.append(f"#PROGRAM {sie_text(PROGRAM_NAME)} {sie_text(PROGRAM_VERSION)}")
    out.append("#FORMAT PC8")
    out.append(f"#GEN {sie_date(generated)}")
    out.append("#SIETYP 4")
    out.append(f"#PROSA {sie_text(f'Fakturor {start.isoformat()} - {end.isoformat()}')}")
    out.append(f"#ORGNR {SELLER_ORGANISATION_NUMBER}")
    out.append(f"#FNAMN {sie_text(SELLER_COMPANY_NAME)}")
    year_start = datetime.date(start.year, 1, 1)
    year_end = datetime.date(start.year, 12, 31)
    out.append(f"#RAR 0 {sie_date(year_start)} {sie_date(year_end)}")
    out.append("#VALUTA SEK")
    for account, name in sorted(set(accounts.values())):
        out.append(f"#KONTO {account} {sie_text(name)}")
        kind = "T" if account.startswith("1") else "I"  # tillgång or intäkt
        out.append(f"#KTYP {account} {kind}")
    centres: dict[str, str] = dict(unit_names or {})
    verifications: list[tuple[Invoice, list[Transaction]]] = []
    for doc in documents:
        trans = verification_transactions(doc, accounts)
        verifications.append((doc, trans))
        for line in doc.lines.all():
            if line.cost_centre:
                centres.setdefault(line.cost_centre, line.unit.name)
    if centres:
        out.append(f"#DIM {COST_CENTRE_DIMENSION} {sie_text('Kostnadsställe')}")
        for centre, name in sorted(centres.items()):
            out.append(f"#OBJEKT {COST_CENTRE_DIMENSION} {sie_text(centre)} {sie_text(name)}")
    for doc, trans in verifications:
        if doc.invoice_date is None or doc.sequence is None:
            continue  # only issued documents carry a date and a number
        what = "Kreditfaktura" if doc.is_credit_note else "Faktura"
        text = f"{what} {doc.number} {doc.principal.name}"
        out.append(
            f"#VER {sie_text(VERIFICATION_SERIES)} {sie_text(str(doc.sequence))} "
            f"{sie_date(doc.invoice_date)} {sie_text(text)} {sie_date(doc.invoice_date)}"
        )
        out.append("{")
        for t in trans:
            objects = (
                f"{{{COST_CENTRE_DIMENSION} {sie_text(t.cost_centre)}}}" if t.cost_centre else "{}"
            )
            out.append(f"   #TRANS {t.account} {objects} {sie_amount(t.amount)}")
        out.append("}")
    return ("\r\n".join(out) + "\r\n").encode("cp437", errors="replace")

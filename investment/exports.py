"""Downloads of the joint investment: the overview as CSV (semicolon separated, UTF-8
with BOM, decimal commas: what Swedish Excel and finance systems read) and as an Excel
workbook, and each invoice as a PDF in Swedish invoice layout (WeasyPrint)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from investment import terms
from investment.choices import InvoiceKind
from investment.models import InvestmentInvoice
from investment.selectors import Overview, principal_due_on

Cell = str | int | Decimal | datetime.date | None


def _columns() -> list[str | Promise]:
    return [
        _("Code"),
        _("Principal"),
        _("Population 2021-12-31"),
        _("Amount (SEK)"),
        _("Invoice number"),
        _("Payment due date"),
        _("Postponed"),
        _("Paid (SEK)"),
        _("Outstanding (SEK)"),
        _("Last payment"),
        _("Status"),
    ]


def _rows(overview: Overview) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for p in overview.rows:
        rows.append(
            [
                p.principal.code,
                p.principal.name,
                p.principal.population,
                p.amount,
                p.invoice.number if p.invoice else "",
                p.due_on,
                _("yes") if p.postponed else _("no"),
                p.paid,
                p.outstanding,
                p.last_paid_on,
                p.status_label,
            ]
        )
    return rows


def _total_row(overview: Overview) -> list[Cell]:
    t = overview.totals
    return [
        "",
        _("Total, %(n)s principals") % {"n": t.principals},
        t.population,
        t.amount,
        "",
        None,
        "",
        t.paid,
        t.outstanding,
        None,
        "",
    ]


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def overview_csv(overview: Overview) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(c) for c in _columns()])
    for row in [*_rows(overview), _total_row(overview)]:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def overview_xlsx(overview: Overview, today: datetime.date) -> bytes:
    workbook = Workbook()
    sheet = workbook.active or workbook.create_sheet()
    sheet.title = _("Joint investment")[:31]
    sheet.append([_("Joint investment %(code)s") % {"code": terms.RUN_CODE}])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Status as of %(date)s") % {"date": today.isoformat()}])
    sheet.append([])
    sheet.append([str(c) for c in _columns()])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
    for row in [*_rows(overview), _total_row(overview)]:
        # Excel has no decimal type: amounts go in as numbers with two decimals shown.
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    sheet[sheet.max_row][1].font = Font(bold=True)
    for letter, width in zip(
        "ABCDEFGHIJK", (8, 26, 14, 16, 16, 12, 10, 16, 16, 12, 16), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def invoice_html(invoice: InvestmentInvoice, request: HttpRequest | None = None) -> str:
    """The invoice in Swedish, whatever the reader's language: it is a Swedish invoice."""
    due_on = principal_due_on(invoice.principal)
    with translation.override("sv"):
        return _invoice_render(invoice, due_on, request)


def _invoice_render(
    invoice: InvestmentInvoice, due_on: datetime.date, request: HttpRequest | None
) -> str:
    return render_to_string(
        "investment/invoice_pdf.html",
        {
            "invoice": invoice,
            "seller_name": terms.SELLER_NAME,
            "seller_organisation_number": terms.SELLER_ORGANISATION_NUMBER,
            "vat_note": terms.VAT_NOTE,
            "vat_rate": terms.VAT_RATE,
            "rate": invoice.run.rate_per_inhabitant,
            "current_due_on": due_on,
            "due_changed": invoice.kind == InvoiceKind.INVOICE and due_on != invoice.due_on,
        },
        request=request,
    )


def invoice_pdf(invoice: InvestmentInvoice, request: HttpRequest | None = None) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=invoice_html(invoice, request)).write_pdf()
    return pdf

"""The invoice specification as a file: CSV (semicolon separated, UTF-8 with BOM and
decimal commas, as Swedish Excel expects), an Excel workbook and a PDF (WeasyPrint)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from billing import terms
from billing.models import Invoice, InvoiceLine
from billing.selectors import lines_by_cost_centre


class PdfUnavailable(Exception):
    """WeasyPrint cannot run here (the operating system lacks the Pango library)."""


def _comma(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _columns() -> list[str]:
    return [
        _("Invoice number"),
        _("Invoice date"),
        _("Buyer"),
        _("Cost centre"),
        _("Unit"),
        _("Kind"),
        _("Article number"),
        _("Product"),
        _("Serial number"),
        _("From"),
        _("To"),
        _("Days"),
        _("Price (SEK)"),
        _("Amount excl. VAT (SEK)"),
    ]


def _row(invoice: Invoice, line: InvoiceLine) -> list[Any]:
    return [
        invoice.number or _("Draft"),
        invoice.invoice_date,
        invoice.principal.name,
        line.cost_centre,
        line.unit.name,
        line.get_kind_display(),
        line.product.article_number,
        line.product.name,
        line.device_serial,
        line.period_start,
        line.period_end,
        f"{line.days}/{line.month_days}" if line.days is not None else "",
        line.unit_price,
        line.amount,
    ]


def invoice_csv(invoice: Invoice) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_columns())
    for group in lines_by_cost_centre(invoice):
        for line in group.lines:
            writer.writerow(
                [
                    _comma(v)
                    if isinstance(v, Decimal)
                    else (v.isoformat() if hasattr(v, "isoformat") else v)
                    for v in _row(invoice, line)
                ]
            )
    writer.writerow([])
    writer.writerow(
        [
            _("Total excl. VAT (SEK)"),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            _comma(invoice.total),
        ]
    )
    writer.writerow([_("VAT"), str(terms.VAT_NOTE)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def invoice_xlsx(invoice: Invoice) -> bytes:
    workbook = Workbook()
    sheet = workbook.active or workbook.create_sheet()
    sheet.title = (invoice.number or _("Draft"))[:31]
    title = _("Credit note") if invoice.is_credit_note else _("Invoice specification")
    sheet.append([f"{title} {invoice.number}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Seller"), terms.SELLER_NAME, terms.SELLER_ORGANISATION_NUMBER])
    sheet.append([_("Buyer"), invoice.principal.name, invoice.principal.organisation_number])
    sheet.append([_("Invoice date"), invoice.invoice_date, _("Payment due date"), invoice.due_date])
    sheet.append([_("VAT"), str(terms.VAT_NOTE)])
    sheet.append([])
    sheet.append(_columns())
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for group in lines_by_cost_centre(invoice):
        for line in group.lines:
            sheet.append(_row(invoice, line))
            row = sheet[sheet.max_row]
            for index in (1, 9, 10):
                row[index].number_format = "yyyy-mm-dd"
            for index in (12, 13):
                row[index].number_format = "#,##0.00"
    sheet.append([])
    sheet.append([_("Total excl. VAT (SEK)")] + [None] * 12 + [invoice.total])
    sheet[sheet.max_row][13].number_format = "#,##0.00"
    sheet[sheet.max_row][0].font = Font(bold=True)
    for letter, width in zip(
        "ABCDEFGHIJKLMN", (14, 12, 24, 12, 30, 16, 12, 30, 16, 12, 12, 8, 12, 16), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice": invoice,
        "groups": lines_by_cost_centre(invoice),
        "seller_name": terms.SELLER_NAME,
        "seller_organisation_number": terms.SELLER_ORGANISATION_NUMBER,
        "seller_address": terms.SELLER_ADDRESS,
        "vat_rate": terms.VAT_RATE,
        "vat_note": terms.VAT_NOTE,
        "payment_terms_days": terms.PAYMENT_TERMS_DAYS,
    }


def invoice_pdf(invoice: Invoice, base_url: str) -> bytes:
    html = render_to_string("billing/invoice_pdf.html", invoice_context(invoice))
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint needs the Pango library of the operating system
        raise PdfUnavailable from exc
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf

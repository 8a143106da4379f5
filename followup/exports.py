"""Downloads of a follow-up table: CSV for any spreadsheet (semicolon separated, UTF-8
with BOM and decimal commas, as Swedish Excel expects) and a real Excel workbook."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from followup.selectors import FollowupFilter
from followup.series import Column, Table, Value


def _csv_value(column: Column, value: Value) -> str:
    if value is None:
        return ""
    if column.kind == "share" and isinstance(value, float):
        return f"{value * 100:.1f}".replace(".", ",")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _header(column: Column) -> str:
    return f"{column.label} (%)" if column.kind == "share" else str(column.label)


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_header(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(c, row.get(c.key)) for c in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


NUMBER_FORMATS = {"share": "0.0%", "days": "0.0", "money": "#,##0.00", "int": "#,##0"}


def table_xlsx(table: Table, f: FollowupFilter) -> bytes:
    workbook = Workbook()
    sheet = workbook.active or workbook.create_sheet()
    sheet.title = table.name[:31]
    sheet.append([str(table.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"{f.start.isoformat()} – {f.end.isoformat()}"])
    if table.note:
        sheet.append([str(table.note)])
    sheet.append([])
    sheet.append([_header(c) for c in table.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in table.rows:
        values = []
        for c in table.columns:
            value = row.get(c.key)
            values.append(float(value) if isinstance(value, Decimal) else value)
        sheet.append(values)
        for cell, c in zip(sheet[sheet.max_row], table.columns, strict=True):
            if c.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[c.kind]
            elif c.kind == "date":
                cell.number_format = "yyyy-mm-dd"
    for index, c in enumerate(table.columns, start=1):
        width = max(len(_header(c)), 10)
        sheet.column_dimensions[sheet.cell(row=header_row, column=index).column_letter].width = min(
            width + 2, 60
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

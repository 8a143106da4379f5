"""The follow-up's chart series as tables: one builder per series, used alike by the
dashboard (chart + table), the downloads (CSV, Excel), the printable report and the
API. A table is columns (key, Swedish label) and rows of plain values."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from followup import selectors
from followup.selectors import DeliveryTimes, FollowupFilter
from logistics.choices import SupportSubject
from registry.choices import PrincipalKind

Value = str | int | float | Decimal | datetime.date | None


@dataclass
class Column:
    key: str
    label: str | Promise
    # "month", "date", "int", "share" (0..1), "days" (one decimal), "money", "text"
    kind: str = "int"


@dataclass
class Chart:
    """How the dashboard draws the table: which column names the categories and which
    columns are the bars or lines."""

    kind: str  # "bar", "stacked", "line", "percent"
    category: str
    values: list[str]
    reference: float | None = None
    title: str | Promise = ""  # when a table has several charts; else the table's title


@dataclass
class Table:
    name: str
    title: str | Promise
    columns: list[Column]
    rows: list[dict[str, Value]]
    charts: list[Chart] = field(default_factory=list)
    note: str | Promise = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _month(m: datetime.date) -> str:
    return m.strftime("%Y-%m")


def _products(ids: set[int] | list[int]) -> list[Product]:
    return list(Product.objects.filter(pk__in=ids).order_by("article_number"))


def delivered_per_month(f: FollowupFilter) -> Table:
    rows = [
        {
            "month": _month(r["month"]),
            "to_patients": r["to_patients"],
            "basic_equipment": r["basic_equipment"],
            "total": r["total"],
            "cumulative": r["cumulative"],
        }
        for r in selectors.delivered_per_month(f)
    ]
    return Table(
        name="delivered-per-month",
        title=_("Devices delivered per month"),
        columns=[
            Column("month", _("Month"), "month"),
            Column("to_patients", _("Prescribed to patients")),
            Column("basic_equipment", _("Basic equipment")),
            Column("total", _("Devices delivered")),
            Column("cumulative", _("Delivered in total (cumulative)")),
        ],
        rows=rows,
        charts=[
            Chart("stacked", "month", ["to_patients", "basic_equipment"]),
            Chart("line", "month", ["cumulative"], title=_("Delivered in total (cumulative)")),
        ],
        note=_("Redeliveries of returned and reconditioned devices are included."),
    )


def delivered_per_product_and_month(f: FollowupFilter) -> Table:
    data = selectors.delivered_per_month_and_product(f)
    products = _products(list(data))
    months = selectors.months_between(f.start, f.end)
    rows: list[dict[str, Value]] = []
    for month in months:
        row: dict[str, Value] = {"month": _month(month)}
        for p in products:
            row[p.article_number] = data[p.pk][month]
        rows.append(row)
    columns = [Column("month", _("Month"), "month")] + [
        Column(p.article_number, p.name) for p in products
    ]
    return Table(
        name="delivered-per-product-and-month",
        title=_("Devices delivered per product and month"),
        columns=columns,
        rows=rows,
        charts=[Chart("bar", "month", [p.article_number for p in products])],
    )


def delivered_by_principal_kind(f: FollowupFilter) -> Table:
    data = selectors.delivered_by_principal_kind(f)
    products = _products({pid for pid, _kind in data})
    rows: list[dict[str, Value]] = []
    for p in products:
        region = data.get((p.pk, PrincipalKind.REGION), 0)
        municipality = data.get((p.pk, PrincipalKind.MUNICIPALITY), 0)
        rows.append(
            {
                "product": p.name,
                "region": region,
                "municipality": municipality,
                "total": region + municipality,
            }
        )
    return Table(
        name="delivered-by-principal-kind",
        title=_("Devices delivered per product and type of principal"),
        columns=[
            Column("product", _("Product"), "text"),
            Column("region", _("Region")),
            Column("municipality", _("Municipalities")),
            Column("total", _("Devices delivered")),
        ],
        rows=rows,
        charts=[Chart("bar", "product", ["region", "municipality"])],
    )


def at_patients(f: FollowupFilter) -> Table:
    days = selectors.month_ends(f)
    if f.at not in days:
        days.append(f.at)
        days.sort()
    balances = selectors.at_patients_on(f, days)
    total = {day: sum(per.values()) for day, per in balances.items()}
    # The products ever delivered to a patient up to the last day (or those asked for).
    products = _products(
        {p for per in balances.values() for p in per} if not f.product_ids else set(f.product_ids)
    )
    per_product: dict[str, dict[datetime.date, int]] = {
        p.article_number: {day: balances[day][p.pk] for day in days} for p in products
    }
    rows: list[dict[str, Value]] = []
    for day in days:
        row: dict[str, Value] = {"date": day, "at_patients": total[day]}
        for article, series in per_product.items():
            row[article] = series[day]
        rows.append(row)
    return Table(
        name="at-patients",
        title=_("Devices at patients over time"),
        columns=[Column("date", _("Date"), "date"), Column("at_patients", _("At patients"))]
        + [Column(p.article_number, p.name) for p in products],
        rows=rows,
        charts=[Chart("line", "date", ["at_patients"] + [p.article_number for p in products])],
        note=_("Prescribed devices at patients at the end of each month and on the chosen day."),
    )


def _times_row(t: DeliveryTimes) -> dict[str, Value]:
    return {
        "counted": t.counted,
        "within": t.within,
        "late": t.late,
        "within_share": t.within_share,
        "median": t.median,
        "mean": t.mean,
    }


TIME_COLUMNS = [
    Column("counted", _("Deliveries counted")),
    Column("within", _("Within the agreed time")),
    Column("late", _("Late")),
    Column("within_share", _("Share within the agreed time"), "share"),
    Column("median", _("Median (working days)"), "days"),
    Column("mean", _("Mean (working days)"), "days"),
]

TIMES_NOTE = _(
    "Only deliveries by the device centre on or after each product's contract start; "
    "fast-track deliveries from a unit's own shelf are not timed."
)


def delivery_times_per_month(f: FollowupFilter) -> Table:
    times = selectors.delivery_times(f)["per_month"]
    rows = [
        {"month": _month(m), **_times_row(times.get(m, DeliveryTimes()))}
        for m in selectors.months_between(f.start, f.end)
    ]
    return Table(
        name="delivery-times-per-month",
        title=_("Deliveries within the agreed time per month"),
        columns=[Column("month", _("Month"), "month"), *TIME_COLUMNS],
        rows=rows,
        charts=[Chart("percent", "month", ["within_share"])],
        note=TIMES_NOTE,
    )


def delivery_times_per_product(f: FollowupFilter) -> Table:
    times = selectors.delivery_times(f)["per_product"]
    rows: list[dict[str, Value]] = [
        {
            "product": p.name,
            "agreed_days": p.agreed_delivery_days,
            **_times_row(times[p.pk]),
        }
        for p in _products(list(times))
    ]
    return Table(
        name="delivery-times-per-product",
        title=_("Deliveries within and outside the agreed time per product"),
        columns=[
            Column("product", _("Product"), "text"),
            Column("agreed_days", _("Agreed delivery time (working days)")),
            *TIME_COLUMNS,
        ],
        rows=rows,
        charts=[
            Chart("stacked", "product", ["within", "late"]),
            Chart("bar", "product", ["late"], title=_("Late deliveries per product")),
        ],
        note=TIMES_NOTE,
    )


def reconditionings_per_product(f: FollowupFilter) -> Table:
    delivered = selectors.delivered_per_product(f)
    recond = selectors.reconditionings_per_product(f)
    rows: list[dict[str, Value]] = [
        {
            "product": p.name,
            "delivered": delivered[p.pk],
            "reconditionings": recond[p.pk],
            "share": recond[p.pk] / delivered[p.pk] if delivered[p.pk] else None,
        }
        for p in _products(set(delivered) | set(recond))
    ]
    return Table(
        name="reconditionings-per-product",
        title=_("Reconditionings per product"),
        columns=[
            Column("product", _("Product"), "text"),
            Column("delivered", _("Devices delivered")),
            Column("reconditionings", _("Reconditionings")),
            Column("share", _("Reconditionings as a share of delivered"), "share"),
        ],
        rows=rows,
        charts=[Chart("bar", "product", ["reconditionings"])],
    )


def maintenance_per_product(f: FollowupFilter) -> Table:
    counts = selectors.maintenances_per_product(f)
    rows: list[dict[str, Value]] = [
        {"product": p.name, "maintenances": counts[p.pk]} for p in _products(set(counts))
    ]
    return Table(
        name="maintenance-per-product",
        title=_("Corrective maintenance per product"),
        columns=[
            Column("product", _("Product"), "text"),
            Column("maintenances", _("Corrective maintenances")),
        ],
        rows=rows,
        charts=[Chart("bar", "product", ["maintenances"])],
        note=_("Finished repairs; a check that found no fault is not counted."),
    )


def support_by_subject(f: FollowupFilter) -> Table:
    counts = selectors.support_by_subject(f)
    rows: list[dict[str, Value]] = [
        {"subject": str(label), "cases": counts.get(value, 0)}
        for value, label in SupportSubject.choices
    ]
    return Table(
        name="support-by-subject",
        title=_("Support cases by subject"),
        columns=[Column("subject", _("Subject"), "text"), Column("cases", _("Support cases"))],
        rows=rows,
        charts=[Chart("bar", "subject", ["cases"])],
    )


def ordering_units(f: FollowupFilter) -> Table:
    overview = selectors.ordering_overview(f)
    rows: list[dict[str, Value]] = [
        {
            "principal_kind": str(PrincipalKind(u.principal.kind).label),
            "principal": u.principal.name,
            "unit": u.name,
            "orders": u.orders_in_period,
        }
        for u in overview["units"]
    ]
    return Table(
        name="ordering-units",
        title=_("Principals and units that have ordered"),
        columns=[
            Column("principal_kind", _("Type of principal"), "text"),
            Column("principal", _("Principal"), "text"),
            Column("unit", _("Unit"), "text"),
            Column("orders", _("Orders")),
        ],
        rows=rows,
    )


def equality(f: FollowupFilter) -> Table:
    rows: list[dict[str, Value]] = []
    for r in selectors.equality_per_municipality(f):
        principal = r["principal"]
        rows.append(
            {
                "municipality": principal.name if principal else str(_("Not known")),
                "association": principal.association.name
                if principal and principal.association
                else "",
                "population": r["population"],
                "devices": r["devices"],
                "per_1000": round(r["per_1000"], 2) if r["per_1000"] is not None else None,
                "has_ordered": str(_("Yes")) if r["has_ordered"] else str(_("No")),
            }
        )
    return Table(
        name="equality",
        title=_("Devices at patients per 1 000 inhabitants by home municipality"),
        columns=[
            Column("municipality", _("Municipality"), "text"),
            Column("association", _("Municipal association"), "text"),
            Column("population", _("Inhabitants")),
            Column("devices", _("Devices at patients")),
            Column("per_1000", _("Per 1 000 inhabitants"), "days"),
            Column("has_ordered", _("The municipality has ordered"), "text"),
        ],
        rows=rows,
        charts=[Chart("bar", "municipality", ["per_1000"])],
        note=_("On the chosen day, by the patient's home municipality where it is known."),
    )


def rent_per_month(f: FollowupFilter) -> Table:
    """The rent invoiced per month (issued rent runs net of credit notes, all principals)
    beside the estimate from the loans, which follows the filter and covers months not
    yet invoiced."""
    from billing.selectors import rent_revenue_per_month

    estimate = selectors.rent_per_month(f)
    invoiced = rent_revenue_per_month(f.start, f.end) if not f.filters_orders else {}
    rows: list[dict[str, Value]] = []
    for month, amount in estimate.items():
        billed = invoiced.get(month)
        rows.append(
            {
                "month": _month(month),
                "invoiced": billed.rent if billed is not None and billed.rent else None,
                "surcharge": billed.surcharge if billed is not None and billed.rent else None,
                "rent": amount,
            }
        )
    return Table(
        name="rent-per-month",
        title=_("Rent revenue per month (SEK)"),
        columns=[
            Column("month", _("Month"), "month"),
            Column("invoiced", _("Invoiced rent (SEK)"), "money"),
            Column("surcharge", _("Of which surcharge (SEK)"), "money"),
            Column("rent", _("Estimated from the loans (SEK)"), "money"),
        ],
        rows=rows,
        charts=[Chart("bar", "month", ["invoiced", "rent"])],
        note=_(
            "Invoiced: the issued rent runs net of credit notes, for all principals (not "
            "shown with a principal, unit or type filter). Estimated: each rented device in "
            "the filter at its monthly rent, by the day, until rent stops."
        ),
    )


SERIES: dict[str, Callable[[FollowupFilter], Table]] = {
    "delivered-per-month": delivered_per_month,
    "delivered-per-product-and-month": delivered_per_product_and_month,
    "delivered-by-principal-kind": delivered_by_principal_kind,
    "at-patients": at_patients,
    "delivery-times-per-month": delivery_times_per_month,
    "delivery-times-per-product": delivery_times_per_product,
    "reconditionings-per-product": reconditionings_per_product,
    "maintenance-per-product": maintenance_per_product,
    "support-by-subject": support_by_subject,
    "ordering-units": ordering_units,
    "equality": equality,
    "rent-per-month": rent_per_month,
}


def table_values(table: Table) -> list[list[Any]]:
    """The rows as lists in column order (for CSV and Excel)."""
    return [[row.get(c.key) for c in table.columns] for row in table.rows]

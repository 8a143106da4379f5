"""REST endpoints of the follow-up: the summary and one endpoint per chart series. The
figures are aggregates without patient data, so every signed-in role may read them."""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from followup import cache as followup_cache
from followup import series
from followup.filters import followup_filter_parse
from followup.selectors import FollowupFilter, Summary

router = Router(tags=["follow-up"])


class FollowupQuery(Schema):
    """The period (both days included), the day for "at patients", and filters. Repeat
    a filter parameter for several values (``?product=DH-1001&product=DH-1003``)."""

    from_: datetime.date | None = Field(None, alias="from", description="First day.")
    to: datetime.date | None = Field(None, description="Last day (default today).")
    at: datetime.date | None = Field(None, description="Day for “at patients”.")
    product: list[str] = Field(default_factory=list, description="Article numbers.")
    principal: list[str] = Field(default_factory=list, description="Principal codes.")
    principal_kind: str = Field("", description="region or municipality.")
    unit: list[int] = Field(default_factory=list, description="Unit ids.")
    association: list[int] = Field(default_factory=list, description="Association ids.")

    def to_filter(self) -> FollowupFilter:
        return followup_filter_parse(
            start=self.from_,
            end=self.to,
            at=self.at,
            products=self.product,
            principals=self.principal,
            principal_kind=self.principal_kind,
            units=self.unit,
            associations=self.association,
        )


class FigureFields(Schema):
    delivered_total: int
    delivered_to_patients: int
    at_patients: int
    deliveries_counted: int
    deliveries_late: int
    within_agreed_time_share: float | None
    delivery_days_median: float | None
    delivery_days_mean: float | None
    reconditionings: int
    reconditioning_share: float | None
    corrective_maintenances: int
    support_cases: int


class ProductSummaryOut(FigureFields):
    article_number: str
    name: str


class SummaryOut(FigureFields):
    period_from: datetime.date
    period_to: datetime.date
    at: datetime.date
    delivered_basic_equipment: int
    devices_at_patients_ever: int
    corrective_maintenance_share: float | None
    ordering_principals: int
    ordering_municipalities: int
    ordering_regional_units: int
    ordering_units: int
    per_product: list[ProductSummaryOut]

    @staticmethod
    def resolve_period_from(obj: Summary) -> datetime.date:
        return obj.filter.start

    @staticmethod
    def resolve_period_to(obj: Summary) -> datetime.date:
        return obj.filter.end

    @staticmethod
    def resolve_at(obj: Summary) -> datetime.date:
        return obj.filter.at


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class SeriesOut(Schema):
    name: str
    title: str
    note: str
    period_from: datetime.date
    period_to: datetime.date
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]


@router.get("/followup/summary", response=SummaryOut)
def followup_summary_get(request: HttpRequest, filters: Query[FollowupQuery]) -> Summary:
    """Every key figure of the follow-up for the period, overall and per product."""
    f = filters.to_filter()
    return followup_cache.summary(f, followup_cache.data_fingerprint())


def _series_out(table: series.Table, f: FollowupFilter) -> dict[str, Any]:
    return {
        "name": table.name,
        "title": str(table.title),
        "note": str(table.note),
        "period_from": f.start,
        "period_to": f.end,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in table.columns],
        "rows": table.rows,
    }


def _series_endpoint(name: str) -> None:
    build = series.SERIES[name]

    def endpoint(request: HttpRequest, filters: Query[FollowupQuery]) -> dict[str, Any]:
        f = filters.to_filter()
        table = followup_cache.series_table(name, f, followup_cache.data_fingerprint())
        return _series_out(table, f)

    endpoint.__name__ = "followup_series_" + name.replace("-", "_")
    endpoint.__doc__ = (build.__doc__ or "") + f" The table behind the chart “{name}”."
    router.get(f"/followup/{name}", response=SeriesOut, operation_id=endpoint.__name__)(endpoint)


for _name in series.SERIES:
    _series_endpoint(_name)

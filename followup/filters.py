"""One definition of the follow-up's filter, read from the dashboard's query string and
from the API's parameters alike, with coded errors for bad input."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from core.errors import InvalidInput
from followup.selectors import FollowupFilter
from registry.choices import PrincipalKind
from registry.models import MunicipalAssociation, Principal, Unit

# The day the seed's follow-up was taken; the first delivery under the agreements.
HISTORY_START = datetime.date(2023, 9, 1)


def _date(value: str | datetime.date | None, field: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            "invalid_date", _("Give the date as YYYY-MM-DD, e.g. 2024-06-10."), field=field
        ) from None


def _ids(values: Iterable[str | int], field: str) -> tuple[int, ...]:
    result = []
    for value in values:
        if value in ("", None):
            continue
        try:
            result.append(int(value))
        except (TypeError, ValueError):
            raise InvalidInput("invalid_filter", _("Unknown choice."), field=field) from None
    return tuple(sorted(set(result)))


def followup_filter_parse(
    *,
    start: str | datetime.date | None = None,
    end: str | datetime.date | None = None,
    at: str | datetime.date | None = None,
    products: Iterable[str] = (),
    principals: Iterable[str] = (),
    principal_kind: str = "",
    units: Iterable[str | int] = (),
    associations: Iterable[str | int] = (),
) -> FollowupFilter:
    """Build the filter. ``products`` are article numbers and ``principals`` principal
    codes (what people know them by); units and associations are ids. The period
    defaults to the whole history up to today, "at patients" to the period's end."""
    today = timezone.localdate()
    first = _date(start, "from") or HISTORY_START
    last = _date(end, "to") or today
    if last < first:
        raise InvalidInput("period_reversed", _("The period ends before it starts."), field="to")
    if (last - first).days > 366 * 10:
        raise InvalidInput(
            "period_too_long", _("Choose a period of at most ten years."), field="from"
        )
    day = _date(at, "at") or min(last, today)
    articles = sorted({a.strip() for a in products if a and a.strip()})
    product_ids = tuple(
        Product.objects.filter(article_number__in=articles).values_list("pk", flat=True)
    )
    if len(product_ids) != len(articles):
        raise InvalidInput("unknown_product", _("Unknown article number."), field="product")
    codes = sorted({c.strip() for c in principals if c and c.strip()})
    principal_ids = tuple(Principal.objects.filter(code__in=codes).values_list("pk", flat=True))
    if len(principal_ids) != len(codes):
        raise InvalidInput("unknown_principal", _("Unknown principal code."), field="principal")
    if principal_kind and principal_kind not in PrincipalKind.values:
        raise InvalidInput(
            "invalid_principal_kind",
            _("The principal type is region or municipality."),
            field="principal_kind",
        )
    unit_ids = _ids(units, "unit")
    if Unit.objects.filter(pk__in=unit_ids).count() != len(unit_ids):
        raise InvalidInput("unknown_unit", _("Unknown unit."), field="unit")
    association_ids = _ids(associations, "association")
    if MunicipalAssociation.objects.filter(pk__in=association_ids).count() != len(association_ids):
        raise InvalidInput(
            "unknown_association", _("Unknown municipal association."), field="association"
        )
    return FollowupFilter(
        start=first,
        end=last,
        at=day,
        product_ids=tuple(sorted(product_ids)),
        principal_ids=tuple(sorted(principal_ids)),
        principal_kind=principal_kind,
        unit_ids=unit_ids,
        association_ids=association_ids,
    )

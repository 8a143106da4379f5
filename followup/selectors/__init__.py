"""The follow-up's figures, computed from the supply chain's events for any period and
filter. Nothing here is stored: every figure is a query over ``DeviceEvent`` (joined to
the order it concerns), so a corrected or imported history changes the figures at once.

Definitions (docs/followup.md explains them for readers of the report):

- *delivered*: ``delivered`` events in the period, redeliveries of reconditioned devices
  included; *to patients* are those of prescriptions, the rest basic equipment.
- *at patients* on a day: prescription loans delivered on or before it and not received
  back on or before it.
- *delivery time*: working days from order to delivery, counted only for deliveries by
  the device centre (not fast-track deliveries from a unit's own shelf) delivered on or
  after the product's contract start; *late* when above the product's agreed days.
- *reconditionings*: ``reconditioned`` events; *corrective maintenance*: finished repairs
  whose outcome was not "no fault found"; *support cases*: ``support_opened`` events.
- Filters on principal or unit apply to the order an event concerns; reconditionings and
  repairs belong to the order of the device's latest delivery before them.
"""

from followup.selectors.breakdowns import (
    delivered_by_principal_kind,
    delivered_per_month,
    delivered_per_month_and_product,
    support_by_subject,
)
from followup.selectors.events import (
    FollowupFilter,
    Month,
    delivered_events,
    maintenance_events,
    months_between,
    per_product,
    reconditioning_events,
    submitted_events,
    support_events,
)
from followup.selectors.patients import (
    at_patients_per_product,
    at_patients_series,
    equality_per_municipality,
    month_ends,
)
from followup.selectors.rent import rent_per_month
from followup.selectors.summary import ProductFigures, Summary, followup_summary, ordering_overview
from followup.selectors.times import DeliveryTimes, counted_deliveries, delivery_times

__all__ = [
    "DeliveryTimes",
    "FollowupFilter",
    "Month",
    "ProductFigures",
    "Summary",
    "at_patients_per_product",
    "at_patients_series",
    "counted_deliveries",
    "delivered_by_principal_kind",
    "delivered_events",
    "delivered_per_month",
    "delivered_per_month_and_product",
    "delivery_times",
    "equality_per_municipality",
    "followup_summary",
    "maintenance_events",
    "month_ends",
    "months_between",
    "ordering_overview",
    "per_product",
    "reconditioning_events",
    "rent_per_month",
    "submitted_events",
    "support_by_subject",
    "support_events",
]

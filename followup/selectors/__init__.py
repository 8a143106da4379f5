"""The follow-up's figures, computed from the supply chain's events for any period and
filter: through the daily counts for the days that are over and from the events for the
last days (decision 0011), so a corrected or imported history changes the figures at
once.

Definitions (docs/followup.md explains them for readers of the report; followup/facts.py
says what each measure counts):

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
    delivered_per_product,
    in_period,
    maintenances_per_product,
    months_between,
    per_product,
    reconditionings_per_product,
)
from followup.selectors.patients import (
    at_patients_on,
    at_patients_per_product,
    at_patients_series,
    equality_per_municipality,
    month_ends,
)
from followup.selectors.rent import rent_per_month
from followup.selectors.summary import ProductFigures, Summary, followup_summary, ordering_overview
from followup.selectors.times import DeliveryTimes, delivery_times

__all__ = [
    "DeliveryTimes",
    "FollowupFilter",
    "Month",
    "ProductFigures",
    "Summary",
    "at_patients_on",
    "at_patients_per_product",
    "at_patients_series",
    "delivered_by_principal_kind",
    "delivered_per_month",
    "delivered_per_month_and_product",
    "delivered_per_product",
    "delivery_times",
    "equality_per_municipality",
    "followup_summary",
    "in_period",
    "maintenances_per_product",
    "month_ends",
    "months_between",
    "ordering_overview",
    "per_product",
    "reconditionings_per_product",
    "rent_per_month",
    "support_by_subject",
]

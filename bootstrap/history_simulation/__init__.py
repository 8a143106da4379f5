"""A seeded simulation of the demo history, 2023-09-01 to 2024-06-10.

The follow-up report of June 2024 (seed 000, "Försörjning") describes nine months of
deliveries, returns, reconditionings, repairs and support cases. This package builds a
history that comes out close to those figures, in two steps:

1. ``demo_history_plan`` (``plan``) draws a *plan* from ``random.Random(seed)`` and the
   parameters (``parameters``): which unit orders what on which day, for which patient,
   how long the delivery takes, whether and when the device comes back, which loans get
   a fault and which day a support case is opened. The plan is plain data; the same seed
   gives the same plan.
2. ``demo_history_load`` (``play``) plays the plan day by day through the real actions
   (``order_submit``, ``device_allocate``, ``delivery_confirm``, ``return_receive``,
   ``reconditioning_done`` …) with past business dates, so every rule applies and the
   same ``DeviceEvent`` rows are written as for real work. Which device an order gets is
   decided by the allocation itself (oldest in stock first), so reconditioned devices go
   out again.

``demo_history_figures`` (``figures``) computes the follow-up's key figures of what was
loaded. The parameters are module constants in ``parameters``; ``docs/demo-history.md``
explains them and compares the figures produced with the seed's. Everything is invented
demo data.
"""

from bootstrap.history_simulation.figures import HistoryFigures, demo_history_figures
from bootstrap.history_simulation.parameters import (
    DEFAULT_SEED,
    END,
    MEMBERS_FROM,
    MUNICIPAL_UNITS,
    REGION_UNITS,
    SIM_PREFIX,
    START,
    RegionUnit,
)
from bootstrap.history_simulation.plan import (
    Municipality,
    Plan,
    PlannedOrder,
    PlannedPatient,
    PlannedPerson,
    PlannedPurchase,
    PlannedRepair,
    PlannedSupport,
    demo_history_plan,
)
from bootstrap.history_simulation.play import (
    Step,
    demo_history_load,
    demo_history_loaded,
    municipalities_from_registry,
    plan_steps,
)

__all__ = [
    "DEFAULT_SEED",
    "END",
    "MEMBERS_FROM",
    "MUNICIPAL_UNITS",
    "REGION_UNITS",
    "SIM_PREFIX",
    "START",
    "HistoryFigures",
    "Municipality",
    "Plan",
    "PlannedOrder",
    "PlannedPatient",
    "PlannedPerson",
    "PlannedPurchase",
    "PlannedRepair",
    "PlannedSupport",
    "RegionUnit",
    "Step",
    "demo_history_figures",
    "demo_history_load",
    "demo_history_loaded",
    "demo_history_plan",
    "municipalities_from_registry",
    "plan_steps",
]

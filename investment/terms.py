"""The terms of the joint investment, as Bilaga 2 to the collaboration agreement states them.

One place for every date and figure the rules use, so that the screens, the API, the
documentation and the tests all say the same thing.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from registry.selectors import REGION_ORGANISATION_NUMBER

# The run's code; also the prefix of its invoice numbers (GI-2022-0001).
RUN_CODE = "2022"
INVOICE_NUMBER_PREFIX = "GI"

# "10 kronor per invånare" (Bilaga 2), from the population on 31 December 2021 (SCB).
RATE_PER_INHABITANT = Decimal("10.00")
POPULATION_DATE = datetime.date(2021, 12, 31)

# "Inbetalningen ska vara Västra Götalandsregionen tillhanda senast den 31/12 2022."
DUE_ON = datetime.date(2022, 12, 31)
# "Dessa uppgifter ska vara ifyllda senast 31 augusti 2022" (inclusive).
REQUEST_DEADLINE = datetime.date(2022, 8, 31)
# "senaste möjliga inbetalningsdatum är 31 mars 2023" (inclusive).
LATEST_DUE_ON = datetime.date(2023, 3, 31)

# The seller: Västra Götalandsregionen issues the invoices (Bilaga 2) and manages the
# joint economy. Its principal code in the registry and its organisation number.
SELLER_PRINCIPAL_CODE = "14"
SELLER_NAME = "Västra Götalandsregionen"
SELLER_ORGANISATION_NUMBER = REGION_ORGANISATION_NUMBER

# VAT handling: the investment is a contribution between public principals to a joint
# economy, not a sale of goods or services, so it lies outside the scope of VAT
# (mervärdesskattelagen). The invoices carry no VAT and say so.
VAT_RATE = Decimal("0.00")
VAT_NOTE = _(
    "No VAT: a contribution between public principals to the joint economy, "
    "outside the scope of VAT."
)

ORE = Decimal("0.01")


def amount_for(population: int) -> Decimal:
    """A principal's share: population × rate, rounded half up to whole öre (the product
    of an integer and whole kronor is exact; the rounding only fixes two decimals)."""
    return (Decimal(population) * RATE_PER_INHABITANT).quantize(ORE, rounding=ROUND_HALF_UP)

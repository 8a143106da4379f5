"""The seller and the terms printed on every invoice. Setting-like constants: change
them here (one place) if the region's finance office changes its terms."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from registry.selectors import REGION_ORGANISATION_NUMBER

# The seller: the region runs the device centre (Hjälpmedelscentralen) on behalf of all
# principals of the collaboration and invoices them.
SELLER_NAME = "Västra Götalandsregionen, Hjälpmedelscentralen"
SELLER_ORGANISATION_NUMBER = REGION_ORGANISATION_NUMBER
SELLER_ADDRESS = "Box 1234, 405 44 Göteborg"
# The code of the seller's own principal in the registry (for the SIE file's #FNAMN).
SELLER_COMPANY_NAME = "Västra Götalandsregionen"

PAYMENT_TERMS_DAYS = 30

# VAT: the rent and sales are invoiced between a region and municipalities (and the
# region itself), public bodies whose mutual supply within the collaboration is treated
# as outside the scope of VAT here; the amounts are therefore excluded of VAT and the VAT
# rate is 0 %. Should the region's tax advisers decide otherwise, change the rate and the
# note: every document prints both.
VAT_RATE = Decimal("0.00")
VAT_NOTE = _(
    "No VAT is charged: invoicing between regions and municipalities within the "
    "collaboration is outside the scope of VAT (0 %)."
)

OERE = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Round to öre, half up: the one rounding of every amount billed."""
    return value.quantize(OERE, rounding=ROUND_HALF_UP)

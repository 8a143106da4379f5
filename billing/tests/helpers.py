"""Loans for the billing tests, built through the real actions with past dates."""

import datetime
import itertools

from catalog.models import Product
from followup.tests.helpers import deliver
from logistics.actions import pickup_request, return_receive
from logistics.models import Loan
from orders.actions import OrderInput, PatientInput, order_submit
from orders.models import Patient
from orders.tests.helpers import BP, register, unit_of
from registry.models import Principal

D = datetime.date
GLUCOSE = "DH-1005"  # sold at 450.00
OXIMETER = "DH-1004"  # rented at 30.00 a month
CRITERIA = {BP: ["b420.2"], GLUCOSE: ["b540.2"], OXIMETER: ["b440.2"]}
PATIENT = "19121212-1212"
OTHER = "19800101-0001"
_serials = itertools.count(1)


def loan_for(
    user,
    delivered: datetime.date,
    *,
    number: str = PATIENT,
    product: str = BP,
    ordered: datetime.date | None = None,
    urgent: bool = False,
) -> Loan:
    """A device of ``product`` prescribed by ``user`` and delivered on ``delivered``."""
    register(product, f"S-{next(_serials)}", D(2023, 10, 1))
    ordered = ordered or delivered
    order = order_submit(
        data=OrderInput(
            product=Product.objects.get(article_number=product),
            unit=unit_of(user),
            patient=PatientInput(personal_number=number),
            criteria=CRITERIA[product],
            delivery_method="tour_van_home",
            ordered_on=ordered,
            urgent=urgent,
        ),
        acting_user=user,
    )[0]
    return deliver(order, ordered, delivered)


def picked_up(loan: Loan, requested: datetime.date, user) -> Loan:
    loan, _code = pickup_request(loan=loan, requested_on=requested, acting_user=user)
    return loan


def handed_in(loan: Loan, received: datetime.date) -> Loan:
    return return_receive(loan=loan, received_on=received, acting_user=None)


def region() -> Principal:
    return Principal.objects.get(code="14")


def skovde() -> Principal:
    return Principal.objects.get(code="1496")


def personal_number(index: int) -> str:
    """A valid personal identity number of someone born 1 January 1950 + ``index`` days."""
    from orders.personal_numbers import luhn_check_digit

    born = D(1950, 1, 1) + datetime.timedelta(days=index)
    digits = f"{born:%Y%m%d}{index % 1000:03d}"
    return f"{digits[:8]}-{digits[8:]}{luhn_check_digit(digits[2:])}"


def patient_of(loan: Loan) -> Patient:
    assert loan.patient is not None
    return loan.patient

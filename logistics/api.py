"""REST endpoints for loans and returns, maintenance, support and training."""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from audit.actions import access_log_record
from audit.choices import Resource
from catalog.selectors import product_get
from core.errors import NotFound
from devices.selectors import device_get
from logistics import actions
from logistics.models import Loan, SupportCase, Training, WorkOrder
from logistics.selectors import loan_get, loans_list
from registry.access import device_centre_check, is_device_centre, unit_ids_of
from registry.models import Unit

router = Router(tags=["logistics"])


class LoanOut(Schema):
    id: int
    device: int
    device_serial: str
    order: int
    patient: str | None
    unit: int
    cost_bearer: str
    started_on: datetime.date
    pickup_requested_on: datetime.date | None
    return_method: str
    pickup_due_on: datetime.date | None
    rent_stops_on: datetime.date | None
    ended_on: datetime.date | None

    @staticmethod
    def resolve_device(obj: Loan) -> int:
        return obj.device_id

    @staticmethod
    def resolve_device_serial(obj: Loan) -> str:
        return obj.device.serial_number

    @staticmethod
    def resolve_order(obj: Loan) -> int:
        return obj.order_id

    @staticmethod
    def resolve_patient(obj: Loan, context: dict[str, Any]) -> str | None:
        access_log_record(
            user=context["request"].user,
            patients=[obj.patient],
            resource=Resource.LOAN,
            object_id=obj.pk,
        )
        return str(obj.patient) if obj.patient else None

    @staticmethod
    def resolve_unit(obj: Loan) -> int:
        return obj.unit_id

    @staticmethod
    def resolve_cost_bearer(obj: Loan) -> str:
        return obj.cost_bearer.code


class PickupIn(Schema):
    method: str = "pickup"
    requested_on: datetime.date | None = None


class PickupOut(Schema):
    loan: LoanOut
    return_code: str


class ReceiveIn(Schema):
    received_on: datetime.date | None = None


class ReturnCodeIn(Schema):
    return_code: str
    received_on: datetime.date | None = None


class WorkOrderIn(Schema):
    device: int
    fault: str
    unit: int | None = None


class WorkOrderOut(Schema):
    id: int
    device: int
    status: str
    fault: str
    reported_at: datetime.datetime
    start_due_on: datetime.date
    done_due_on: datetime.date
    started_at: datetime.datetime | None
    done_at: datetime.datetime | None
    outcome: str

    @staticmethod
    def resolve_device(obj: WorkOrder) -> int:
        return obj.device_id


class FinishIn(Schema):
    outcome: str


class SupportIn(Schema):
    subject: str
    description: str
    product: str = ""
    device: int | None = None
    unit: int | None = None


class SupportOut(Schema):
    id: int
    subject: str
    product: str
    device: int | None
    unit: int | None
    description: str
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    resolution: str

    @staticmethod
    def resolve_product(obj: SupportCase) -> str:
        return obj.product.article_number

    @staticmethod
    def resolve_device(obj: SupportCase) -> int | None:
        return obj.device_id

    @staticmethod
    def resolve_unit(obj: SupportCase) -> int | None:
        return obj.unit_id


class CloseIn(Schema):
    resolution: str = ""


class TrainingIn(Schema):
    unit: int
    product: str
    trained_on: datetime.date


class TrainingOut(Schema):
    id: int
    unit: int
    product: str
    trained_on: datetime.date

    @staticmethod
    def resolve_unit(obj: Training) -> int:
        return obj.unit_id

    @staticmethod
    def resolve_product(obj: Training) -> str:
        return obj.product.article_number


def _loan(request: HttpRequest, loan_id: int) -> Loan:
    return loan_get(user=request.user, pk=loan_id)


def _unit(unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("unit_not_found", _("No unit has that id."))
    return unit


@router.get("/loans", response=list[LoanOut])
@paginate(PageNumberPagination, page_size=50)
def loan_list(request: HttpRequest, unit: int | None = None, open: bool = False) -> QuerySet[Loan]:
    return loans_list(request.user, unit=unit, open_only=open)


@router.get("/loans/{loan_id}", response=LoanOut)
def loan_detail(request: HttpRequest, loan_id: int) -> Loan:
    return _loan(request, loan_id)


@router.post("/loans/{loan_id}/pickup", response=PickupOut)
def loan_pickup(request: HttpRequest, loan_id: int, payload: PickupIn) -> dict[str, object]:
    """Order a pickup, or (method `post_agent`) get a one-time return code for the patient."""
    loan, code = actions.pickup_request(
        loan=_loan(request, loan_id),
        method=payload.method,
        requested_on=payload.requested_on,
        acting_user=request.user,
    )
    return {"loan": _loan(request, loan.pk), "return_code": code}


@router.post("/loans/{loan_id}/pickup/cancel", response=LoanOut)
def loan_pickup_cancel(request: HttpRequest, loan_id: int) -> Loan:
    loan = actions.pickup_cancel(loan=_loan(request, loan_id), acting_user=request.user)
    return _loan(request, loan.pk)


@router.post("/loans/{loan_id}/receive", response=LoanOut)
def loan_receive(request: HttpRequest, loan_id: int, payload: ReceiveIn) -> Loan:
    loan = actions.return_receive(
        loan=_loan(request, loan_id), received_on=payload.received_on, acting_user=request.user
    )
    return _loan(request, loan.pk)


@router.post("/returns", response=LoanOut)
def return_by_code(request: HttpRequest, payload: ReturnCodeIn) -> Loan:
    """Receive a device sent back through a post agent, identified by its return code."""
    device_centre_check(request.user)
    loan = actions.return_receive(
        return_code=payload.return_code, received_on=payload.received_on, acting_user=request.user
    )
    return _loan(request, loan.pk)


@router.get("/work-orders", response=list[WorkOrderOut])
@paginate(PageNumberPagination, page_size=50)
def work_order_list(request: HttpRequest, status: str = "") -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.all()
    if not is_device_centre(request.user):
        qs = qs.filter(unit_id__in=unit_ids_of(request.user))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-reported_at")


@router.post("/work-orders", response={201: WorkOrderOut})
def work_order_create(request: HttpRequest, payload: WorkOrderIn) -> Status[WorkOrder]:
    device = device_get(user=request.user, pk=payload.device)
    work = actions.workorder_report(
        device=device, fault=payload.fault, unit=_unit(payload.unit), acting_user=request.user
    )
    return Status(201, work)


def _work_order(work_order_id: int) -> WorkOrder:
    work = WorkOrder.objects.filter(pk=work_order_id).first()
    if work is None:
        raise NotFound("work_order_not_found", _("No work order with that id."))
    return work


@router.post("/work-orders/{work_order_id}/start", response=WorkOrderOut)
def work_order_start(request: HttpRequest, work_order_id: int) -> WorkOrder:
    return actions.workorder_start(work_order=_work_order(work_order_id), acting_user=request.user)


@router.post("/work-orders/{work_order_id}/finish", response=WorkOrderOut)
def work_order_finish(request: HttpRequest, work_order_id: int, payload: FinishIn) -> WorkOrder:
    return actions.workorder_finish(
        work_order=_work_order(work_order_id), outcome=payload.outcome, acting_user=request.user
    )


@router.get("/support-cases", response=list[SupportOut])
@paginate(PageNumberPagination, page_size=50)
def support_list(request: HttpRequest, open: bool = False) -> QuerySet[SupportCase]:
    qs = SupportCase.objects.select_related("product")
    if not is_device_centre(request.user):
        qs = qs.filter(Q(unit_id__in=unit_ids_of(request.user)) | Q(opened_by_id=request.user.pk))
    if open:
        qs = qs.filter(closed_at__isnull=True)
    return qs.order_by("-opened_at")


@router.post("/support-cases", response={201: SupportOut})
def support_create(request: HttpRequest, payload: SupportIn) -> Status[SupportCase]:
    product = product_get(article_number=payload.product) if payload.product else None
    if payload.product and product is None:
        raise NotFound("product_not_found", _("No product has that article number."))
    device = device_get(user=request.user, pk=payload.device) if payload.device else None
    case = actions.supportcase_open(
        subject=payload.subject,
        description=payload.description,
        product=product,
        device=device,
        unit=_unit(payload.unit),
        acting_user=request.user,
    )
    return Status(201, case)


@router.post("/support-cases/{case_id}/close", response=SupportOut)
def support_close(request: HttpRequest, case_id: int, payload: CloseIn) -> SupportCase:
    case = SupportCase.objects.filter(pk=case_id).first()
    if case is None:
        raise NotFound("support_case_not_found", _("No support case with that id."))
    return actions.supportcase_close(
        case=case, resolution=payload.resolution, acting_user=request.user
    )


@router.get("/trainings", response=list[TrainingOut])
def training_list(request: HttpRequest, unit: int | None = None) -> QuerySet[Training]:
    qs = Training.objects.select_related("product")
    if unit is not None:
        qs = qs.filter(unit_id=unit)
    return qs.order_by("-trained_on")


@router.post("/trainings", response={201: TrainingOut})
def training_create(request: HttpRequest, payload: TrainingIn) -> Status[Training]:
    product = product_get(article_number=payload.product)
    if product is None:
        raise NotFound("product_not_found", _("No product has that article number."))
    unit = _unit(payload.unit)
    assert unit is not None  # noqa: S101 - _unit raises for a missing id
    training = actions.training_record(
        unit=unit, product=product, trained_on=payload.trained_on, acting_user=request.user
    )
    return Status(201, training)

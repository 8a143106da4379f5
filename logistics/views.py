"""The device centre's screens: the work queue and its orders, incoming returns, the
workshop's repair queue and training.

Every view first checks that the user is device-centre staff (administrators pass too).
Views are thin: they read through the selectors, change state only through the actions
and answer a form post with a redirect and a message. A refused action raises a
``DomainError``, which ``core.screen_errors.DomainErrorMiddleware`` turns into the
Swedish message on the page the user came from, with nothing changed.

Every screen that shows a patient's personal number, name or address records the access
in the patient-data access log (``audit.actions.access_log_record``).
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from audit.actions import access_log_record
from audit.choices import AccessAction, Resource
from catalog.models import Product
from core.errors import InvalidInput, NotFound
from core.reversing import PkUrl
from core.screen_errors import back_url
from devices.selectors import devices_for_reconditioning
from logistics import actions, selectors
from logistics.choices import WorkOrderOutcome
from logistics.history_import import HistoryImportError, history_import
from orders import actions as order_actions
from orders.choices import OPEN_ORDER_STATUSES, DeliveryMethod, OrderStatus
from orders.models import Order, Patient
from orders.selectors import patient_address_for, patient_name_for
from registry.access import device_centre_check, device_centre_unit
from registry.models import TourRoute, Unit

M = TypeVar("M", bound=Model)

# Rows per page of the work queue: staff work from the top (due first), so 50 is the
# default; 25 and 100 can be chosen. A row costs about 0.5 ms to render (its next-step
# form included), the page's largest part (docs/performance.md).
QUEUE_PAGE_SIZES = (25, 50, 100)
QUEUE_PAGE_SIZE = 50
RETURNS_PAGE_SIZE = 100
# What a row of the work queue shows (logistics/_queue_results.html, _order_actions.html)
# and its timeliness needs; a query-count test guards against one left out.
QUEUE_RELATED = ("product", "unit__principal", "unit__tour_route", "patient", "device")
QUEUE_FIELDS = (
    "kind",
    "status",
    "urgent",
    "ordered_on",
    "due_date",
    "delivered_on",
    "delivery_method",
    "waits_for_training",
    "product__name",
    "unit__name",
    "unit__principal__name",
    "unit__tour_route__code",
    "patient__personal_number",
    "patient__protected_identity",
    "device__serial_number",
)
# Up to this many units with open orders the unit filter is a list to choose from; above
# it (a national device centre has thousands) it is a search on the unit's name.
UNIT_CHOICES_LIMIT = 200
LIST_PAGE_SIZE = 50


# --- Reading the request ---------------------------------------------------------------


def _int_param(value: str | None) -> int | None:
    value = (value or "").strip()
    # A database id has at most 18 digits; anything longer is no id at all.
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _date_param(request: HttpRequest, name: str) -> datetime.date | None:
    """An optional date from a form (``<input type="date">`` sends YYYY-MM-DD)."""
    value = request.POST.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("invalid_date", _("Give the date as YYYY-MM-DD."), field=name) from None


if TYPE_CHECKING:
    _OrderPaginator = Paginator[Order]
else:
    _OrderPaginator = Paginator  # not subscriptable at run time


class _KnownCountPaginator(_OrderPaginator):
    """A paginator told how many items there are, instead of counting them again."""

    def __init__(self, items: QuerySet[Order], per_page: int, count: int) -> None:
        super().__init__(items, per_page)
        self._known = count

    @cached_property
    def count(self) -> int:
        return self._known


def _page(request: HttpRequest, items: QuerySet[M], size: int) -> Page[M]:
    return Paginator(items, size).get_page(request.GET.get("page"))


def _done(request: HttpRequest, message: str, default: str) -> HttpResponseRedirect:
    """After a successful post: the message, and back to the page the user came from."""
    messages.success(request, message)
    return HttpResponseRedirect(back_url(request, default))


def _changed(request: HttpRequest, patient: Patient | None, resource: str, object_id: int) -> None:
    """A step changed the patient's order or loan: one "changed" row in the access log."""
    access_log_record(
        user=request.user,
        patients=[patient],
        resource=resource,
        object_id=object_id,
        action=AccessAction.ALTER,
    )


@dataclass(frozen=True)
class OrderLinks:
    """The links of one order's row and its next-step forms."""

    detail: str
    accept: str
    allocate: str
    dispatch: str
    deliver: str
    cancel: str
    delivery_note: str
    device: str | None


class OrderLinker:
    """``OrderLinks`` for many orders, each URL reversed once (core/reversing.py)."""

    VIEWS = {
        "detail": "order_detail",
        "accept": "order_accept",
        "allocate": "order_allocate",
        "dispatch": "order_dispatch",
        "deliver": "order_deliver",
        "cancel": "order_cancel",
        "delivery_note": "delivery_note",
    }

    def __init__(self) -> None:
        self._urls = {name: PkUrl(f"logistics:{view}") for name, view in self.VIEWS.items()}
        self._device = PkUrl("logistics:device_detail")

    def __call__(self, order: Order) -> OrderLinks:
        return OrderLinks(
            **{name: url(order.pk) for name, url in self._urls.items()},
            device=self._device(order.device_id) if order.device_id else None,
        )


def _queue_url() -> str:
    return reverse("logistics:work_queue")


# --- The work queue --------------------------------------------------------------------


def work_queue(request: HttpRequest) -> HttpResponse:
    """Open orders, the one due first on top, late and at-risk ones marked; filters by
    status, product, tour-van route and unit; how many are in each status."""
    device_centre_check(request.user)
    status = request.GET.get("status", "")
    status = status if status in OPEN_ORDER_STATUSES else ""
    product = request.GET.get("product", "").strip()[:32]
    route = request.GET.get("route", "").strip()[:16]
    unit = _int_param(request.GET.get("unit"))
    unit_name = request.GET.get("unit_name", "").strip()[:100]
    per_page = _int_param(request.GET.get("per_page"))
    per_page = per_page if per_page in QUEUE_PAGE_SIZES else QUEUE_PAGE_SIZE
    # The counts follow every filter but the status, so each count is a filter to choose.
    unfiltered = selectors.order_queue(
        user=request.user, product=product, route=route, unit=unit, unit_name=unit_name
    )
    counts = selectors.order_status_counts(unfiltered)
    orders = unfiltered.filter(status=status) if status else unfiltered
    # Only the columns the rows show: the related rows' other columns (a product's
    # description, a patient's address…) were most of what a page read and decoded.
    orders = orders.select_related(None).select_related(*QUEUE_RELATED).only(*QUEUE_FIELDS)
    # The status counts already say how many orders the filter holds: the paginator
    # need not count them again (a scan of every open order at national scale).
    known = counts.get(status, 0) if status else sum(counts.values())
    page = _KnownCountPaginator(orders, per_page, known).get_page(request.GET.get("page"))
    open_units = Unit.objects.filter(
        pk__in=Order.objects.filter(status__in=OPEN_ORDER_STATUSES).values("unit_id")
    )
    unit_search = bool(unit_name) or open_units.count() > UNIT_CHOICES_LIMIT
    units = [] if unit_search else open_units.select_related("principal").order_by("name")
    today = timezone.localdate()
    rows = []
    linker = OrderLinker()
    for order in page:
        rows.append((order, selectors.order_timeliness(order, today), linker(order)))
        access_log_record(
            user=request.user,
            patients=[order.patient],
            resource=Resource.WORK_QUEUE,
            object_id=order.pk,
        )
    context = {
        "rows": rows,
        "page": page,
        "status_counts": [
            (value, OrderStatus(value).label, counts.get(value, 0)) for value in OPEN_ORDER_STATUSES
        ],
        "total": sum(counts.values()),
        "status": status,
        "product": product,
        "route": route,
        "unit": unit,
        "statuses": [(s, OrderStatus(s).label) for s in OPEN_ORDER_STATUSES],
        "products": Product.objects.order_by("name"),
        "routes": TourRoute.objects.order_by("code"),
        "units": units,
        "unit_search": unit_search,
        "unit_name": unit_name,
        "per_page": per_page,
        "page_sizes": QUEUE_PAGE_SIZES,
        "today": today,
    }
    # htmx asks for the counts and the table only when a filter changes.
    template = (
        "logistics/_queue_results.html"
        if request.headers.get("HX-Request")
        else "logistics/work_queue.html"
    )
    return render(request, template, context)


def _delivery_context(request: HttpRequest, order: Order) -> dict[str, object]:
    """Where the order goes: the unit's address, or for home delivery the patient's
    name and address (shown to the device centre even for a protected identity)."""
    patient = order.patient
    return {
        "order": order,
        "timeliness": selectors.order_timeliness(order),
        "patient_name": patient_name_for(request.user, patient),
        "patient_address": patient_address_for(request.user, patient),
        "protected": bool(patient and patient.protected_identity),
        "home_delivery": order.delivery_method == DeliveryMethod.TOUR_VAN_HOME,
        "pickup_point": order.delivery_method == DeliveryMethod.PICKUP_POINT,
    }


def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One order: the delivery details, the patient, the steps left, its history."""
    device_centre_check(request.user)
    order = selectors.queue_order_get(user=request.user, pk=pk)
    access_log_record(
        user=request.user, patients=[order.patient], resource=Resource.DELIVERY, object_id=order.pk
    )
    context = _delivery_context(request, order)
    context["events"] = selectors.event_rows(selectors.order_events(order=order))
    context["links"] = OrderLinker()(order)
    return render(request, "logistics/order_detail.html", context)


def delivery_note(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable delivery note (följesedel) that goes with the device."""
    device_centre_check(request.user)
    order = selectors.queue_order_get(user=request.user, pk=pk)
    access_log_record(
        user=request.user,
        patients=[order.patient],
        resource=Resource.DELIVERY,
        object_id=order.pk,
        action=AccessAction.PRINT,
    )
    context = _delivery_context(request, order)
    context["centre"] = device_centre_unit(request.user)
    context["printed_on"] = timezone.localdate()
    return render(request, "logistics/delivery_note.html", context)


@require_POST
def order_accept(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    order = selectors.queue_order_get(user=request.user, pk=pk)
    order = order_actions.order_accept(order=order, acting_user=request.user)
    _changed(request, order.patient, Resource.ORDER, order.pk)
    message = _("Order %(number)s accepted.") % {"number": order.pk}
    if order.waits_for_training:
        message += " " + _("Its first delivery waits for the unit's training.")
    return _done(request, message, _queue_url())


@require_POST
def order_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """Allocate the scanned or typed device, or the oldest in stock if none is given."""
    device_centre_check(request.user)
    order = selectors.queue_order_get(user=request.user, pk=pk)
    order = actions.device_allocate(
        order=order,
        serial_number=request.POST.get("serial_number", "")[:64],
        acting_user=request.user,
    )
    _changed(request, order.patient, Resource.ORDER, order.pk)
    message = _("Device %(serial)s allocated to order %(number)s.") % {
        "serial": order.device.serial_number if order.device else "",
        "number": order.pk,
    }
    return _done(request, message, _queue_url())


@require_POST
def order_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    order = selectors.queue_order_get(user=request.user, pk=pk)
    order = actions.delivery_dispatch(order=order, acting_user=request.user)
    _changed(request, order.patient, Resource.ORDER, order.pk)
    return _done(request, _("Order %(number)s dispatched.") % {"number": order.pk}, _queue_url())


@require_POST
def order_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    order = selectors.queue_order_get(user=request.user, pk=pk)
    loan = actions.delivery_confirm(
        order=order, delivered_on=_date_param(request, "delivered_on"), acting_user=request.user
    )
    _changed(request, order.patient, Resource.ORDER, order.pk)
    message = _("Order %(number)s delivered on %(date)s; the loan has started.") % {
        "number": order.pk,
        "date": loan.started_on.isoformat(),
    }
    return _done(request, message, _queue_url())


@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    order = selectors.queue_order_get(user=request.user, pk=pk)
    order = order_actions.order_cancel(
        order=order, reason=request.POST.get("reason", ""), acting_user=request.user
    )
    _changed(request, order.patient, Resource.ORDER, order.pk)
    return _done(request, _("Order %(number)s cancelled.") % {"number": order.pk}, _queue_url())


# --- Incoming returns ------------------------------------------------------------------


def returns(request: HttpRequest) -> HttpResponse:
    """Devices on their way back (pickup ordered or post-agent code issued), with the
    pickup due date and lateness; receive one, or a parcel by its return code."""
    device_centre_check(request.user)
    route = request.GET.get("route", "").strip()[:16]
    loans = selectors.returns_incoming(user=request.user, route=route)
    page = _page(request, loans, RETURNS_PAGE_SIZE)
    today = timezone.localdate()
    rows = []
    for loan in page:
        rows.append(
            {
                "loan": loan,
                "timeliness": selectors.due_timeliness(loan.pickup_due_on, today),
                "patient_name": patient_name_for(request.user, loan.patient),
                "patient_address": patient_address_for(request.user, loan.patient),
            }
        )
        access_log_record(
            user=request.user, patients=[loan.patient], resource=Resource.RETURNS, object_id=loan.pk
        )
    context = {
        "rows": rows,
        "page": page,
        "route": route,
        "routes": TourRoute.objects.order_by("code"),
    }
    return render(request, "logistics/returns.html", context)


@require_POST
def return_receive(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    loan = selectors.loan_get(user=request.user, pk=pk)
    loan = actions.return_receive(loan=loan, acting_user=request.user)
    _changed(request, loan.patient, Resource.LOAN, loan.pk)
    message = _("Device %(serial)s received back; it now awaits reconditioning.") % {
        "serial": loan.device.serial_number
    }
    return _done(request, message, reverse("logistics:returns"))


@require_POST
def return_receive_by_code(request: HttpRequest) -> HttpResponse:
    """A parcel from a post agent, identified by the patient's one-time return code."""
    device_centre_check(request.user)
    code = request.POST.get("return_code", "").strip()[:32]
    if not code:
        raise InvalidInput("return_code_missing", _("Give the return code."), field="return_code")
    loan = actions.return_receive(return_code=code, acting_user=request.user)
    _changed(request, loan.patient, Resource.LOAN, loan.pk)
    message = _("Device %(serial)s received back; it now awaits reconditioning.") % {
        "serial": loan.device.serial_number
    }
    return _done(request, message, reverse("logistics:returns"))


# --- Workshop: reconditioning and repair -----------------------------------------------


def workshop(request: HttpRequest) -> HttpResponse:
    """The reconditioning queue and the open work orders of corrective maintenance."""
    device_centre_check(request.user)
    today = timezone.localdate()
    work_rows = [
        {
            "work": work,
            "start": selectors.due_timeliness(
                work.start_due_on if work.started_at is None else None, today
            ),
            "done": selectors.due_timeliness(work.done_due_on, today),
        }
        for work in selectors.workorders_open(user=request.user)
    ]
    context = {
        "devices": devices_for_reconditioning(user=request.user),
        "work_rows": work_rows,
        "outcomes": WorkOrderOutcome.choices,
    }
    return render(request, "logistics/workshop.html", context)


@require_POST
def workorder_start(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    work = selectors.workorder_get(user=request.user, pk=pk)
    work = actions.workorder_start(work_order=work, acting_user=request.user)
    message = _("Repair of %(serial)s started.") % {"serial": work.device.serial_number}
    return _done(request, message, reverse("logistics:workshop"))


@require_POST
def workorder_finish(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    work = selectors.workorder_get(user=request.user, pk=pk)
    work = actions.workorder_finish(
        work_order=work, outcome=request.POST.get("outcome", ""), acting_user=request.user
    )
    message = _("Repair of %(serial)s done: %(outcome)s.") % {
        "serial": work.device.serial_number,
        "outcome": WorkOrderOutcome(work.outcome).label,
    }
    return _done(request, message, reverse("logistics:workshop"))


# --- Training --------------------------------------------------------------------------


def trainings(request: HttpRequest) -> HttpResponse:
    """Orders waiting for their unit's training, the trainings recorded, and a form to
    record one (which lets the unit's waiting orders be dispatched)."""
    device_centre_check(request.user)
    context = {
        "waiting": selectors.orders_waiting_for_training(user=request.user),
        "page": _page(request, selectors.trainings_list(user=request.user), LIST_PAGE_SIZE),
        "units": Unit.objects.filter(is_active=True)
        .select_related("principal")
        .order_by("principal__name", "name"),
        "products": Product.objects.order_by("-training_required", "name"),
        "today": timezone.localdate(),
    }
    return render(request, "logistics/trainings.html", context)


@require_POST
def training_record(request: HttpRequest) -> HttpResponse:
    device_centre_check(request.user)
    unit_id = _int_param(request.POST.get("unit"))
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id is not None else None
    if unit is None:
        raise NotFound("unit_not_found", _("Choose the unit."), field="unit")
    product_id = _int_param(request.POST.get("product"))
    product = Product.objects.filter(pk=product_id).first() if product_id is not None else None
    if product is None:
        raise NotFound("product_not_found", _("Choose the product."), field="product")
    trained_on = _date_param(request, "trained_on") or timezone.localdate()
    waiting = selectors.orders_waiting_for_training(
        user=request.user, unit=unit, product=product
    ).count()
    actions.training_record(
        unit=unit, product=product, trained_on=trained_on, acting_user=request.user
    )
    message = _("Training of %(unit)s on %(product)s recorded.") % {
        "unit": unit.name,
        "product": product.name,
    }
    if waiting:
        message += " " + ngettext(
            "%(count)d waiting order can now be dispatched.",
            "%(count)d waiting orders can now be dispatched.",
            waiting,
        ) % {"count": waiting}
    return _done(request, message, reverse("logistics:trainings"))


class HistoryImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_lazy("What the file holds"),
        choices=[
            ("orders", _lazy("Orders with deliveries, returns and reconditioning")),
            ("maintenance", _lazy("Corrective maintenance")),
            ("support", _lazy("Support cases")),
        ],
    )
    file = forms.FileField(
        label=_lazy("File (CSV or Excel .xlsx)"),
        help_text=_lazy("The columns are described in docs/import.md."),
    )
    dry_run = forms.BooleanField(
        label=_lazy("Only check the file (nothing is saved)"), required=False, initial=True
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in (".csv", ".xlsx"):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        return upload


def history_import_screen(request: HttpRequest) -> HttpResponse:
    """Upload a file of past orders, maintenance or support cases: checked row by row
    and imported all or nothing through the live actions (docs/import.md)."""
    device_centre_check(request.user)
    form = HistoryImportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload: UploadedFile = form.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                context["result"] = history_import(
                    form.cleaned_data["kind"],
                    Path(handle.name),
                    dry_run=form.cleaned_data["dry_run"],
                )
            except HistoryImportError as exc:
                context["import_errors"] = exc.errors
                context["truncated"] = exc.truncated
                status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "logistics/history_import.html", context, status=status)

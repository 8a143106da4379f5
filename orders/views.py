"""The prescriber's and orderer's screens: prescribe with eligibility checked as the form
is filled in, follow the unit's orders, find a patient's devices, start a return, report
a fault, and see the unit's local stock.

Views are thin: they read through the permission-scoped selectors, call the actions,
and record every access to patient data in the access log. A refused action raises a
``DomainError``, which ``core.screen_errors`` shows in Swedish; nothing is changed.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.actions import access_log_record
from audit.choices import AccessAction, Resource
from catalog import selectors as catalog_selectors
from catalog.choices import ProductStatus
from catalog.models import Product
from core.errors import DomainError, InvalidInput
from core.reversing import PkUrl
from devices.choices import DeviceStatus, Location
from devices.models import Device
from logistics import actions as logistics_actions
from logistics.models import Loan
from logistics.selectors import loan_get, loans_visible_to, order_timeliness
from orders import selectors
from orders.actions import order_cancel, order_eligibility, order_submit
from orders.choices import OPEN_ORDER_STATUSES, OrderStatus
from orders.forms import FaultReportForm, PatientSearchForm, PrescriptionForm, SupportCaseForm
from orders.personal_numbers import personal_number_parse
from registry.access import acting_unit_check, is_device_centre, patient_data_check, unit_ids_of
from registry.models import Unit

ORDERS_PER_PAGE = 50


def _my_units(request: HttpRequest) -> list[Unit]:
    return list(
        Unit.objects.filter(pk__in=unit_ids_of(request.user))
        .select_related("principal")
        .order_by("name")
    )


def _product(article_number: str) -> Product:
    product = catalog_selectors.product_get(article_number=article_number)
    if product is None:
        raise Http404
    return product


def _prescription_form(
    request: HttpRequest, product: Product, data: object = None
) -> tuple[PrescriptionForm, list[catalog_selectors.CodeExplained]]:
    guidance = catalog_selectors.guidance_in_force(product=product, on=timezone.localdate())
    criteria = catalog_selectors.guidance_criteria(guidance) if guidance else []
    choices = [(c.reference, f"{c.reference} – {c.wording or c.icf_title}") for c in criteria]
    initial = {
        "delivery_method": request.GET.get("delivery_method", "tour_van_unit"),
        "local_device_serial": request.GET.get("serial", ""),
        "kind": request.GET.get("kind", "prescription"),
    }
    form = PrescriptionForm(data, units=_my_units(request), criteria=choices, initial=initial)
    return form, criteria


def prescribe(request: HttpRequest, article_number: str) -> HttpResponse:
    """The prescription (or basic-equipment order) form for one product."""
    product = _product(article_number)
    patient_data_check(request.user)
    form, criteria = _prescription_form(
        request, product, request.POST if request.method == "POST" else None
    )
    if not _my_units(request):
        raise Http404
    order = None
    if request.method == "POST" and form.is_valid():
        try:
            order, _created = order_submit(data=form.order_input(product), acting_user=request.user)
        except DomainError as exc:
            # Keep what was typed and show the reason next to the field it concerns.
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
    if order is not None:
        access_log_record(
            user=request.user,
            patients=[order.patient],
            resource=Resource.ORDER,
            object_id=order.pk,
            action=AccessAction.CREATE,
        )
        messages.success(
            request,
            _("Order %(number)s is sent to the device centre. It is due on %(date)s.")
            % {"number": order.pk, "date": order.due_date.isoformat()},
        )
        return redirect("orders:order_detail", pk=order.pk)
    guidance = catalog_selectors.guidance_in_force(product=product, on=timezone.localdate())
    return render(
        request,
        "orders/prescribe.html",
        {
            "product": product,
            "form": form,
            "guidance": guidance,
            "criteria": criteria,
            "launched": product.status == ProductStatus.LAUNCHED,
        },
    )


@require_POST
def prescribe_check(request: HttpRequest, article_number: str) -> HttpResponse:
    """The eligibility panel, recomputed as the prescriber fills in the form (htmx).
    Saves nothing and reads no stored patient data: it checks what was typed."""
    product = _product(article_number)
    form, _criteria = _prescription_form(request, product, request.POST)
    refusals: list[dict[str, object]] = []
    if not form.is_valid():
        refusals = [
            {
                "code": "invalid_input",
                "message": f"{form.fields[name].label}: {' '.join(str(e) for e in errs)}",
            }
            for name, errs in form.errors.items()
            if name in form.fields
        ]
    else:
        data = form.order_input(product)
        person = acting_unit_check(request.user, data.unit)
        if data.patient is not None:
            try:
                personal_number_parse(data.patient.personal_number)
            except InvalidInput as exc:
                refusals.append({"code": exc.code, "message": exc.message, "field": exc.field})
        elif data.kind == "prescription":
            refusals.append(
                {
                    "code": "patient_missing",
                    "message": _("A prescription needs the patient's personal identity number."),
                    "field": "personal_number",
                }
            )
        _guidance, found = order_eligibility(person=person, data=data, on=timezone.localdate())
        refusals += [{"code": r.code, "message": r.message, "field": r.field} for r in found]
    return render(request, "orders/_eligibility.html", {"refusals": refusals, "checked": True})


def order_list(request: HttpRequest) -> HttpResponse:
    """My unit's orders, newest first, with due date, status and lateness; CSV export."""
    units = _my_units(request)
    unit_id = request.GET.get("unit", "")
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    open_only = request.GET.get("open") == "1"
    qs = selectors.order_list(
        user=request.user,
        status=status,
        unit=int(unit_id) if unit_id.isdigit() else None,
        open_only=open_only,
    )
    if request.GET.get("format") == "csv":
        return _orders_csv(request, qs)
    # The page's orders with their patient and device; the reference rows (product,
    # unit, prescriber…) from the process's cache (selectors.orders_with_references).
    own = qs.select_related(None).select_related(*selectors.ORDER_OWN_RELATED)
    page = Paginator(own, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    detail = PkUrl("orders:order_detail")
    rows = [
        (order, order_timeliness(order), detail(order.pk))
        for order in selectors.orders_with_references(page)
    ]
    for order, _timing, _link in rows:
        access_log_record(
            user=request.user,
            patients=[order.patient],
            resource=Resource.ORDER_LIST,
            object_id=order.pk,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orders/order_list.html",
        {
            "page": page,
            "rows": rows,
            "units": units,
            "unit_id": unit_id,
            "status": status,
            "statuses": OrderStatus.choices,
            "open_only": open_only,
            "query": query.urlencode(),
        },
    )


def _orders_csv(request: HttpRequest, qs: object) -> HttpResponse:
    """The same list as a CSV file (semicolon-separated, as Swedish Excel expects).
    A protected identity's name is never exported."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bestallningar.csv"'
    response.write("\ufeff")  # BOM: Excel opens UTF-8 with å, ä, ö intact
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Order"),
            _("Ordered on"),
            _("Product"),
            _("Unit"),
            _("Patient"),
            _("Name"),
            _("Status"),
            _("Due date"),
            _("Late"),
        ]
    )
    orders = list(qs)  # type: ignore[call-overload]
    for order in orders:
        timing = order_timeliness(order)
        writer.writerow(
            [
                order.pk,
                order.ordered_on.isoformat(),
                order.product.name,
                order.unit.name,
                str(order.patient) if order.patient else "",
                selectors.patient_name_for(request.user, order.patient) or "",
                order.get_status_display(),
                order.due_date.isoformat(),
                _("yes") if timing.late else _("no"),
            ]
        )
        access_log_record(
            user=request.user,
            patients=[order.patient],
            resource=Resource.ORDER_LIST,
            object_id=order.pk,
            action=AccessAction.EXPORT,
        )
    return response


def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, pk=pk)
    access_log_record(
        user=request.user, patients=[order.patient], resource=Resource.ORDER, object_id=order.pk
    )
    loan = getattr(order, "loan", None)
    events = order.events.select_related("actor", "device").order_by("occurred_at", "id")
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "timing": order_timeliness(order),
            "patient_name": selectors.patient_name_for(request.user, order.patient),
            "loan": loan,
            "events": events,
            "cancellable": order.status
            in (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.ALLOCATED),
        },
    )


@require_POST
def order_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, pk=pk)
    order_cancel(order=order, reason=request.POST.get("reason", ""), acting_user=request.user)
    access_log_record(
        user=request.user, patients=[order.patient], resource=Resource.ORDER, object_id=order.pk
    )
    messages.success(request, _("Order %(number)s is cancelled.") % {"number": order.pk})
    return redirect("orders:order_detail", pk=order.pk)


def patient_search(request: HttpRequest) -> HttpResponse:
    """Find a patient's devices by personal identity number. The number is posted, never
    put in the address, so it stays out of browser history and server logs."""
    patient_data_check(request.user)
    form = PatientSearchForm(request.POST or None)
    not_found = False
    if request.method == "POST" and form.is_valid():
        patient = selectors.patient_get_by_number(
            user=request.user, personal_number=form.cleaned_data["personal_number"]
        )
        if patient is not None:
            return redirect("orders:patient_detail", pk=patient.pk)
        not_found = True
    return render(request, "orders/patient_search.html", {"form": form, "not_found": not_found})


def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A patient's devices and orders, as far as the user's units are concerned."""
    patient_data_check(request.user)
    orders = list(
        selectors.orders_visible_to(request.user).filter(patient_id=pk).order_by("-ordered_on")
    )
    if not orders:
        raise Http404
    patient = orders[0].patient
    loans = list(
        loans_visible_to(request.user).filter(patient_id=pk).order_by("-started_on", "-id")
    )
    access_log_record(
        user=request.user, patients=[patient], resource=Resource.PATIENT, object_id=pk
    )
    return render(
        request,
        "orders/patient_detail.html",
        {
            "patient": patient,
            "patient_name": selectors.patient_name_for(request.user, patient),
            "open_loans": [loan for loan in loans if loan.ended_on is None],
            "ended_loans": [loan for loan in loans if loan.ended_on is not None],
            "open_orders": [o for o in orders if o.status in OPEN_ORDER_STATUSES],
        },
    )


def _loan_accessed(request: HttpRequest, loan: Loan) -> None:
    access_log_record(
        user=request.user, patients=[loan.patient], resource=Resource.LOAN, object_id=loan.pk
    )


def _loan_back(loan_patient_id: int | None, order_id: int) -> str:
    if loan_patient_id:
        return reverse("orders:patient_detail", args=[loan_patient_id])
    return reverse("orders:order_detail", args=[order_id])


@require_POST
def loan_pickup(request: HttpRequest, pk: int) -> HttpResponse:
    """Order a pickup, or give the patient a one-time post-agent return code. The code
    is shown once, on this page, and only its hash is kept."""
    loan = loan_get(user=request.user, pk=pk)
    method = request.POST.get("method", "")
    loan, code = logistics_actions.pickup_request(
        loan=loan, method=method, acting_user=request.user
    )
    _loan_accessed(request, loan)
    if code:
        return render(request, "orders/return_code.html", {"loan": loan, "code": code})
    messages.success(
        request,
        _("Pickup ordered. The device will be picked up by %(date)s; rent stops on %(stop)s.")
        % {"date": loan.pickup_due_on, "stop": loan.rent_stops_on},
    )
    return redirect(_loan_back(loan.patient_id, loan.order_id))


@require_POST
def loan_pickup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a wrongly registered pickup order yourself: no phone call needed."""
    loan = logistics_actions.pickup_cancel(
        loan=loan_get(user=request.user, pk=pk), acting_user=request.user
    )
    _loan_accessed(request, loan)
    messages.success(request, _("The pickup order is cancelled; the loan goes on as before."))
    return redirect(_loan_back(loan.patient_id, loan.order_id))


def loan_fault(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a fault on a device at a patient or in the unit (corrective maintenance)."""
    loan = loan_get(user=request.user, pk=pk)
    form = FaultReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        work = logistics_actions.workorder_report(
            device=loan.device,
            fault=form.cleaned_data["fault"],
            unit=loan.unit,
            acting_user=request.user,
        )
        _loan_accessed(request, loan)
        messages.success(
            request,
            _("Fault reported. Repair starts by %(start)s and is done by %(done)s.")
            % {"start": work.start_due_on, "done": work.done_due_on},
        )
        return redirect(_loan_back(loan.patient_id, loan.order_id))
    _loan_accessed(request, loan)
    return render(request, "orders/loan_fault.html", {"loan": loan, "form": form})


def support_case_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a support case about a device on loan (or the app it pairs with)."""
    loan = loan_get(user=request.user, pk=pk)
    form = SupportCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = logistics_actions.supportcase_open(
            subject=form.cleaned_data["subject"],
            description=form.cleaned_data["description"],
            device=loan.device,
            unit=loan.unit,
            acting_user=request.user,
        )
        _loan_accessed(request, loan)
        messages.success(request, _("Support case %(number)s is opened.") % {"number": case.pk})
        return redirect(_loan_back(loan.patient_id, loan.order_id))
    _loan_accessed(request, loan)
    return render(request, "orders/support_case.html", {"loan": loan, "form": form})


def local_stock(request: HttpRequest) -> HttpResponse:
    """The devices on the shelves of the user's units, to prescribe from directly."""
    patient_data_check(request.user)
    units = _my_units(request)
    devices = (
        Device.objects.filter(
            unit__in=units, location=Location.LOCAL_STOCK, status=DeviceStatus.IN_STOCK
        )
        .select_related("product", "unit")
        .order_by("unit__name", "product__name", "serial_number")
    )
    return render(
        request,
        "orders/local_stock.html",
        {"devices": devices, "units": units, "is_centre": is_device_centre(request.user)},
    )

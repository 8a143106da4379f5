"""The device centre's screens about individual devices: search by serial number,
lists, a device's full history, stock per product and site, and the workshop's device
steps (reconditioning, fault report, scrapping).

The URLs are in ``logistics/urls.py`` (the device centre's screens, under /hmc/). As
there, every view first checks that the user is device-centre staff, changes state only
through the actions, and records each patient shown in the access log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.actions import access_log_record
from audit.choices import Resource
from catalog.models import Product
from core.screen_errors import back_url
from devices import actions, selectors
from devices.choices import DEVICE_STATUS_MEANINGS, DeviceStatus, Location
from logistics.actions import workorder_report
from logistics.selectors import event_rows
from orders.selectors import patient_name_for
from registry.access import device_centre_check
from registry.models import Unit

LIST_PAGE_SIZE = 50


def _done(request: HttpRequest, message: str, default: str) -> HttpResponseRedirect:
    messages.success(request, message)
    return HttpResponseRedirect(back_url(request, default))


def device_list(request: HttpRequest) -> HttpResponse:
    """Find a device by its serial number (scanned or typed), or list devices by
    product, status, location and unit. A single hit on a serial number opens it."""
    device_centre_check(request.user)
    serial = request.GET.get("serial", "").strip()[:64]
    product = request.GET.get("product", "").strip()[:32]
    status = request.GET.get("status", "")
    status = status if status in DeviceStatus.values else ""
    location = request.GET.get("location", "")
    location = location if location in Location.values else ""
    unit_param = request.GET.get("unit", "").strip()
    unit = int(unit_param) if unit_param.isdigit() else None
    devices = selectors.device_find(
        user=request.user,
        serial=serial,
        product=product,
        status=status,
        location=location,
        unit=unit,
    )
    page = Paginator(devices, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    if serial and page.paginator.count == 1:
        return redirect("logistics:device_detail", pk=page[0].pk)
    context = {
        "page": page,
        "serial": serial,
        "product": product,
        "status": status,
        "location": location,
        "unit": unit,
        "searched": bool(serial or product or status or location or unit),
        "products": Product.objects.filter(devices__isnull=False).distinct().order_by("name"),
        "statuses": DeviceStatus.choices,
        "locations": Location.choices,
        "unit_obj": Unit.objects.filter(pk=unit).first() if unit else None,
    }
    return render(request, "devices/device_list.html", context)


def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A device's facts, its loans (with whom it was) and every event in order."""
    device_centre_check(request.user)
    device = selectors.device_get(user=request.user, pk=pk)
    loans = list(selectors.device_loans(device=device))
    access_log_record(
        user=request.user,
        patients=[loan.patient for loan in loans],
        resource=Resource.DEVICE_HISTORY,
        object_id=device.pk,
    )
    context = {
        "device": device,
        "status_meaning": DEVICE_STATUS_MEANINGS.get(DeviceStatus(device.status), ""),
        "loans": [(loan, patient_name_for(request.user, loan.patient)) for loan in loans],
        "events": event_rows(selectors.device_events(device=device)),
        "can_recondition": device.status
        in (DeviceStatus.AWAITING_RECONDITIONING, DeviceStatus.IN_RECONDITIONING),
        "can_scrap": device.status
        in (
            DeviceStatus.IN_STOCK,
            DeviceStatus.AWAITING_RECONDITIONING,
            DeviceStatus.IN_RECONDITIONING,
            DeviceStatus.IN_REPAIR,
            DeviceStatus.LOST,
        ),
        "can_report_fault": device.status
        not in (DeviceStatus.SCRAPPED, DeviceStatus.SOLD, DeviceStatus.LOST),
    }
    return render(request, "devices/device_detail.html", context)


def stock(request: HttpRequest) -> HttpResponse:
    """Devices per product by status, and what can be handed out at each site: the
    centre's stock and each unit's local stock."""
    device_centre_check(request.user)
    by_status, statuses = selectors.stock_by_product_status(user=request.user)
    context = {
        "by_status": [
            (row, [(status, row.counts.get(status, 0)) for status in statuses]) for row in by_status
        ],
        "statuses": [(status, DeviceStatus(status).label) for status in statuses],
        "by_site": selectors.stock_by_site(user=request.user),
        "centre": Location.CENTRE,
        "local_stock": Location.LOCAL_STOCK,
    }
    return render(request, "devices/stock.html", context)


@require_POST
def reconditioning_start(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    device = selectors.device_get(user=request.user, pk=pk)
    device = actions.reconditioning_start(device=device, acting_user=request.user)
    message = _("Reconditioning of %(serial)s started.") % {"serial": device.serial_number}
    return _done(request, message, reverse("logistics:workshop"))


@require_POST
def reconditioning_done(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    device = selectors.device_get(user=request.user, pk=pk)
    device = actions.reconditioning_done(device=device, acting_user=request.user)
    message = _("%(serial)s is reconditioned and back in stock.") % {"serial": device.serial_number}
    return _done(request, message, reverse("logistics:workshop"))


@require_POST
def device_scrap(request: HttpRequest, pk: int) -> HttpResponse:
    device_centre_check(request.user)
    device = selectors.device_get(user=request.user, pk=pk)
    device = actions.device_scrap(
        device=device, reason=request.POST.get("reason", "").strip()[:200], acting_user=request.user
    )
    message = _("%(serial)s is scrapped.") % {"serial": device.serial_number}
    return _done(request, message, reverse("logistics:workshop"))


@require_POST
def device_fault_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A fault found at the centre: a work order of corrective maintenance."""
    device_centre_check(request.user)
    device = selectors.device_get(user=request.user, pk=pk)
    work = workorder_report(
        device=device, fault=request.POST.get("fault", "")[:2000], acting_user=request.user
    )
    message = _("Fault reported; the repair must start by %(date)s.") % {
        "date": work.start_due_on.isoformat()
    }
    return _done(request, message, reverse("logistics:device_detail", args=[device.pk]))

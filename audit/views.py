"""The access log's follow-up: filter, random sample, flagged accesses, and a patient's
own log extract as a printable page. Showing log rows shows patient identities, so
these pages are themselves logged."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import access_log_record
from audit.choices import AccessAction, Resource
from audit.forms import LogFilterForm, PatientExtractForm, SampleForm
from audit.models import AccessLogEntry
from audit.selectors import (
    LogFilter,
    access_log_list,
    access_log_sample,
    access_log_visible_to,
    patient_log_extract,
)
from orders.models import Patient
from orders.personal_numbers import personal_number_parse
from registry.models import Unit

ROWS_PER_PAGE = 50


def _unit_choices(request: HttpRequest) -> list[tuple[int, str]]:
    ids = access_log_visible_to(request.user).values("acting_unit_id").distinct()
    return list(Unit.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name"))


def _log_shown(request: HttpRequest, rows: list[AccessLogEntry]) -> None:
    for row in rows:
        access_log_record(
            user=request.user,
            patients=[row.patient],
            resource=Resource.ACCESS_LOG,
            object_id=row.pk,
        )


def log_review(request: HttpRequest) -> HttpResponse:
    access_log_visible_to(request.user)  # refuses anyone who does not follow up the log
    form = LogFilterForm(request.GET or None, units=_unit_choices(request))
    filters = form.log_filter() if form.is_valid() else LogFilter()
    qs = access_log_list(user=request.user, filters=filters)
    page = Paginator(qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page)
    _log_shown(request, rows)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log_review.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "sample_form": SampleForm(),
            "extract_form": PatientExtractForm(prefix="extract"),
        },
    )


def log_sample(request: HttpRequest) -> HttpResponse:
    """A random sample of the filtered period's accesses, with its seed shown so the
    same sample can be drawn again."""
    access_log_visible_to(request.user)
    filter_form = LogFilterForm(request.GET, units=_unit_choices(request))
    filters = filter_form.log_filter() if filter_form.is_valid() else LogFilter()
    form = SampleForm(request.GET)
    if not form.is_valid():
        return redirect("audit:log")
    seed = form.cleaned_data["seed"]
    if seed is None:
        seed = secrets.randbelow(1_000_000)
    rows = access_log_sample(
        user=request.user, filters=filters, size=form.cleaned_data["size"], seed=seed
    )
    _log_shown(request, rows)
    return render(
        request,
        "audit/log_sample.html",
        {"rows": rows, "seed": seed, "size": form.cleaned_data["size"], "filters": filters},
    )


def patient_extract_find(request: HttpRequest) -> HttpResponse:
    form = PatientExtractForm(request.POST or None, prefix="extract")
    if request.method == "POST" and form.is_valid():
        number = personal_number_parse(form.cleaned_data["personal_number"])
        patient = Patient.objects.filter(personal_number=number.digits).first()
        if patient is not None:
            return redirect("audit:patient_extract", pk=patient.pk)
        messages.error(request, _("No patient with that number is in the register."))
    return redirect("audit:log")


def patient_extract(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's own log extract: who accessed their data, from which unit, when."""
    patient = Patient.objects.filter(pk=pk).first()
    if patient is None:
        raise Http404
    rows = list(patient_log_extract(user=request.user, patient=patient))
    access_log_record(
        user=request.user,
        patients=[patient],
        resource=Resource.ACCESS_LOG,
        object_id=f"extract:{patient.pk}",
        action=AccessAction.PRINT,
    )
    return render(
        request,
        "audit/patient_extract.html",
        {"patient": patient, "rows": rows, "made_at": timezone.now()},
    )

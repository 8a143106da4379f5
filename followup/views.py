"""The follow-up screens: the dashboard of charts with their tables and downloads, and
the printable report (HTML and PDF). Aggregates only, so every signed-in role may look."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from catalog.models import Product
from followup import cache as followup_cache
from followup import charts, rollup, series
from followup.exports import table_csv, table_xlsx
from followup.forms import FollowupFilterForm
from followup.selectors import FollowupFilter, ordering_overview
from followup.series import Chart, Table


def chart_svg(table: Table, chart: Chart) -> SafeString:
    """Draw one chart of a table with the shared SVG charts."""
    categories = [str(row.get(chart.category) or "") for row in table.rows]
    lines = [
        charts.Series(
            name=str(table.column(key).label),
            values=[float(row.get(key) or 0) for row in table.rows],  # type: ignore[arg-type]
        )
        for key in chart.values
    ]
    title = str(chart.title or table.title)
    if chart.kind == "line":
        return charts.line_chart(title=title, categories=categories, series=lines)
    return charts.bar_chart(
        title=title,
        categories=categories,
        series=lines,
        stacked=chart.kind == "stacked",
        percent=chart.kind == "percent",
        reference=chart.reference,
    )


def _filter_from(request: HttpRequest) -> tuple[FollowupFilterForm, FollowupFilter | None]:
    form = FollowupFilterForm(request.GET or {})
    return form, form.followup_filter()


def _sections(
    f: FollowupFilter, fingerprint: str, names: list[str] | None = None
) -> list[dict[str, Any]]:
    sections = []
    for name in names or list(series.SERIES):
        table = followup_cache.series_table(name, f, fingerprint)
        sections.append(
            {"table": table, "charts": [chart_svg(table, chart) for chart in table.charts]}
        )
    return sections


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, f = _filter_from(request)
    context: dict[str, Any] = {"form": form, "filter": f}
    if f is not None:
        fingerprint = followup_cache.data_fingerprint()
        with rollup.reading():  # the days made ready once for the summary and every chart
            context["summary"] = followup_cache.summary(f, fingerprint)
            context["sections"] = _sections(f, fingerprint)
        context["query"] = request.GET.urlencode()
    return render(request, "followup/dashboard.html", context, status=200 if f else 400)


@login_required
def series_download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    if name not in series.SERIES:
        raise Http404
    form, f = _filter_from(request)
    if f is None:
        return render(request, "followup/dashboard.html", {"form": form}, status=400)
    table = followup_cache.series_table(name, f, followup_cache.data_fingerprint())
    filename = f"{name}_{f.start.isoformat()}_{f.end.isoformat()}"
    if fmt == "csv":
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            table_xlsx(table, f),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _report_context(request: HttpRequest, f: FollowupFilter) -> dict[str, Any]:
    fingerprint = followup_cache.data_fingerprint()
    with rollup.reading():
        summary = followup_cache.summary(f, fingerprint)
        sections = {s["table"].name.replace("-", "_"): s for s in _sections(f, fingerprint)}
        ordering = ordering_overview(f)
    delivered = {p.product_id for p in summary.per_product if p.delivered_total}
    return {
        "filter": f,
        "summary": summary,
        "s": sections,
        "ordering": ordering,
        "contract_starts": Product.objects.filter(
            pk__in=delivered, contract_start__isnull=False
        ).order_by("contract_start", "name"),
        "query": request.GET.urlencode(),
    }


@login_required
def report(request: HttpRequest) -> HttpResponse:
    form, f = _filter_from(request)
    if f is None:
        return render(request, "followup/dashboard.html", {"form": form}, status=400)
    return render(request, "followup/report.html", _report_context(request, f))


@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    form, f = _filter_from(request)
    if f is None:
        return render(request, "followup/dashboard.html", {"form": form}, status=400)
    html = render_to_string(
        "followup/report.html", {**_report_context(request, f), "pdf": True}, request=request
    )
    try:
        from weasyprint import HTML
    except OSError:  # WeasyPrint needs the Pango library of the operating system
        return HttpResponse(
            _(
                "The PDF cannot be made on this server (the Pango library is missing). Print the "
                "HTML report to PDF from the browser instead."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="uppfoljning_{f.start.isoformat()}_{f.end.isoformat()}.pdf"'
    )
    return response

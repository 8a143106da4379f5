"""The follow-up through HTTP: the dashboard, downloads, the report (HTML and PDF) and
the API, for every role, with clear errors for bad input."""

import csv
import io

import pytest
from openpyxl import load_workbook

from conftest import client_for
from followup.series import SERIES
from followup.tests.helpers import small_history

PERIOD = "start=2024-01-01&end=2024-06-10"
API_PERIOD = "from=2024-01-01&to=2024-06-10"


@pytest.fixture
def history(anna):
    small_history(anna)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    ["anna.lind", "lars.hmc", "alva.analys", "siv.logg", "olof.ekonomi", "karin.samverkan"],
)
def test_every_role_sees_the_follow_up_without_patient_data(history, username):
    from django.contrib.auth.models import User

    client = client_for(User.objects.get(username=username))
    response = client.get(f"/uppfoljning/?{PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') >= len(SERIES) - 1  # every chart but the unit list
    assert "Tolvan" not in html and "19121212" not in html  # aggregates only
    api = client.get(f"/api/v1/followup/summary?{API_PERIOD}")
    assert api.status_code == 200
    assert api.json()["delivered_total"] == 3


@pytest.mark.django_db
def test_the_dashboard_shows_the_figures_of_the_events(history, lars_client):
    html = lars_client.get(f"/uppfoljning/?{PERIOD}&at=2024-05-31").content.decode()
    # 3 delivered, 2 at patients on 31 May (one came back on 22 May), delivery times
    # 2, 4 and 9 working days: median 4, mean 5, one late of three.
    assert "<dt>Utlevererade</dt><dd>3</dd>" in html
    assert "<dd>2</dd>" in html
    assert "66,7\u00a0%" in html
    assert "<dd>4,0 / 5,0</dd>" in html


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get("/uppfoljning/").status_code == 302
    assert client.get("/api/v1/followup/summary").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2024-13-01", "Fyll i ett giltigt datum."),
        ("start=2024-05-01&end=2024-01-01", "Perioden slutar innan den börjar."),
        ("products=DH-9999", "Välj ett giltigt alternativ."),
    ],
)
def test_bad_filters_are_explained_in_swedish(lars_client, query, message):
    response = lars_client.get(f"/uppfoljning/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("from=2024-05-01&to=2024-01-01", "period_reversed", "to"),
        ("product=DH-9999", "unknown_product", "product"),
        ("principal=9999", "unknown_principal", "principal"),
        ("principal_kind=county", "invalid_principal_kind", "principal_kind"),
        ("unit=999999", "unknown_unit", "unit"),
        ("from=yesterday", "invalid_input", "from"),
    ],
)
def test_bad_api_parameters_get_coded_errors(lars_client, query, code, field):
    response = lars_client.get(f"/api/v1/followup/summary?{query}")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)


@pytest.mark.django_db
def test_api_summary_per_product_and_filters(history, lars_client):
    body = lars_client.get(f"/api/v1/followup/summary?{API_PERIOD}&at=2024-05-31").json()
    assert body["at_patients"] == 2
    assert body["deliveries_counted"] == 3
    assert body["deliveries_late"] == 1
    assert body["delivery_days_median"] == 4
    assert body["delivery_days_mean"] == 5
    assert body["reconditionings"] == 1
    assert body["ordering_units"] == 1
    (bp,) = body["per_product"]
    assert (bp["article_number"], bp["delivered_total"], bp["at_patients"]) == ("DH-1001", 3, 2)
    other = lars_client.get(f"/api/v1/followup/summary?{API_PERIOD}&product=DH-1003").json()
    assert other["delivered_total"] == 0
    municipal = lars_client.get(
        f"/api/v1/followup/summary?{API_PERIOD}&principal_kind=municipality"
    ).json()
    assert municipal["delivered_total"] == 0


@pytest.mark.django_db
def test_one_api_endpoint_per_chart_series(history, lars_client):
    for name in SERIES:
        response = lars_client.get(f"/api/v1/followup/{name}?{API_PERIOD}")
        assert response.status_code == 200, name
        body = response.json()
        assert body["name"] == name
        keys = [c["key"] for c in body["columns"]]
        assert all(set(row) <= set(keys) for row in body["rows"]), name
    months = lars_client.get(f"/api/v1/followup/delivered-per-month?{API_PERIOD}").json()
    assert [(r["month"], r["total"], r["cumulative"]) for r in months["rows"]] == [
        ("2024-01", 0, 0),
        ("2024-02", 0, 0),
        ("2024-03", 1, 1),
        ("2024-04", 1, 2),
        ("2024-05", 1, 3),
        ("2024-06", 0, 3),
    ]
    schema = lars_client.get("/api/v1/openapi.json").json()
    assert "/api/v1/followup/summary" in schema["paths"]
    assert all(f"/api/v1/followup/{name}" in schema["paths"] for name in SERIES)


@pytest.mark.django_db
def test_downloads_as_csv_and_excel(history, lars_client):
    response = lars_client.get(f"/uppfoljning/delivered-per-month.csv?{PERIOD}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Månad"
    assert rows[-1] == ["2024-06", "0", "0", "0", "3"]

    times = lars_client.get(f"/uppfoljning/delivery-times-per-product.csv?{PERIOD}")
    product_row = list(
        csv.reader(io.StringIO(times.content.decode().lstrip("\ufeff")), delimiter=";")
    )[1]
    assert "66,7" in product_row  # the share as a Swedish percentage

    xlsx = lars_client.get(f"/uppfoljning/delivered-per-month.xlsx?{PERIOD}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == "2024-05"]
    assert values == [("2024-05", 1, 0, 1, 3)]
    assert lars_client.get("/uppfoljning/no-such-series.csv").status_code == 404


@pytest.mark.django_db
def test_report_as_html_and_pdf(history, lars_client):
    html = lars_client.get(f"/uppfoljning/rapport/?{PERIOD}&at=2024-05-31").content.decode()
    assert "Försörjning" in html and "Resultat" in html
    assert "Av totalt 3 utlevererade hjälpmedel har 3 förskrivits till patient" in html
    assert "2 digitala hjälpmedel hos patient per 2024-05-31" in html
    pdf = lars_client.get(f"/uppfoljning/rapport.pdf?{PERIOD}")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_history(anna, lars_client):
    """The figures are set-based aggregates over the daily counts: three deliveries or
    eight cost the same number of queries, on the dashboard and in the API, once the
    days are counted (counting them costs queries per run of days, not per event)."""
    from django.core.cache import cache

    from followup.tests.helpers import D, deliver, order_on
    from orders.tests.helpers import BP, register

    small_history(anna)
    urls = [f"/uppfoljning/?{PERIOD}", f"/api/v1/followup/summary?{API_PERIOD}"]
    counting_before = [_queries(lars_client, url) for url in urls]
    cache.clear()
    before = [_queries(lars_client, url) for url in urls]
    numbers = ["19850505-0032", "19700101-0011", "19600101-0021", "19800101-0001", "19121212-1212"]
    for i, number in enumerate(numbers):
        register(BP, f"BP-Q{i}", D(2024, 1, 1))
        deliver(order_on(anna, D(2024, 2, 1 + i), number), D(2024, 2, 1 + i), D(2024, 2, 9))
    recounting = [_queries(lars_client, url) for url in urls]
    cache.clear()
    after = [_queries(lars_client, url) for url in urls]
    assert after == before
    # The new events made their days stale: the dashboard counts them again (a few
    # queries per run of stale days), and the API then finds them counted.
    assert recounting[0] > before[0]
    assert recounting[1] == before[1]
    assert counting_before[0] > before[0]

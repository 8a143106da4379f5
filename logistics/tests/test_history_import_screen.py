"""The import screen: the device centre uploads a file, checks it, imports it; a wrong
row is shown with its row and column and nothing is saved; others may not import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from devices.models import DeviceEvent
from logistics.tests.test_history_import import FIRST, SECOND, hsa_ids, write_csv  # noqa: F401
from orders.models import Order

pytestmark = pytest.mark.django_db


def upload(tmp_path, rows, name="orders.csv"):
    path = write_csv(tmp_path / name, rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def test_check_then_import_then_nothing_new(lars_client, tmp_path):
    checked = lars_client.post(
        "/hmc/import/",
        {"kind": "orders", "file": upload(tmp_path, [FIRST, SECOND]), "dry_run": "on"},
    )
    assert checked.status_code == 200
    assert "Filen är korrekt: ingenting sparades" in checked.content.decode()
    assert Order.objects.count() == 0

    imported = lars_client.post(
        "/hmc/import/", {"kind": "orders", "file": upload(tmp_path, [FIRST, SECOND])}
    )
    assert imported.status_code == 200
    assert Order.objects.filter(external_id__in=["HIST-1", "HIST-2"]).count() == 2
    events = DeviceEvent.objects.count()

    again = lars_client.post(
        "/hmc/import/", {"kind": "orders", "file": upload(tmp_path, [FIRST, SECOND])}
    )
    assert again.status_code == 200
    assert DeviceEvent.objects.count() == events


def test_a_wrong_row_is_shown_and_nothing_is_saved(lars_client, tmp_path):
    wrong = {**SECOND, "delivered_on": "2024-06-31"}
    response = lars_client.post(
        "/hmc/import/", {"kind": "orders", "file": upload(tmp_path, [FIRST, wrong])}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "ingenting importerades" in html
    assert "<td>3</td><td><code>delivered_on</code></td>" in html
    assert Order.objects.count() == 0


def test_only_csv_or_excel_files(lars_client):
    response = lars_client.post(
        "/hmc/import/",
        {
            "kind": "orders",
            "file": SimpleUploadedFile("orders.pdf", b"%PDF-1.7", "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "Välj en .csv- eller .xlsx-fil." in response.content.decode()


def test_prescribers_may_not_import(anna_client, tmp_path):
    response = anna_client.post(
        "/hmc/import/", {"kind": "orders", "file": upload(tmp_path, [FIRST])}
    )
    # A refused form post goes back with the reason, as on every screen; nothing saved.
    assert response.status_code == 302
    assert Order.objects.count() == 0
    assert anna_client.get("/hmc/import/").status_code == 403

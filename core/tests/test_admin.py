"""Every model's admin pages open, in Swedish, for the administrator."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("model", [m for m, _ in _registered()], ids=lambda m: m._meta.label)
def test_admin_pages_open(admin_client, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    model_admin = admin.site._registry[model]
    request = changelist.wsgi_request
    if model_admin.has_add_permission(request):
        add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = admin_client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )
        assert change.status_code == 200


def test_admin_is_in_swedish(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "Huvudmän" in body
    assert "Produkter" in body
    assert "Anvisningsversioner" in body


def test_guidance_version_in_force_is_read_only(admin_client):
    from catalog.models import GuidanceVersion

    version = GuidanceVersion.objects.get(product__article_number="DH-1007")
    url = reverse("admin:catalog_guidanceversion_change", args=[version.pk])
    response = admin_client.post(url, {"valid_from": "2030-01-01"})
    # A read-only change view refuses a post; the version is untouched.
    assert response.status_code == 403
    version.refresh_from_db()
    assert str(version.valid_from) == "2024-02-26"

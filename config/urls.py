"""Top-level URL configuration: the screens, the admin and the REST API."""

from django.contrib import admin
from django.urls import include, path

from api.api import api

urlpatterns = [
    path("", include("core.urls")),
    path("katalog/", include("catalog.urls")),
    path("", include("orders.urls")),
    path("hmc/", include("logistics.urls")),
    path("logg/", include("audit.urls")),
    path("uppfoljning/", include("followup.urls")),
    path("fakturering/", include("billing.urls")),
    path("investering/", include("investment.urls")),
    path("samverkansekonomi/", include("economy.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

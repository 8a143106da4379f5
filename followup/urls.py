from django.urls import path

from followup import views

app_name = "followup"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rapport/", views.report, name="report"),
    path("rapport.pdf", views.report_pdf, name="report_pdf"),
    path("<slug:name>.csv", views.series_download, {"fmt": "csv"}, name="download_csv"),
    path("<slug:name>.xlsx", views.series_download, {"fmt": "xlsx"}, name="download_xlsx"),
]

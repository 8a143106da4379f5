from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.runs, name="runs"),
    path("korningar/<int:pk>/", views.run_detail, name="run_detail"),
    path("korningar/<int:pk>/utfarda/", views.run_issue, name="run_issue"),
    path("korningar/<int:pk>/kassera/", views.run_discard, name="run_discard"),
    path("fakturor/", views.invoice_list, name="invoice_list"),
    path("fakturor/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("fakturor/<int:pk>/kreditera/", views.credit_note_create, name="credit_note_create"),
    path("fakturor/<int:pk>.pdf", views.invoice_download, {"fmt": "pdf"}, name="invoice_pdf"),
    path("fakturor/<int:pk>.xlsx", views.invoice_download, {"fmt": "xlsx"}, name="invoice_xlsx"),
    path("fakturor/<int:pk>.csv", views.invoice_download, {"fmt": "csv"}, name="invoice_csv"),
    path("kostnadsansvar/", views.transfers, name="transfers"),
    path("konton/", views.accounts, name="accounts"),
    path("sie/", views.sie_export, name="sie_export"),
]

from django.urls import path

from investment import views

app_name = "investment"

urlpatterns = [
    path("", views.index, name="index"),
    path("oversikt/", views.overview, name="overview"),
    path("oversikt.csv", views.overview_download, {"fmt": "csv"}, name="overview_csv"),
    path("oversikt.xlsx", views.overview_download, {"fmt": "xlsx"}, name="overview_xlsx"),
    path("utfarda/", views.run_issue, name="run_issue"),
    path("huvudman/<str:code>/", views.principal_detail, name="principal"),
    path("huvudman/<str:code>/betalning/", views.payment_record, name="payment_record"),
    path("huvudman/<str:code>/begaran/", views.request_submit, name="request_submit"),
    path("begaran/", views.request_list, name="requests"),
    path("begaran/<int:pk>/granska/", views.request_review, name="request_review"),
    path("faktura/<str:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
]

from django.urls import path

from economy import views

app_name = "economy"

urlpatterns = [
    path("", views.ledger_view, name="ledger"),
    path("kostnader/", views.costs_view, name="costs"),
    path("budget/<int:year>/", views.budget_view, name="budget"),
    path("prognos/", views.forecast_view, name="forecast"),
]

"""The prescriber's and orderer's screens."""

from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("forskriv/<str:article_number>/", views.prescribe, name="prescribe"),
    path("forskriv/<str:article_number>/kontroll/", views.prescribe_check, name="prescribe_check"),
    path("bestallningar/", views.order_list, name="order_list"),
    path("bestallningar/<int:pk>/", views.order_detail, name="order_detail"),
    path("bestallningar/<int:pk>/makulera/", views.order_cancel_view, name="order_cancel"),
    path("patienter/", views.patient_search, name="patient_search"),
    path("patienter/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("lan/<int:pk>/hamtning/", views.loan_pickup, name="loan_pickup"),
    path("lan/<int:pk>/avbestall-hamtning/", views.loan_pickup_cancel, name="loan_pickup_cancel"),
    path("lan/<int:pk>/felanmalan/", views.loan_fault, name="loan_fault"),
    path("lan/<int:pk>/support/", views.support_case_new, name="support_case"),
    path("lokalt-lager/", views.local_stock, name="local_stock"),
]

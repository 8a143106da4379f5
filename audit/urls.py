from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.log_review, name="log"),
    path("stickprov/", views.log_sample, name="sample"),
    path("patient/", views.patient_extract_find, name="patient_extract_find"),
    path("patient/<int:pk>/", views.patient_extract, name="patient_extract"),
]

from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("<str:article_number>/", views.product_detail, name="product_detail"),
]

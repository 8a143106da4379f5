"""The device centre's screens, under /hmc/ (Swedish paths, English names)."""

from django.urls import path

from devices import views as device_views
from logistics import views

app_name = "logistics"
urlpatterns = [
    # The work queue and its orders.
    path("", views.work_queue, name="work_queue"),
    path("import/", views.history_import_screen, name="history_import"),
    path("bestallning/<int:pk>/", views.order_detail, name="order_detail"),
    path("bestallning/<int:pk>/foljesedel/", views.delivery_note, name="delivery_note"),
    path("bestallning/<int:pk>/acceptera/", views.order_accept, name="order_accept"),
    path("bestallning/<int:pk>/tilldela/", views.order_allocate, name="order_allocate"),
    path("bestallning/<int:pk>/skicka/", views.order_dispatch, name="order_dispatch"),
    path("bestallning/<int:pk>/leverera/", views.order_deliver, name="order_deliver"),
    path("bestallning/<int:pk>/makulera/", views.order_cancel, name="order_cancel"),
    # Incoming returns.
    path("returer/", views.returns, name="returns"),
    path("returer/returkod/", views.return_receive_by_code, name="return_receive_by_code"),
    path("returer/<int:pk>/ta-emot/", views.return_receive, name="return_receive"),
    # Workshop: reconditioning and repair.
    path("verkstad/", views.workshop, name="workshop"),
    path("verkstad/arbetsorder/<int:pk>/starta/", views.workorder_start, name="workorder_start"),
    path("verkstad/arbetsorder/<int:pk>/avsluta/", views.workorder_finish, name="workorder_finish"),
    # Devices: search, history, stock, and the workshop's device steps.
    path("hjalpmedel/", device_views.device_list, name="device_list"),
    path("hjalpmedel/<int:pk>/", device_views.device_detail, name="device_detail"),
    path(
        "hjalpmedel/<int:pk>/rekonditionering/starta/",
        device_views.reconditioning_start,
        name="reconditioning_start",
    ),
    path(
        "hjalpmedel/<int:pk>/rekonditionering/klar/",
        device_views.reconditioning_done,
        name="reconditioning_done",
    ),
    path("hjalpmedel/<int:pk>/kassera/", device_views.device_scrap, name="device_scrap"),
    path(
        "hjalpmedel/<int:pk>/felanmalan/",
        device_views.device_fault_report,
        name="device_fault_report",
    ),
    path("lager/", device_views.stock, name="stock"),
    # Training.
    path("utbildningar/", views.trainings, name="trainings"),
    path("utbildningar/registrera/", views.training_record, name="training_record"),
]

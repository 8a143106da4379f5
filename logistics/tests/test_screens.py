"""The device centre's screens through HTTP: what each shows, every post through its
action (state after, event written), refusals in Swedish with nothing changed, the
patient-data access log, and query-count guards on the lists."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLogEntry
from catalog.models import Product
from devices.actions import device_move_to_local_stock
from devices.models import Device, DeviceEvent
from logistics.actions import (
    delivery_confirm,
    delivery_dispatch,
    device_allocate,
    pickup_request,
    return_receive,
    workorder_report,
)
from logistics.calendar import add_working_days
from logistics.models import Loan, Training, WorkOrder
from logistics.selectors import order_timeliness
from orders.actions import OrderInput, PatientInput, order_accept, order_submit
from orders.models import Order
from orders.personal_numbers import luhn_check_digit
from orders.tests.helpers import BP, DISPENSER, register, unit_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def personal_number(n: int) -> str:
    """A valid personal identity number of someone born 1950-01-01, serial ``n``."""
    nine = f"500101{n:03d}"
    return f"19{nine}{luhn_check_digit(nine)}"


def submit(user, product=BP, *, n=1, ordered_on=None, **patient):
    fields = {"first_name": "Tolvan", "last_name": f"Patient{n}", **patient}
    order, _created = order_submit(
        data=OrderInput(
            product=Product.objects.get(article_number=product),
            unit=unit_of(user),
            patient=PatientInput(personal_number(n), **fields),
            criteria=["b420.2"] if product == BP else ["b144.2"],
            delivery_method="tour_van_home",
            ordered_on=ordered_on,
        ),
        acting_user=user,
    )
    return order


def delivered(nurse, lars, *, n=1, ordered_on=None, delivered_on=None):
    order = submit(nurse, n=n, ordered_on=ordered_on)
    order_accept(order=order, acting_user=lars)
    device_allocate(order=order, acting_user=lars)
    delivery_dispatch(order=order, acting_user=lars)
    return delivery_confirm(order=order, delivered_on=delivered_on, acting_user=lars)


def last_event(**filters):
    return DeviceEvent.objects.filter(**filters).order_by("-id").first()


def access_rows(resource):
    return AccessLogEntry.objects.filter(resource=resource)


def url(name, *args):
    return reverse(f"logistics:{name}", args=args)


def html(response):
    return response.content.decode()


# --- Who may see the screens -----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["work_queue", "returns", "workshop", "stock", "trainings", "device_list"]
)
def test_each_screen_is_for_the_device_centre_only(name, anna_client, lars_client, admin_client):
    assert anna_client.get(url(name)).status_code == 403
    assert lars_client.get(url(name)).status_code == 200
    assert admin_client.get(url(name)).status_code == 200


def test_a_nurse_cannot_open_an_order_or_a_device_here(anna, anna_client, bp_stock):
    order = submit(anna)
    assert anna_client.get(url("order_detail", order.pk)).status_code == 403
    assert anna_client.get(url("delivery_note", order.pk)).status_code == 403
    assert anna_client.get(url("device_detail", bp_stock[0].pk)).status_code == 403
    assert not access_rows("delivery").exists()


def test_a_nurse_cannot_accept_and_nothing_changes(anna, anna_client):
    order = submit(anna)
    response = anna_client.post(url("order_accept", order.pk), follow=True)
    assert "Endast personal på Hjälpmedelscentralen får göra detta." in html(response)
    order.refresh_from_db()
    assert order.status == "submitted"


def test_state_changes_are_post_only(lars_client, anna):
    order = submit(anna)
    assert lars_client.get(url("order_accept", order.pk)).status_code == 405
    order.refresh_from_db()
    assert order.status == "submitted"


# --- The work queue --------------------------------------------------------------------


def test_work_queue_sorts_by_due_date_and_marks_late_and_at_risk(anna, lars_client):
    today = TODAY()
    fresh = submit(anna, n=1)
    late = submit(anna, n=2, ordered_on=today - 40 * DAY)
    # An order placed so that it is due within two working days but not yet late.
    at_risk = None
    for back in range(1, 20):
        candidate = today - back * DAY
        due = add_working_days(candidate, 7)
        if (
            today <= due
            and order_timeliness(
                Order(status="submitted", ordered_on=candidate, due_date=due)
            ).at_risk
        ):
            at_risk = submit(anna, n=3, ordered_on=candidate)
            break
    assert at_risk is not None and order_timeliness(at_risk).at_risk

    page = html(lars_client.get(url("work_queue")))

    positions = [page.index(f'id="order-{o.pk}"') for o in (late, at_risk, fresh)]
    assert positions == sorted(positions)  # the one due first on top
    assert f'<tr id="order-{late.pk}" class="late">' in page
    assert f'<tr id="order-{at_risk.pk}" class="at_risk">' in page
    assert f'<tr id="order-{fresh.pk}" class="">' in page
    assert "Försenad" in page and "I riskzonen" in page


def test_work_queue_counts_and_filters(anna, lars, lars_client, bp_stock):
    first = submit(anna, n=1)
    second = submit(anna, n=2)
    order_accept(order=second, acting_user=lars)
    dispenser = submit(anna, DISPENSER, n=3)

    page = html(lars_client.get(url("work_queue")))
    assert '<span class="n">3</span>' in page  # all open
    assert '<span class="n">2</span>' in page  # submitted

    accepted = html(lars_client.get(url("work_queue"), {"status": "accepted"}))
    assert f'id="order-{second.pk}"' in accepted
    assert f'id="order-{first.pk}"' not in accepted

    by_product = html(lars_client.get(url("work_queue"), {"product": DISPENSER}))
    assert f'id="order-{dispenser.pk}"' in by_product
    assert f'id="order-{first.pk}"' not in by_product

    tour_route = unit_of(anna).tour_route
    assert tour_route is not None
    route = tour_route.code
    assert f'id="order-{first.pk}"' in html(lars_client.get(url("work_queue"), {"route": route}))
    assert f'id="order-{first.pk}"' not in html(
        lars_client.get(url("work_queue"), {"route": "NO-SUCH"})
    )

    # While a filter changes, htmx gets the counts and the table only.
    partial = html(
        lars_client.get(url("work_queue"), {"status": "submitted"}, HTTP_HX_REQUEST="true")
    )
    assert "<html" not in partial
    assert f'id="order-{first.pk}"' in partial


def test_work_queue_unit_filter_is_a_list_or_a_name_search(anna, sara, lars_client, monkeypatch):
    from logistics import views

    mine = submit(anna, n=1)
    theirs = submit(sara, DISPENSER, n=2)
    unit = unit_of(anna)

    page = html(lars_client.get(url("work_queue")))
    assert f'<option value="{unit.pk}"' in page  # two units: a list
    assert 'name="unit_name"' not in page

    # A national device centre has thousands of units with open orders: a name search.
    monkeypatch.setattr(views, "UNIT_CHOICES_LIMIT", 1)
    page = html(lars_client.get(url("work_queue")))
    assert 'name="unit_name"' in page
    assert f'<option value="{unit.pk}"' not in page
    found = html(lars_client.get(url("work_queue"), {"unit_name": unit.name[2:9].lower()}))
    assert f'id="order-{mine.pk}"' in found
    assert f'id="order-{theirs.pk}"' not in found


def test_work_queue_rows_per_page_can_be_chosen(anna, lars_client, monkeypatch):
    from logistics import views

    monkeypatch.setattr(views, "QUEUE_PAGE_SIZES", (1, 2, 3))
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    orders = [submit(anna, n=n) for n in (1, 2, 3)]
    shown = [f'id="order-{o.pk}"' for o in orders]

    default = html(lars_client.get(url("work_queue")))
    assert [row in default for row in shown].count(True) == 2
    assert '<option value="2" selected>' in default
    assert "Sida 1 av 2" in default

    three = html(lars_client.get(url("work_queue"), {"per_page": "3"}))
    assert all(row in three for row in shown)
    assert '<option value="3" selected>' in three
    # The next page keeps the choice; a size not offered falls back to the default.
    one = html(lars_client.get(url("work_queue"), {"per_page": "1"}))
    assert "per_page=1&amp;page=2" in one
    other = html(lars_client.get(url("work_queue"), {"per_page": "7"}))
    assert [row in other for row in shown].count(True) == 2


def test_work_queue_logs_one_access_per_patient_row(anna, lars, lars_client):
    orders = [submit(anna, n=n) for n in (1, 2, 3)]
    lars_client.get(url("work_queue"))
    rows = access_rows("work_queue")
    assert sorted(rows.values_list("object_id", flat=True)) == sorted(str(o.pk) for o in orders)
    assert set(rows.values_list("action", "user__username")) == {("read", "lars.hmc")}
    assert rows.values("patient").distinct().count() == 3


def _queries(client, path):
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


def test_work_queue_makes_no_query_per_row(anna, lars, lars_client, django_assert_max_num_queries):
    for i in range(5):
        register(BP, f"QC-{i}", datetime.date(2023, 1, 1), lars)
    submit(anna, n=1)
    one = _queries(lars_client, url("work_queue"))
    # Four more, in every open status: devices, patients and units on each row.
    for n in (2, 3, 4, 5):
        order = submit(anna, n=n)
        if n >= 3:
            order_accept(order=order, acting_user=lars)
        if n >= 4:
            device_allocate(order=order, acting_user=lars)
        if n >= 5:
            delivery_dispatch(order=order, acting_user=lars)
    with django_assert_max_num_queries(one):
        lars_client.get(url("work_queue"))
    assert one <= 20


# --- Each step of an order -------------------------------------------------------------


def test_accept_allocate_dispatch_deliver_through_the_screens(anna, lars, lars_client, bp_stock):
    order = submit(anna)

    response = lars_client.post(url("order_accept", order.pk))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "accepted"
    assert last_event(order=order).kind == "order_accepted"

    lars_client.post(url("order_allocate", order.pk), {"serial_number": " BP-MID "})
    order.refresh_from_db()
    assert (order.status, order.device.serial_number) == ("allocated", "BP-MID")
    event = last_event(order=order)
    assert (event.kind, event.device.serial_number, event.actor) == ("allocated", "BP-MID", lars)

    lars_client.post(url("order_dispatch", order.pk))
    order.refresh_from_db()
    assert order.status == "dispatched"
    assert last_event(order=order).kind == "dispatched"

    yesterday_or_today = max(order.ordered_on, TODAY())
    lars_client.post(
        url("order_deliver", order.pk), {"delivered_on": yesterday_or_today.isoformat()}
    )
    order.refresh_from_db()
    assert order.status == "delivered"
    assert Loan.objects.get(order=order).started_on == yesterday_or_today
    assert last_event(order=order).kind == "delivered"


def test_allocate_empty_takes_the_oldest_device(anna, lars, lars_client, bp_stock):
    order = submit(anna)
    order_accept(order=order, acting_user=lars)
    lars_client.post(url("order_allocate", order.pk), {"serial_number": ""})
    order.refresh_from_db()
    assert order.device.serial_number == "BP-OLD"


def test_allocating_an_unknown_serial_is_refused_in_swedish(anna, lars, lars_client, bp_stock):
    order = submit(anna)
    order_accept(order=order, acting_user=lars)
    events = DeviceEvent.objects.count()
    response = lars_client.post(
        url("order_allocate", order.pk),
        {"serial_number": "NOPE-1"},
        HTTP_REFERER="http://testserver" + url("work_queue"),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("work_queue")
    assert "med serienummer NOPE-1 i lager" in html(response)
    assert 'role="alert"' in html(response)
    order.refresh_from_db()
    assert (order.status, order.device) == ("accepted", None)
    assert DeviceEvent.objects.count() == events
    assert set(Device.objects.values_list("status", flat=True)) == {"in_stock"}


def test_a_step_at_the_wrong_moment_is_refused(anna, lars_client):
    order = submit(anna)
    lars_client.post(url("order_dispatch", order.pk), follow=True)
    order.refresh_from_db()
    assert order.status == "submitted"


def test_an_htmx_refusal_answers_with_the_message_alone(anna, lars_client):
    order = submit(anna)
    response = lars_client.post(url("order_dispatch", order.pk), HTTP_HX_REQUEST="true")
    assert 'role="alert"' in html(response)
    assert 'data-code="order_not_allocated"' in html(response)


def test_cancel_releases_the_device(anna, lars, lars_client, bp_stock):
    order = submit(anna)
    order_accept(order=order, acting_user=lars)
    device_allocate(order=order, acting_user=lars)
    lars_client.post(url("order_cancel", order.pk), {"reason": "Fel produkt"})
    order.refresh_from_db()
    assert (order.status, order.cancel_reason, order.device) == ("cancelled", "Fel produkt", None)
    assert Device.objects.get(serial_number="BP-OLD").status == "in_stock"
    assert last_event(order=order).kind == "order_cancelled"


def test_order_detail_shows_delivery_details_and_history(anna, lars, lars_client, bp_stock):
    order = submit(
        anna,
        street_address="Storgatan 1",
        postal_code="41301",
        city="Göteborg",
    )
    order_accept(order=order, acting_user=lars)
    page = html(lars_client.get(url("order_detail", order.pk)))
    assert "Tolvan Patient1" in page
    assert "Storgatan 1, 41301 Göteborg" in page
    assert "Beställning mottagen" in page  # the accept event, in Swedish
    rows = access_rows("delivery")
    assert list(rows.values_list("object_id", "action")) == [(str(order.pk), "read")]


def test_protected_identity_is_shown_to_the_centre_marked(anna, lars_client):
    order = submit(anna, protected_identity=True, street_address="Hemlig väg 2", city="Borås")
    page = html(lars_client.get(url("order_detail", order.pk)))
    assert "Tolvan Patient1" in page
    assert "Hemlig väg 2" in page
    assert 'class="badge protected"' in page
    assert "Skyddad identitet" in page
    queue = html(lars_client.get(url("work_queue")))
    assert 'class="badge protected"' in queue


def test_the_printed_delivery_note_is_logged_as_print(anna, lars, lars_client, bp_stock):
    order = submit(anna, street_address="Storgatan 1", postal_code="41301", city="Göteborg")
    order_accept(order=order, acting_user=lars)
    device_allocate(order=order, acting_user=lars)
    page = html(lars_client.get(url("delivery_note", order.pk)))
    assert "BP-OLD" in page and "Storgatan 1" in page
    assert "Hjälpmedelscentralen Mölndal" in page
    rows = access_rows("delivery")
    assert list(rows.values_list("object_id", "action")) == [(str(order.pk), "print")]


# --- Incoming returns ------------------------------------------------------------------


def test_returns_lists_pickups_with_lateness_and_receives_one(anna, lars, lars_client, bp_stock):
    today = TODAY()
    old = delivered(anna, lars, n=1, ordered_on=today - 40 * DAY, delivered_on=today - 35 * DAY)
    pickup_request(loan=old, requested_on=today - 30 * DAY, acting_user=anna)
    recent = delivered(anna, lars, n=2)
    pickup_request(loan=recent, method="post_agent", acting_user=anna)
    on_loan = delivered(anna, lars, n=3)

    page = html(lars_client.get(url("returns")))
    assert f'<tr id="loan-{old.pk}" class="late">' in page
    assert f'id="loan-{recent.pk}"' in page
    assert f'id="loan-{on_loan.pk}"' not in page  # no return requested
    assert page.index(f'id="loan-{old.pk}"') < page.index(f'id="loan-{recent.pk}"')
    rows = access_rows("returns")
    assert sorted(rows.values_list("object_id", flat=True)) == sorted([str(old.pk), str(recent.pk)])

    lars_client.post(url("return_receive", old.pk))
    old.refresh_from_db()
    assert old.ended_on == today
    assert old.device.status == "awaiting_reconditioning"
    assert last_event(loan=old).kind == "received"


def test_receive_by_return_code(anna, lars, lars_client, bp_stock):
    loan = delivered(anna, lars)
    loan, code = pickup_request(loan=loan, method="post_agent", acting_user=anna)
    lars_client.post(url("return_receive_by_code"), {"return_code": code.lower()})
    loan.refresh_from_db()
    assert loan.ended_on == TODAY()
    assert last_event(loan=loan).kind == "received"

    again = lars_client.post(url("return_receive_by_code"), {"return_code": code}, follow=True)
    assert "Returkoden är okänd eller redan använd." in html(again)


def test_an_unknown_return_code_changes_nothing(anna, lars, lars_client, bp_stock):
    loan = delivered(anna, lars)
    pickup_request(loan=loan, method="post_agent", acting_user=anna)
    events = DeviceEvent.objects.count()
    response = lars_client.post(
        url("return_receive_by_code"), {"return_code": "ZZZZ2222"}, follow=True
    )
    assert "Returkoden är okänd eller redan använd." in html(response)
    loan.refresh_from_db()
    assert loan.ended_on is None
    assert DeviceEvent.objects.count() == events


def test_returns_list_makes_no_query_per_row(
    anna, lars, lars_client, django_assert_max_num_queries
):
    for i in range(5):
        register(BP, f"RQ-{i}", datetime.date(2023, 1, 1), lars)
    first = delivered(anna, lars, n=1)
    pickup_request(loan=first, acting_user=anna)
    one = _queries(lars_client, url("returns"))
    for n in (2, 3, 4, 5):
        loan = delivered(anna, lars, n=n)
        pickup_request(loan=loan, method="post_agent" if n % 2 else "pickup", acting_user=anna)
    with django_assert_max_num_queries(one):
        lars_client.get(url("returns"))
    assert one <= 20


# --- Workshop --------------------------------------------------------------------------


def test_reconditioning_start_and_done(anna, lars, lars_client, bp_stock):
    loan = delivered(anna, lars)
    return_receive(loan=loan, acting_user=lars)
    device = loan.device
    page = html(lars_client.get(url("workshop")))
    assert f'id="device-{device.pk}"' in page

    lars_client.post(url("reconditioning_start", device.pk))
    device.refresh_from_db()
    assert device.status == "in_reconditioning"
    assert last_event(device=device).kind == "reconditioning_started"

    lars_client.post(url("reconditioning_done", device.pk))
    device.refresh_from_db()
    assert (device.status, device.location) == ("in_stock", "centre")
    assert last_event(device=device).kind == "reconditioned"
    assert f'id="device-{device.pk}"' not in html(lars_client.get(url("workshop")))


def test_repair_start_and_finish(lars, lars_client, bp_stock):
    device = bp_stock[0]
    work = workorder_report(device=device, fault="Manschetten läcker", acting_user=lars)
    page = html(lars_client.get(url("workshop")))
    assert f'id="workorder-{work.pk}"' in page and "Manschetten läcker" in page

    lars_client.post(url("workorder_start", work.pk))
    work.refresh_from_db()
    assert work.status == "started"
    assert last_event(device=device).kind == "repair_started"

    refused = lars_client.post(
        url("workorder_finish", work.pk), {"outcome": "nonsense"}, follow=True
    )
    assert "Okänt resultat." in html(refused)
    work.refresh_from_db()
    assert work.status == "started"

    lars_client.post(url("workorder_finish", work.pk), {"outcome": "repaired"})
    work.refresh_from_db()
    assert (work.status, work.outcome) == ("done", "repaired")
    event = last_event(device=device)
    assert (event.kind, event.data["outcome"]) == ("repair_done", "repaired")


def test_fault_report_and_scrap_from_the_device_page(lars, lars_client, bp_stock):
    device = bp_stock[0]
    lars_client.post(url("device_fault_report", device.pk), {"fault": "Skärmen är trasig"})
    assert WorkOrder.objects.get(device=device).fault == "Skärmen är trasig"
    assert last_event(device=device).kind == "repair_reported"

    other = bp_stock[1]
    lars_client.post(url("device_scrap", other.pk), {"reason": "Tappad"})
    other.refresh_from_db()
    assert other.status == "scrapped"
    event = last_event(device=other)
    assert (event.kind, event.data["reason"]) == ("scrapped", "Tappad")


# --- A device's history, search and stock ----------------------------------------------


def test_device_history_in_swedish_with_the_loans_patient_logged(anna, lars, lars_client, bp_stock):
    loan = delivered(anna, lars)
    page = html(lars_client.get(url("device_detail", loan.device.pk)))
    for label in ("Registrerat i lager", "Hjälpmedel tilldelat"):
        assert label in page
    assert str(loan.patient) in page
    rows = access_rows("device_history")
    assert list(rows.values_list("object_id", "patient")) == [
        (str(loan.device.pk), loan.patient.pk)
    ]


def test_search_by_serial_number(lars_client, bp_stock):
    exact = lars_client.get(url("device_list"), {"serial": "BP-MID"})
    assert exact.status_code == 302
    assert exact.url == url("device_detail", Device.objects.get(serial_number="BP-MID").pk)
    several = html(lars_client.get(url("device_list"), {"serial": "BP-"}))
    assert "BP-OLD" in several and "BP-NEW" in several
    nothing = html(lars_client.get(url("device_list"), {"serial": "BP-XYZ"}))
    assert "<tbody>" not in nothing


def test_stock_per_product_status_and_site(anna, lars, lars_client, bp_stock):
    device_move_to_local_stock(device=bp_stock[2], unit=unit_of(anna), acting_user=lars)
    page = html(lars_client.get(url("stock")))
    bp = Product.objects.get(article_number=BP)
    assert bp.name in page
    assert unit_of(anna).name in page  # the unit's local stock
    assert f'?product={BP}&amp;status=in_stock&amp;location=centre">2<' in page
    assert (
        f'?product={BP}&amp;status=in_stock&amp;location=local_stock&amp;unit={unit_of(anna).pk}">1<'
        in page
    )
    listed = html(
        lars_client.get(
            url("device_list"),
            {"product": BP, "location": "local_stock", "unit": unit_of(anna).pk},
        )
    )
    assert "BP-MID" in listed and "BP-OLD" not in listed


# --- Training --------------------------------------------------------------------------


def test_recording_training_releases_the_waiting_order(sara, lars, lars_client, dispenser_stock):
    order = submit(sara, DISPENSER)
    order_accept(order=order, acting_user=lars)
    device_allocate(order=order, acting_user=lars)
    order.refresh_from_db()
    assert order.waits_for_training

    page = html(lars_client.get(url("trainings")))
    assert f'id="waiting-{order.pk}"' in page
    assert "Väntar på utbildning" in html(lars_client.get(url("work_queue")))
    refused = lars_client.post(url("order_dispatch", order.pk), follow=True)
    assert '<li class="error" role="alert">' in html(refused)
    order.refresh_from_db()
    assert order.status == "allocated"

    lars_client.post(
        url("training_record"),
        {
            "unit": unit_of(sara).pk,
            "product": order.product_id,
            "trained_on": TODAY().isoformat(),
        },
    )
    assert Training.objects.filter(unit=unit_of(sara), product=order.product).exists()
    assert last_event(order=order).kind == "training_recorded"
    # The order still carries its flag until dispatch, now shown as free to go.
    page = html(lars_client.get(url("trainings")))
    assert f'id="waiting-{order.pk}"' in page
    assert (
        f'name="unit" value="{unit_of(sara).pk}"' not in page.split(f'id="waiting-{order.pk}"')[1]
    )

    lars_client.post(url("order_dispatch", order.pk))
    order.refresh_from_db()
    assert (order.status, order.waits_for_training) == ("dispatched", False)

    again = lars_client.post(
        url("training_record"),
        {"unit": unit_of(sara).pk, "product": order.product_id, "trained_on": "2024-01-01"},
        follow=True,
    )
    assert "Enhetens utbildning på den här produkten är redan registrerad." in html(again)


def test_a_bad_training_date_is_refused(sara, lars_client):
    product = Product.objects.get(article_number=DISPENSER)
    lars_client.post(
        url("training_record"),
        {"unit": unit_of(sara).pk, "product": product.pk, "trained_on": "igår"},
    )
    assert not Training.objects.exists()

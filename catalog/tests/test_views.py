"""The catalogue screens: search, filters, the product page with its guidance."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST = reverse("catalog:product_list")


def names(response):
    return [p.name for p in response.context["products"]]


def test_catalogue_needs_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_catalogue_lists_launched_products_first(anna_client):
    response = anna_client.get(LIST)
    assert response.status_code == 200
    statuses = [p.status for p in response.context["products"]]
    assert statuses[:7] == ["launched"] * 7
    assert "launched" not in statuses[7:]
    assert "Katalog" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("läkemedel", ["Läkemedelsautomat för användning i hemmet"]),
        ("DH-1003", ["Digital personvåg"]),
        ("04 19", ["Läkemedelsautomat för användning i hemmet"]),
        ("041904", ["Läkemedelsautomat för användning i hemmet"]),
        ("04 24 12", ["Digital pulsoximeter (finger)"]),
        ("finns inte", []),
    ],
)
def test_search_by_name_article_number_or_iso_code(anna_client, query, expected):
    assert names(anna_client.get(LIST, {"q": query})) == expected


def test_filter_by_area_and_status(anna_client):
    social = names(anna_client.get(LIST, {"area": "social_services"}))
    assert social == ["Digital tillsyn", "Digitalt lås", "Mobilt trygghetslarm"]
    launched_health = anna_client.get(LIST, {"area": "health_care", "status": "launched"})
    assert len(names(launched_health)) == 7
    proposed = names(anna_client.get(LIST, {"status": "proposed", "q": "digital"}))
    assert "Digital termometer" in proposed
    assert "Digital personvåg" not in proposed


def test_unknown_filter_values_are_ignored(anna_client):
    response = anna_client.get(LIST, {"area": "nonsense", "status": "nope"})
    assert response.status_code == 200
    assert len(names(response)) == 15


def test_htmx_request_gets_only_the_table(anna_client):
    response = anna_client.get(LIST, {"q": "våg"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "Digital personvåg" in body


def test_product_page_explains_the_guidance_in_swedish(anna_client):
    response = anna_client.get(reverse("catalog:product_detail", args=["DH-1007"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Läkemedelsautomat för användning i hemmet" in body
    assert "Förskriva till patient" in body
    assert "Läkare verksam inom sjukhus och regional primärvård" in body
    assert "Sjuksköterska verksam inom sjukhus, regional primärvård och kommunal primärvård" in body
    assert "Minst ett av följande kriterier" in body
    # The criterion with its code, the handbook's wording and the ICF meaning.
    assert "b144.2" in body
    assert "Måttlig nedsättning av minnesfunktioner" in body
    assert "Minnesfunktioner, måttlig nedsättning" in body
    assert "d57020" in body
    assert "Kostnadsansvar" in body
    assert "Förskrivarens huvudman" in body
    assert "Samråd krävs" in body
    assert "Första leveransen till en ny beställare väntar på utbildning" in body


def test_unknown_product_is_404(anna_client):
    assert anna_client.get(reverse("catalog:product_detail", args=["NOPE"])).status_code == 404


def test_catalogue_query_count_does_not_grow_with_products(
    anna_client, django_assert_max_num_queries
):
    # Session (read, and the idle-timeout touch), user, the menu's roles (person,
    # memberships) and the products: none of it grows with the number of products.
    with django_assert_max_num_queries(8):
        anna_client.get(LIST)

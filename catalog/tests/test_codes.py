import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from catalog.codes import (
    icf_code_validate,
    icf_parse,
    icf_qualifier_meaning,
    iso9999_normalise,
)


@pytest.mark.parametrize(
    ("text", "code", "qualifier"),
    [
        ("b144.2", "b144", 2),
        ("b117.2", "b117", 2),
        ("d57020", "d57020", None),
        ("s7302.4", "s7302", 4),
        ("e110.8", "e110", 8),
        ("B144.9", "b144", 9),
        ("b1", "b1", None),
    ],
)
def test_icf_parse_accepts_valid_codes(text, code, qualifier):
    ref = icf_parse(text)
    assert (ref.code, ref.qualifier) == (code, qualifier)
    assert str(ref) == (code if qualifier is None else f"{code}.{qualifier}")


@pytest.mark.parametrize("text", ["x144.2", "b14", "b1444444", "144", "b144a", "", "d 570"])
def test_icf_code_rejects_bad_format_with_swedish_message(text):
    with translation.override("sv"), pytest.raises(ValidationError) as exc:
        icf_parse(text)
    assert exc.value.code == "invalid_icf_code"
    assert "måste börja med b, s, d eller e" in exc.value.messages[0]


@pytest.mark.parametrize("text", ["b144.5", "b144.6", "b144.7"])
def test_icf_qualifier_outside_scale_is_refused(text):
    with translation.override("sv"), pytest.raises(ValidationError) as exc:
        icf_parse(text)
    assert exc.value.code == "invalid_icf_qualifier"
    assert "0, 1, 2, 3, 4, 8 eller 9" in exc.value.messages[0]


@pytest.mark.parametrize("text", ["b144.", "b144.22", "b144.x"])
def test_icf_malformed_qualifier_is_refused(text):
    with pytest.raises(ValidationError) as exc:
        icf_parse(text)
    assert exc.value.code == "invalid_icf_qualifier"


def test_icf_code_validate_normalises_case_and_space():
    assert icf_code_validate(" D57020 ") == "d57020"


def test_qualifier_meaning_in_swedish_depends_on_component():
    with translation.override("sv"):
        assert icf_qualifier_meaning("b", 2) == "måttlig nedsättning"
        assert icf_qualifier_meaning("d", 3) == "svår svårighet"
        assert icf_qualifier_meaning("e", 1) == "lätt hinder"
        assert icf_qualifier_meaning("b", 9) == "ej tillämplig"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("04 24 03", "04 24 03"), ("042403", "04 24 03"), ("04 19", "04 19"), ("22", "22")],
)
def test_iso9999_normalises(raw, normalised):
    assert iso9999_normalise(raw) == normalised


@pytest.mark.parametrize("raw", ["4 24 03", "04-24-03", "04 24 03 01", "ab cd ef", "0424031"])
def test_iso9999_rejects_bad_codes_with_swedish_message(raw):
    with translation.override("sv"), pytest.raises(ValidationError) as exc:
        iso9999_normalise(raw)
    assert exc.value.code == "invalid_iso_code"
    assert "inte en ISO 9999-kod" in exc.value.messages[0]


@pytest.mark.django_db
def test_product_with_bad_iso_code_fails_full_clean():
    from catalog.models import Product

    product = Product.objects.get(article_number="DH-1001")
    product.iso_code = "4-24"
    with pytest.raises(ValidationError) as exc:
        product.full_clean()
    assert "iso_code" in exc.value.message_dict

"""``core.reversing.PkUrl``: the same URL as ``reverse()``, with the pattern resolved once."""

import pytest
from django.urls import NoReverseMatch, reverse

from core.reversing import PkUrl

NAMES = [
    "logistics:order_detail",
    "logistics:order_accept",
    "logistics:order_cancel",
    "logistics:delivery_note",
    "logistics:device_detail",
    "orders:order_detail",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 7, 42, 2147480009, 10**12])
def test_same_as_reverse(name, pk):
    assert PkUrl(name)(pk) == reverse(name, args=[pk])


def test_a_view_without_a_key_is_refused():
    with pytest.raises(NoReverseMatch):
        PkUrl("logistics:work_queue")

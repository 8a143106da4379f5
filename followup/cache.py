"""Computed follow-up figures kept until the data they are computed from changes.

The figures are still computed from the events at request time (decision 0004); this
only spares recomputing the same figures for the same filter while nothing they depend
on has changed. At national scale one year's summary is a scan of millions of events
(docs/performance.md), so the second reader of the dashboard should not pay for it again.

**Invalidation.** A cached value is stored under a key that contains a fingerprint of
everything the figures are computed from, read afresh on every request:

- the highest ``DeviceEvent`` id: events are append-only (a PostgreSQL trigger refuses
  UPDATE and DELETE) and every state change of an order, loan, device, repair or support
  case writes one, so any change to the supply chain moves it;
- the orders' highest id and count (an order's kind, product and unit, which the filters
  and per-product figures read, are fixed when it is submitted, which writes an event;
  the count also catches an order removed in the admin);
- the highest ``DomainEvent`` id (the registry's and catalogue's changes made through
  their actions);
- a checksum of the catalogue columns the figures read (contract start, agreed delivery
  days, article number, name) and of the registry's unit → principal → kind/association
  links and populations, which an administrator can edit without any event;
- a checksum of the patients' home municipalities (the equality figures).

A changed fingerprint is a different key, so a stale value is never read; old keys
expire after ``FOLLOWUP_CACHE_SECONDS``. The cache is Django's configured cache (per
process by default; set ``CACHES`` to Redis to share it between server workers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Sum
from django.db.models.functions import Coalesce

from catalog.models import Product
from core.models import DomainEvent
from devices.models import DeviceEvent
from followup import rollup, series
from followup.selectors import Summary, followup_summary
from followup.selectors.events import FollowupFilter
from orders.models import Order, Patient
from registry.models import Principal, Unit

T = TypeVar("T")

KEY_PREFIX = "followup:v1"


def data_fingerprint() -> str:
    """A short fingerprint of every input of the follow-up's figures (see above)."""
    events = DeviceEvent.objects.aggregate(m=Max("id"))["m"]
    domain_events = DomainEvent.objects.aggregate(m=Max("id"))["m"]
    orders = Order.objects.aggregate(m=Max("id"), n=Count("id"))
    products = list(
        Product.objects.order_by("pk").values_list(
            "pk", "article_number", "name", "contract_start", "agreed_delivery_days"
        )
    )
    units = Unit.objects.aggregate(
        n=Count("id"), s=Coalesce(Sum(F("id") * 7919 + F("principal_id")), 0)
    )
    principals = list(
        Principal.objects.order_by("pk").values_list("pk", "kind", "association_id", "population")
    )
    patients = Patient.objects.aggregate(
        n=Count("id"),
        s=Coalesce(Sum(F("id") * 7919 + Coalesce(F("home_municipality_id"), 0)), 0),
    )
    text = repr((events, domain_events, orders, products, units, principals, patients))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _filter_key(f: FollowupFilter) -> str:
    return hashlib.sha256(repr(f).encode()).hexdigest()[:24]


def cached(name: str, f: FollowupFilter, compute: Callable[[], T], fingerprint: str) -> T:
    """``compute()``'s value for this figure and filter, from the cache when the data's
    ``fingerprint`` is the one it was computed on."""
    key = f"{KEY_PREFIX}:{name}:{_filter_key(f)}:{fingerprint}"
    value: T | None = cache.get(key)
    if value is None:
        with rollup.reading():
            value = compute()
        cache.set(key, value, timeout=settings.FOLLOWUP_CACHE_SECONDS)
    return value


def summary(f: FollowupFilter, fingerprint: str) -> Summary:
    return cached("summary", f, lambda: followup_summary(f), fingerprint)


def series_table(name: str, f: FollowupFilter, fingerprint: str) -> series.Table:
    return cached(f"series:{name}", f, lambda: series.SERIES[name](f), fingerprint)

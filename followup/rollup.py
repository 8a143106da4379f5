"""The follow-up's counts, read from the daily and monthly counts for the days that are
over and from the events for the rest (decision 0011).

``counts(measure, f, start=…, end=…, by=…)`` is the one way the selectors read a figure:
how many events of a measure (followup/facts.py) the filter ``f`` keeps on the business
days ``start`` … ``end``, grouped by some dimensions. It splits the days in three:

- whole months that are over, when no unit is asked for: ``MonthlyCount`` (no
  principal either) or ``PrincipalMonthlyCount`` (a principal, a type of principal or a
  municipal association);
- other days that are over (``closed_until``): ``DailyCount``;
- the last two days, and any day that could not be counted just now: the events.

**When a day is counted.** A day is counted once it has been over for a whole day (the
day before yesterday and earlier), when a reader first needs it or when
``manage.py followup_rollup`` runs. The live work of today and yesterday is read from the
events, so a delivery shows in the follow-up at once.

**Staying in step.** Triggers on the events, orders, patients, devices and loans
(followup/triggers.py) mark a day stale, in the writing transaction, when something it
was counted from changes: an event recorded for it afterwards (a historical import, a
backdated step), a later delivery's effect on whose delivery a reconditioning belongs to,
a corrected order, a patient's new home municipality, a device's product. A stale day is
counted again before it is read. Counting a day locks its ``RollupDay`` row first and
reads the events afterwards, and the triggers write that row: so a change committed while
the day is being counted either waits for the count and marks it stale afterwards, or is
committed before the count reads the events (the race is worked through in the decision).
A month's sum records its days' versions; a day counted again changes them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from catalog.models import Product
from devices.choices import EventKind
from devices.models import DeviceEvent
from followup.choices import Measure
from followup.facts import ATTRIBUTED, DIMENSIONS, FACTS
from followup.models import (
    DailyCount,
    MonthlyCount,
    PrincipalMonthlyCount,
    RollupDay,
    RollupMonth,
)
from orders.choices import OrderKind
from registry.models import Principal, Unit

# A day is counted once it has been over for a whole day: a transaction that wrote an
# event dated today (which marks nothing: see followup/triggers.py) would have to stay
# open for more than a day for a count to miss it.
OPEN_DAYS = 2
# How long counting waits for a day a writer holds (a historical import in progress)
# before the reader counts that day from the events instead. Below PostgreSQL's
# deadlock_timeout (1 s), so a reader gives way before a writer could be chosen as a
# deadlock's victim.
LOCK_TIMEOUT_MS = 200
# Days counted in one transaction (at most): counting many days at once reads each table once.
BATCH_DAYS = 366
ANALYZE_AFTER_DAYS = 90
ANALYZE_AFTER_MONTHS = 3

MONTHLY_DIMENSIONS = frozenset(
    {"month", "product", "order_kind", "working_days", "article", "subject"}
)
PRINCIPAL_MONTHLY_DIMENSIONS = frozenset(
    {"month", "product", "principal", "order_kind", "working_days"}
)

EVENT_KIND: dict[str, str] = {
    Measure.DELIVERED: EventKind.DELIVERED,
    Measure.FIRST_TO_PATIENT: EventKind.DELIVERED,
    Measure.RECEIVED: EventKind.RECEIVED,
    Measure.RECONDITIONED: EventKind.RECONDITIONED,
    Measure.MAINTAINED: EventKind.REPAIR_DONE,
    Measure.SUPPORT: EventKind.SUPPORT_OPENED,
    Measure.SUBMITTED: EventKind.ORDER_SUBMITTED,
}

Key = tuple[Any, ...]

MONTHLY_COLUMNS = ("measure", "product", "order_kind", "working_days", "article", "subject")
PRINCIPAL_MONTHLY_COLUMNS = ("measure", "product", "principal", "order_kind", "working_days")

# Within ``reading()``: the day ranges made ready (with the days that could not be) and
# the months found ready or not, so that a page's many counts check them once.
_memo: ContextVar[dict[str, Any] | None] = ContextVar("followup_rollup_memo", default=None)


def enabled() -> bool:
    return bool(settings.FOLLOWUP_ROLLUP)


def closed_until(today: datetime.date | None = None) -> datetime.date:
    """The last day that is counted rather than read from the events."""
    return (today or timezone.localdate()) - datetime.timedelta(days=OPEN_DAYS)


def _days(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _runs(days: Iterable[datetime.date], longest: int) -> Iterator[list[datetime.date]]:
    """Consecutive days in runs of at most ``longest``."""
    run: list[datetime.date] = []
    for day in sorted(days):
        if run and (day - run[-1] != datetime.timedelta(days=1) or len(run) == longest):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


# --- The filter as the counts see it -------------------------------------------------


def _principals(f: Any) -> QuerySet[Principal] | None:
    """The principals a filter keeps, or None when it keeps them all."""
    if not (f.principal_ids or f.principal_kind or f.association_ids):
        return None
    principals = Principal.objects.all()
    if f.principal_ids:
        principals = principals.filter(pk__in=f.principal_ids)
    if f.principal_kind:
        principals = principals.filter(kind=f.principal_kind)
    if f.association_ids:
        principals = principals.filter(association_id__in=f.association_ids)
    return principals


def scope_q(f: Any, measure: str, prefix: str = "") -> Q:
    """The filter ``f`` on the dimensions of ``measure``'s counts (``prefix`` "f_" for
    the events' annotations). Events concern the principal and unit of their order; a
    support case the unit that opened it, with that unit's principal today."""
    q = Q()
    if f.product_ids:
        if measure == Measure.SUPPORT:
            articles = Product.objects.filter(pk__in=f.product_ids).values_list(
                "article_number", flat=True
            )
            q &= Q(**{f"{prefix}article__in": list(articles)})
        else:
            q &= Q(**{f"{prefix}product__in": list(f.product_ids)})
    principals = _principals(f)
    if measure == Measure.SUPPORT:
        if principals is not None:
            units = Unit.objects.filter(principal__in=principals.values("pk")).values("pk")
            q &= Q(**{f"{prefix}unit__in": units})
    elif principals is not None:
        q &= Q(**{f"{prefix}principal__in": principals.values("pk")})
    if f.unit_ids:
        q &= Q(**{f"{prefix}unit__in": list(f.unit_ids)})
    return q


def _where_q(where: dict[str, Any], prefix: str = "") -> Q:
    return Q(**{f"{prefix}{name}": value for name, value in where.items()})


# --- Reading -------------------------------------------------------------------------


def first_day(measure: str) -> datetime.date | None:
    """The first business day with an event of the measure's kind."""
    # The index on (kind, occurred_at) answers this from its first entry.
    first = DeviceEvent.objects.filter(kind=EVENT_KIND[measure]).aggregate(m=Min("occurred_at"))[
        "m"
    ]
    return timezone.localdate(first) if first else None


def _key(row: dict[str, Any], by: tuple[str, ...], names: tuple[str, ...]) -> Key:
    values = []
    for dim, name in zip(by, names, strict=True):
        value = row[name]
        if dim == "month" and isinstance(value, datetime.date):
            value = month_start(value)
        values.append(value)
    return tuple(values)


def _source_names(by: tuple[str, ...], source: str) -> tuple[str, ...]:
    """Column names for ``by`` in a source: "month" is read as the day where the source
    has days, and the events' dimensions are their ``f_`` annotations."""
    names = []
    for dim in by:
        if source != "monthly" and dim == "month":
            dim = "day"
        names.append(f"f_{dim}" if source == "live" else dim)
    return tuple(names)


def _add(
    result: Counter[Key],
    rows: Iterable[dict[str, Any]],
    by: tuple[str, ...],
    names: tuple[str, ...],
) -> None:
    for row in rows:
        result[_key(row, by, names)] += row["n"]


def live_counts(
    measure: str,
    f: Any,
    start: datetime.date,
    end: datetime.date,
    by: tuple[str, ...],
    where: dict[str, Any],
) -> Counter[Key]:
    """Counted from the events themselves."""
    if measure in ATTRIBUTED and {"principal", "unit"} & set(by):
        # Those two are correlated subqueries: SQL filters on them but cannot group by them.
        raise ValueError(f"{measure} counts are not grouped by principal or unit")
    names = _source_names(by, "live")
    qs = (
        FACTS[measure](start, end)
        .filter(scope_q(f, measure, "f_") & _where_q(where, "f_"))
        .order_by()
        .values(*names)
        .annotate(n=Count("id"))
    )
    result: Counter[Key] = Counter()
    _add(result, qs, by, names)
    return result


def _stored(
    model: type[DailyCount | MonthlyCount | PrincipalMonthlyCount],
    measure: str,
    f: Any,
    rows: Q,
    by: tuple[str, ...],
    where: dict[str, Any],
) -> Counter[Key]:
    """Summed from the stored counts of ``model``: its ``rows`` of the measure."""
    names = _source_names(by, "daily" if model is DailyCount else "monthly")
    qs = (
        model.objects.filter(rows, measure=measure)
        .filter(scope_q(f, measure) & _where_q(where))
        .values(*names)
        .annotate(n=Sum("n"))
        .order_by()
    )
    result: Counter[Key] = Counter()
    _add(result, qs, by, names)
    return result


def _monthly_level(measure: str, f: Any, by: tuple[str, ...], where: dict[str, Any]) -> str:
    """Which monthly counts can answer: "all" (no principal), "principal", or ""."""
    dims = set(by) | {name.split("__")[0] for name in where}
    if "day" in dims or f.unit_ids:
        return ""
    per_principal = "principal" in dims or bool(
        f.principal_ids or f.principal_kind or f.association_ids
    )
    if not per_principal:
        return "all" if dims <= MONTHLY_DIMENSIONS else ""
    if measure == Measure.SUPPORT:  # a support case's principal is its unit's
        return ""
    return "principal" if dims <= PRINCIPAL_MONTHLY_DIMENSIONS else ""


def counts(
    measure: str,
    f: Any,
    *,
    start: datetime.date | None,
    end: datetime.date,
    by: tuple[str, ...] = (),
    where: dict[str, Any] | None = None,
) -> Counter[Key]:
    """How many events of ``measure`` the filter ``f`` keeps on the business days
    ``start`` (None: from the first) … ``end``, per value of the dimensions ``by`` ("day"
    or "month", and any of followup.facts.DIMENSIONS), with ``where`` as extra equality
    conditions on dimensions. The keys are tuples in the order of ``by``."""
    where = where or {}
    if start is None:
        start = first_day(measure)
        if start is None:
            return Counter()
    result: Counter[Key] = Counter()
    if end < start:
        return result
    live_from = start
    if enabled():
        closed = min(end, closed_until())
        if closed >= start:
            live_from = closed + datetime.timedelta(days=1)
            failed = days_ensure(start, closed)
            months: list[datetime.date] = []
            level = _monthly_level(measure, f, by, where)
            if level:
                whole = [
                    m
                    for m in _month_starts(start, closed)
                    if m >= start
                    and month_end(m) <= closed
                    and not any(month_start(d) == m for d in failed)
                ]
                months = months_ensure(whole)
            in_months = {d for m in months for d in _days(m, month_end(m))}
            rest = [d for d in _days(start, closed) if d not in in_months and d not in failed]
            if months:
                model = PrincipalMonthlyCount if level == "principal" else MonthlyCount
                result += _stored(model, measure, f, Q(month__in=months), by, where)
            if rest:
                ranges = Q()
                for run in _runs(rest, longest=100_000):
                    ranges |= Q(day__range=(run[0], run[-1]))
                result += _stored(DailyCount, measure, f, ranges, by, where)
            for run in _runs(failed, longest=100_000):
                result += live_counts(measure, f, run[0], run[-1], by, where)
    if live_from <= end:
        result += live_counts(measure, f, live_from, end, by, where)
    return result


def _month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    month = month_start(start)
    while month <= end:
        months.append(month)
        month = month_end(month) + datetime.timedelta(days=1)
    return months


def devices_to_patients(f: Any, end: datetime.date) -> Counter[Any]:
    """Distinct devices delivered to a patient up to ``end`` under orders the filter
    keeps, per product (a device is of one product)."""
    if not f.filters_orders:
        # Each device's first delivery to a patient, counted once.
        return Counter(
            {
                key[0]: n
                for key, n in counts(
                    Measure.FIRST_TO_PATIENT, f, start=None, end=end, by=("product",)
                ).items()
            }
        )
    start = first_day(Measure.DELIVERED)
    if start is None:
        return Counter()
    to_patients = {"order_kind": OrderKind.PRESCRIPTION}
    closed = min(end, closed_until()) if enabled() else start - datetime.timedelta(days=1)
    if closed >= start and days_ensure(start, closed):
        # A day could not be counted just now: all of it from the events.
        closed = start - datetime.timedelta(days=1)
    result: Counter[Any] = Counter()
    stored = DailyCount.objects.filter(
        scope_q(f, Measure.DELIVERED) & _where_q(to_patients),
        measure=Measure.DELIVERED,
        day__range=(start, closed),
    )
    if closed >= start:
        for row in stored.values("product").annotate(n=Count("device", distinct=True)).order_by():
            result[row["product"]] += row["n"]
    live_from = max(start, closed + datetime.timedelta(days=1))
    if live_from <= end:
        recent = set(
            FACTS[Measure.DELIVERED](live_from, end)
            .filter(scope_q(f, Measure.DELIVERED, "f_") & _where_q(to_patients, "f_"))
            .order_by()
            .values_list("f_product", "device_id")  # type: ignore[misc]
            .distinct()
        )
        seen: set[int] = set()
        if closed >= start and recent:
            # Those devices' earlier deliveries to a patient, off the events' device index.
            seen = set(
                FACTS[Measure.DELIVERED](start, closed)
                .filter(scope_q(f, Measure.DELIVERED, "f_") & _where_q(to_patients, "f_"))
                .filter(device_id__in=sorted({d for _p, d in recent}))
                .order_by()
                .values_list("device_id", flat=True)
            )
        for product, device in recent:
            if device not in seen:
                result[product] += 1
    return result


# --- Counting days and months --------------------------------------------------------


def rollup_all() -> tuple[int, int, set[datetime.date]]:
    """Count every day from the first event to ``closed_until()`` that is not valid and
    sum every whole month in that span: the days counted, the months summed, and the
    days that could not be counted now (held by a writer)."""
    firsts = [day for day in (first_day(m) for m in EVENT_KIND) if day is not None]
    if not firsts:
        return 0, 0, set()
    start, end = min(firsts), closed_until()
    if end < start:
        return 0, 0, set()
    already = RollupDay.objects.filter(day__range=(start, end), valid=True).count()
    failed = days_ensure(start, end)
    counted = (end - start).days + 1 - already - len(failed)
    _ready, summed = _months_ensure([m for m in _month_starts(start, end) if month_end(m) <= end])
    return counted, summed, failed


@contextmanager
def reading() -> Iterator[None]:
    """One reader's figures (a page, an API answer): inside, the days and months are made
    ready once for all the counts read, instead of once per count."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({"days": [], "months": {}})
    try:
        yield
    finally:
        _memo.reset(token)


def days_ensure(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    """Count every day from ``start`` to ``end`` (days that are over) that is not valid;
    the days that could not be counted now (a writer held them), which the caller reads
    from the events."""
    memo = _memo.get()
    if memo is not None:
        for (first, last), failed in memo["days"]:
            if first <= start and end <= last:
                return {day for day in failed if start <= day <= end}
    failed = _days_ensure(start, end)
    if memo is not None:
        memo["days"].append(((start, end), failed))
    return failed


def _days_ensure(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    valid = set(
        RollupDay.objects.filter(day__range=(start, end), valid=True).values_list("day", flat=True)
    )
    missing = [day for day in _days(start, end) if day not in valid]
    failed: set[datetime.date] = set()
    for run in _runs(missing, longest=BATCH_DAYS):
        if not days_count(run):
            failed.update(run)
    if len(missing) - len(failed) >= ANALYZE_AFTER_DAYS:
        _analyze()
    return failed


def _analyze(*models: type[DailyCount | MonthlyCount | PrincipalMonthlyCount]) -> None:
    """Fresh planner statistics after many days were counted or months summed (what
    autovacuum would do a while later): with the statistics of an empty table PostgreSQL
    read a year's daily counts three times slower."""
    with connection.cursor() as cursor:
        for model in models or (DailyCount,):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _lock_timeout(ms: int | None) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if ms is None:
                cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
            else:
                cursor.execute(f"SET LOCAL lock_timeout = {int(ms)}")


def _batch_settings() -> None:
    """For the rest of the counting transaction on PostgreSQL: memory enough for a year's
    events to be joined and grouped without spilling to disk (the default 4 MB made the
    bitmap of a year's events lossy), and no JIT compilation (these queries run once)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")


def _days_lock(days: list[datetime.date]) -> None:
    """Create the days' rows if missing and lock them, in the order of the days (the
    triggers lock in the same order)."""
    table = connection.ops.quote_name(RollupDay._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (day, valid, version) "  # noqa: S608
                "SELECT d, false, 0 FROM unnest(%s::date[]) AS d ORDER BY d "
                f"ON CONFLICT (day) DO UPDATE SET valid = {table}.valid",
                [days],
            )
        else:  # SQLite: the first write takes the database's write lock
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} (day, valid, version) VALUES (%s, 0, 0)",  # noqa: S608
                [(connection.ops.adapt_datefield_value(d),) for d in days],
            )


def _counts_insert(measure: str, qs: QuerySet[DeviceEvent]) -> None:
    """The day's counts of one measure, grouped in the database from its fact query."""
    q = connection.ops.quote_name
    inner, params = (
        qs.order_by().values("f_day", *[f"f_{d}" for d in DIMENSIONS]).query.sql_with_params()
    )
    source = ", ".join(f"s.f_{d}" for d in DIMENSIONS)
    columns = ", ".join(q(d) for d in ("day", "measure", *DIMENSIONS, "n"))
    # In day order, so the (measure, day) index is written at its end.
    sql = (
        f"INSERT INTO {q(DailyCount._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT s.f_day, %s, {source}, COUNT(*) FROM ({inner}) s GROUP BY s.f_day, {source} "
        "ORDER BY s.f_day"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [measure, *params])


def days_count(days: list[datetime.date]) -> bool:
    """Count ``days`` (consecutive) afresh from the events, in one transaction; False when
    a writer holds one of them longer than LOCK_TIMEOUT_MS."""
    start, end = days[0], days[-1]
    try:
        with transaction.atomic():
            _lock_timeout(LOCK_TIMEOUT_MS)
            _days_lock(days)
            _lock_timeout(None)
            _batch_settings()
            # Read after the lock: a later statement sees every change committed before it.
            version = (RollupDay.objects.aggregate(m=Max("version"))["m"] or 0) + 1
            DailyCount.objects.filter(day__range=(start, end)).delete()
            for measure, facts in FACTS.items():
                _counts_insert(measure, facts(start, end))
            RollupDay.objects.filter(day__range=(start, end)).update(
                valid=True, version=version, counted_at=timezone.now()
            )
    except DatabaseError as exc:
        if not _gave_way(exc):
            raise
        return False
    return True


def _month_state(months: list[datetime.date]) -> dict[datetime.date, tuple[int, int]]:
    """Per month: its valid days and the sum of their versions."""
    state: dict[datetime.date, tuple[int, int]] = {}
    if not months:
        return state
    rows = RollupDay.objects.filter(
        day__range=(min(months), month_end(max(months))), valid=True
    ).values_list("day", "version")
    for day, version in rows:
        days, total = state.get(month_start(day), (0, 0))
        state[month_start(day)] = (days + 1, total + version)
    return state


def _month_is(
    month: datetime.date, stored: RollupMonth | None, state: tuple[int, int] | None
) -> bool:
    full = (month_end(month) - month).days + 1
    return (
        stored is not None
        and state is not None
        and state[0] == full == stored.days
        and state[1] == stored.version_sum
    )


def months_ensure(months: list[datetime.date]) -> list[datetime.date]:
    """Sum each whole month whose days are all valid and that is not summed from them as
    they are; the months that can be read from ``MonthlyCount``."""
    memo = _memo.get()
    asked = [m for m in months if memo is None or m not in memo["months"]]
    if asked:
        ready = set(_months_ensure(asked)[0])
        if memo is not None:
            memo["months"].update({m: m in ready for m in asked})
    else:
        ready = set()
    return [m for m in months if m in ready or (memo is not None and memo["months"].get(m))]


def _months_ensure(months: list[datetime.date]) -> tuple[list[datetime.date], int]:
    """The months that are ready (summed already or now), and how many were summed now."""
    state = _month_state(months)
    stored = {m.month: m for m in RollupMonth.objects.filter(month__in=months)}
    ready, summed = [], 0
    for month in months:
        if _month_is(month, stored.get(month), state.get(month)):
            ready.append(month)
        elif month_sum(month):
            ready.append(month)
            summed += 1
    if summed >= ANALYZE_AFTER_MONTHS:
        _analyze(MonthlyCount, PrincipalMonthlyCount)
    return ready, summed


def _gave_way(exc: DatabaseError) -> bool:
    """Whether counting gave way to a writer: PostgreSQL's lock timeout or a deadlock it
    broke, SQLite's busy database."""
    if connection.vendor == "postgresql":
        return getattr(exc.__cause__, "sqlstate", None) in {"55P03", "40P01"}
    return "locked" in str(exc)


def _days_shared(start: datetime.date, end: datetime.date) -> list[tuple[bool, int]]:
    """The days' validity and versions, held (FOR SHARE on PostgreSQL) so that none is
    counted again or marked stale until the transaction ends."""
    table = connection.ops.quote_name(RollupDay._meta.db_table)
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT valid, version FROM {table} WHERE day >= %s AND day <= %s ORDER BY day{lock}",  # noqa: S608
            [
                connection.ops.adapt_datefield_value(start),
                connection.ops.adapt_datefield_value(end),
            ],
        )
        return [(bool(valid), int(version)) for valid, version in cursor.fetchall()]


def month_sum(month: datetime.date) -> bool:
    """Sum the month's daily counts, holding its days so none is counted again meanwhile.
    False when a day is not valid or is held by a writer."""
    end = month_end(month)
    full = (end - month).days + 1
    q = connection.ops.quote_name
    try:
        with transaction.atomic():
            _lock_timeout(LOCK_TIMEOUT_MS)
            # One summing of a month at a time: the second waits, then finds it done.
            RollupMonth.objects.get_or_create(
                month=month, defaults={"days": 0, "version_sum": -1, "counted_at": timezone.now()}
            )
            stored = RollupMonth.objects.select_for_update().get(month=month)
            rows = _days_shared(month, end)
            _lock_timeout(None)
            if len(rows) != full or not all(valid for valid, _v in rows):
                return False
            version_sum = sum(v for _valid, v in rows)
            if stored.days == full and stored.version_sum == version_sum:
                return True
            MonthlyCount.objects.filter(month=month).delete()
            PrincipalMonthlyCount.objects.filter(month=month).delete()
            dates = [connection.ops.adapt_datefield_value(d) for d in (month, month, end)]
            for model, columns, where in (
                (MonthlyCount, MONTHLY_COLUMNS, ""),
                (PrincipalMonthlyCount, PRINCIPAL_MONTHLY_COLUMNS, " AND measure <> %s"),
            ):
                cols = ", ".join(q(c) for c in columns)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {q(model._meta.db_table)} (month, {cols}, n) "  # noqa: S608
                        f"SELECT %s, {cols}, SUM(n) FROM {q(DailyCount._meta.db_table)} "
                        f"WHERE day >= %s AND day <= %s{where} GROUP BY {cols}",
                        [*dates, Measure.SUPPORT] if where else dates,
                    )
            stored.days, stored.version_sum, stored.counted_at = full, version_sum, timezone.now()
            stored.save(update_fields=["days", "version_sum", "counted_at"])
    except DatabaseError as exc:
        if not _gave_way(exc):
            raise
        return False
    return True

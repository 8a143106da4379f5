"""A national-scale-shaped data set for the benchmarks: units, people, patients, devices
and three years of their supply-chain history (orders, loans and events), written
straight into the tables with PostgreSQL COPY (or batched INSERTs on SQLite).

The rows bypass the actions on purpose: the actions are what the benchmarks measure, and
running them a million times would take hours. The generator instead writes the same
rows the actions would write, in consistent states: every device's status and location
are those of its last event, an order's status is that of its last step, a loan exists
from delivery and ends when the device is received back. The UPDATE/DELETE triggers of
the append-only tables do not apply: this is INSERT only.

Shape (per N devices): 300 principals (the 50 of the reference data and synthetic
municipalities, each a party to the same agreements), N/200 units (the region's share
hospital wards and primary care centres, each municipality's share home health care and
nursing homes, in proportion to its population), 2 prescribers per unit with a
membership each, 0.35 N patients, and for each device a registration followed by loan
cycles of nine events (submitted, accepted, allocated, dispatched, delivered, pickup
requested, received, reconditioning started, reconditioned) from 2023-01-01 until the
end of 2025, cut wherever the end date falls.
"""

from __future__ import annotations

import datetime
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection, models, transaction

from catalog.choices import BillingType
from catalog.models import GuidanceVersion, Product
from core.db import model_columns
from devices.choices import DeviceStatus, EventKind, Location
from devices.models import Device, DeviceEvent
from logistics.calendar import PICKUP_WITHIN, RENT_STOPS_AFTER, is_working_day
from logistics.calendar import add_working_days as _add_working_days
from logistics.calendar import working_days_between as _working_days_between
from logistics.models import Loan
from orders.choices import DeliveryMethod, OrderKind, OrderStatus
from orders.models import Order, Patient
from registry.choices import MembershipRole, PrincipalKind, Profession, UnitType
from registry.models import AgreementSignature, Membership, Person, Principal, Unit

START = datetime.date(2023, 1, 1)
END = datetime.date(2025, 12, 31)  # the last day of history; fixed so runs compare
SQLITE_MAX_DEVICES = 20_000
CHUNK_DEVICES = 20_000
UNIT_NAME_PREFIX = "Bench "  # marks generated units; a second run refuses to start
STOCKHOLM = ZoneInfo("Europe/Stockholm")
REGION_UNIT_SHARE = 0.4
PRINCIPALS = 300  # the region, its 49 municipalities and synthetic ones (issue 7)


class GenerateError(Exception):
    """The generator cannot run on this database (wrong engine, size or state)."""


add_working_days = lru_cache(maxsize=200_000)(_add_working_days)
working_days_between = lru_cache(maxsize=200_000)(_working_days_between)


@lru_cache(maxsize=4096)
def _next_working_day(day: datetime.date) -> datetime.date:
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM)


# --- Writing rows -------------------------------------------------------------------


@dataclass
class Table:
    """Rows of one table waiting to be written, and how long writing them took."""

    model: type[models.Model]
    columns: Sequence[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    written: int = 0
    seconds: float = 0.0
    next_id: int = 0

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def take_id(self) -> int:
        self.next_id += 1
        return self.next_id


def _adapter(model: type[models.Model], column: str) -> Callable[[Any], Any]:
    """How a Python value is passed to SQLite's INSERT (psycopg's COPY adapts itself)."""
    f = next(f for f in model._meta.concrete_fields if f.column == column)
    ops = connection.ops
    if isinstance(f, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(f, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(f, models.DecimalField):
        return lambda v: None if v is None else str(v)
    return lambda v: v


def _flush(table: Table) -> None:
    if not table.rows:
        return
    started = time.perf_counter()
    cols = ", ".join(table.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
                for row in table.rows:
                    copy.write_row(row)
        else:
            adapters = [_adapter(table.model, c) for c in table.columns]
            marks = ", ".join(["%s"] * len(table.columns))
            cursor.executemany(
                f"INSERT INTO {table.name} ({cols}) VALUES ({marks})",  # noqa: S608 (our names)
                [tuple(a(v) for a, v in zip(adapters, row, strict=True)) for row in table.rows],
            )
    table.seconds += time.perf_counter() - started
    table.written += len(table.rows)
    table.rows.clear()


def _max_id(model: type[models.Model]) -> int:
    top = model._default_manager.aggregate(m=models.Max("pk"))["m"]
    return int(top or 0)


def _sequences_reset(tables: Iterable[Table]) -> None:
    """Explicit ids were written: move each identity sequence past them (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest id inserted
    with connection.cursor() as cursor:
        for t in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {t.name}))"
            )


# --- The data set -------------------------------------------------------------------


@dataclass
class Result:
    devices: int
    seconds: float
    tables: list[Table]

    def report(self) -> str:
        lines = [f"{'table':<28}{'rows':>12}{'write s':>10}{'rows/s':>12}"]
        for t in self.tables:
            rate = t.written / t.seconds if t.seconds else 0.0
            lines.append(f"{t.name:<28}{t.written:>12,}{t.seconds:>10.1f}{rate:>12,.0f}")
        total = sum(t.written for t in self.tables)
        lines.append(
            f"total {total:,} rows in {self.seconds:.1f} s "
            f"({total / self.seconds:,.0f} rows/s including generation)"
        )
        return "\n".join(lines)


@dataclass
class _UnitInfo:
    id: int
    principal_id: int
    prescriber_ids: list[int]


@dataclass
class _Context:
    rng: random.Random
    units: list[_UnitInfo]
    patient_ids: list[int]
    patient_home: dict[int, int]
    products: list[Product]
    product_weights: list[float]
    guidance: dict[int, int]
    devices: Table
    orders: Table
    loans: Table
    events: Table
    serial: int = 0


def _reference_data_ensure() -> None:
    if not Principal.objects.exists() or not Product.objects.exists():
        call_command("load_reference_data", verbosity=0)


def _principals_extend(rng: random.Random, total: int) -> int:
    """Synthetic municipalities until there are ``total`` principals (the issue's 300; all
    of Sweden has 311), each a party to the same agreements, from the same dates, as the
    first reference municipality. Codes 9000 and up are no real municipality's."""
    have = Principal.objects.count()
    template = Principal.objects.filter(kind=PrincipalKind.MUNICIPALITY).order_by("pk").first()
    if have >= total or template is None:
        return 0
    signatures = list(AgreementSignature.objects.filter(principal=template))
    new = Principal.objects.bulk_create(
        Principal(
            code=f"{9000 + i}",
            name=f"{UNIT_NAME_PREFIX}kommun {9000 + i}",
            kind=PrincipalKind.MUNICIPALITY,
            population=rng.randint(2_500, 100_000),
            population_date=template.population_date,
        )
        for i in range(total - have)
    )
    AgreementSignature.objects.bulk_create(
        AgreementSignature(
            agreement_id=s.agreement_id,
            principal=p,
            signed_on=s.signed_on,
            valid_from=s.valid_from,
            valid_until=s.valid_until,
            note="bench",
        )
        for p in new
        for s in signatures
    )
    return len(new)


def _registry_generate(
    rng: random.Random, n_units: int, units: Table, people: Table, members: Table
) -> list[_UnitInfo]:
    principals = list(Principal.objects.order_by("pk"))
    region = [p for p in principals if p.kind == PrincipalKind.REGION]
    municipalities = [p for p in principals if p.kind == PrincipalKind.MUNICIPALITY]
    n_region = max(1, round(n_units * REGION_UNIT_SHARE)) if region else 0
    total_pop = sum(m.population for m in municipalities) or 1
    plan: list[tuple[Principal, str]] = []
    for i in range(n_region):
        plan.append(
            (
                region[i % len(region)],
                rng.choice([UnitType.HOSPITAL_WARD, UnitType.PRIMARY_CARE_CENTRE]),
            )
        )
    rest = max(n_units - n_region, 0)
    for i in range(rest):
        # Municipalities in proportion to their population (at least the first units).
        m = municipalities[i % len(municipalities)] if i < len(municipalities) else None
        if m is None:
            m = rng.choices(
                municipalities, weights=[x.population / total_pop for x in municipalities]
            )[0]
        plan.append((m, rng.choice([UnitType.HOME_HEALTH_CARE, UnitType.NURSING_HOME])))
    infos: list[_UnitInfo] = []
    for i, (principal, unit_type) in enumerate(plan, start=1):
        uid = units.take_id()
        units.rows.append(
            (
                uid,
                principal.pk,
                f"{UNIT_NAME_PREFIX}{unit_type} {i}",
                unit_type,
                "",
                "",
                f"Testgatan {i}",
                f"{41000 + i % 9000:05d}",
                "Teststad",
                None,
                True,
            )
        )
        info = _UnitInfo(uid, principal.pk, [])
        for _ in range(2):
            pid = people.take_id()
            profession = rng.choice(
                [Profession.NURSE, Profession.OCCUPATIONAL_THERAPIST, Profession.PHYSIOTHERAPIST]
            )
            people.rows.append(
                (pid, None, principal.pk, "Test", f"Förskrivare {pid}", profession, "", "", "")
            )
            members.rows.append(
                (members.take_id(), pid, uid, MembershipRole.STAFF, datetime.date(2022, 1, 1), None)
            )
            info.prescriber_ids.append(pid)
        infos.append(info)
    return infos


def _patients_generate(
    rng: random.Random, n: int, patients: Table, municipality_ids: list[int]
) -> dict[int, int]:
    home: dict[int, int] = {}
    for _ in range(n):
        pid = patients.take_id()
        municipality = rng.choice(municipality_ids)
        # 99… is no real birth year: the numbers are recognisably synthetic and unique.
        patients.rows.append((pid, f"99{pid:010d}", False, False, "", "", "", "", "", municipality))
        home[pid] = municipality
    return home


def _event(
    ctx: _Context,
    *,
    kind: str,
    at: datetime.datetime,
    device: int | None,
    order: int | None,
    loan: int | None,
    from_status: str,
    to_status: str,
    unit: int | None = None,
    data: str = "{}",
) -> None:
    ctx.events.rows.append(
        (
            ctx.events.take_id(),
            device,
            order,
            loan,
            kind,
            from_status,
            to_status,
            at,
            at,
            None,
            unit,
            data,
        )
    )


def _device_generate(ctx: _Context) -> None:
    rng = ctx.rng
    product = rng.choices(ctx.products, weights=ctx.product_weights)[0]
    is_sale = product.billing_type != BillingType.RENT
    device_id = ctx.devices.take_id()
    ctx.serial += 1
    acquired = START + datetime.timedelta(days=rng.randrange((END - START).days - 20))
    status, location = DeviceStatus.IN_STOCK, Location.CENTRE
    _event(
        ctx,
        kind=EventKind.REGISTERED,
        at=_at(acquired, 7, 30),
        device=device_id,
        order=None,
        loan=None,
        from_status="",
        to_status=status,
    )
    next_order = _next_working_day(acquired + datetime.timedelta(days=rng.randrange(30)))
    while next_order <= END:
        unit = rng.choice(ctx.units)
        prescription = rng.random() < 0.85
        patient = rng.choice(ctx.patient_ids) if prescription else None
        ordered_on = next_order
        dwd = min(int(rng.expovariate(1 / 4)) + 1, 25)  # mostly within the agreed 7 days
        delivered_on = add_working_days(ordered_on, dwd)
        allocated_on = add_working_days(ordered_on, max(0, dwd - 2))
        dispatched_on = add_working_days(ordered_on, max(0, dwd - 1))
        method = (
            DeliveryMethod.LOCAL_STOCK
            if rng.random() < 0.05
            else (DeliveryMethod.TOUR_VAN_HOME if prescription else DeliveryMethod.TOUR_VAN_UNIT)
        )
        order_id = ctx.orders.take_id()
        steps: list[tuple[EventKind, datetime.datetime]] = [
            (EventKind.ORDER_SUBMITTED, _at(ordered_on, 8, rng.randrange(60))),
            (EventKind.ORDER_ACCEPTED, _at(ordered_on, 10, rng.randrange(60))),
            (EventKind.ALLOCATED, _at(allocated_on, 11, rng.randrange(60))),
            (EventKind.DISPATCHED, _at(dispatched_on, 13, rng.randrange(60))),
            (EventKind.DELIVERED, _at(delivered_on, rng.choice((14, 15)), rng.randrange(60))),
        ]
        order_status = OrderStatus.SUBMITTED
        loan_id: int | None = None
        for kind, at in steps:
            if at.date() > END:
                break
            if kind == EventKind.ORDER_SUBMITTED:
                _event(
                    ctx,
                    kind=kind,
                    at=at,
                    device=None,
                    order=order_id,
                    loan=None,
                    from_status="",
                    to_status=OrderStatus.SUBMITTED,
                    unit=unit.id,
                )
            elif kind == EventKind.ORDER_ACCEPTED:
                order_status = OrderStatus.ACCEPTED
                _event(
                    ctx,
                    kind=kind,
                    at=at,
                    device=None,
                    order=order_id,
                    loan=None,
                    from_status=OrderStatus.SUBMITTED,
                    to_status=order_status,
                )
            else:
                new_status, new_location, order_status = {
                    EventKind.ALLOCATED: (
                        DeviceStatus.RESERVED,
                        Location.CENTRE,
                        OrderStatus.ALLOCATED,
                    ),
                    EventKind.DISPATCHED: (
                        DeviceStatus.IN_TRANSIT,
                        Location.IN_TRANSIT,
                        OrderStatus.DISPATCHED,
                    ),
                    EventKind.DELIVERED: (
                        DeviceStatus.ON_LOAN,
                        Location.PATIENT if prescription else Location.UNIT,
                        OrderStatus.DELIVERED,
                    ),
                }[kind]
                if kind == EventKind.DELIVERED:
                    loan_id = ctx.loans.take_id()
                _event(
                    ctx,
                    kind=kind,
                    at=at,
                    device=device_id,
                    order=order_id,
                    loan=loan_id,
                    from_status=status,
                    to_status=new_status,
                )
                status, location = new_status, new_location
        delivered = order_status == OrderStatus.DELIVERED
        cost_bearer = unit.principal_id
        ctx.orders.rows.append(
            (
                order_id,
                OrderKind.PRESCRIPTION if prescription else OrderKind.BASIC_EQUIPMENT,
                order_status,
                product.pk,
                ctx.guidance[product.pk],
                patient,
                unit.id,
                unit.principal_id,
                rng.choice(unit.prescriber_ids),
                cost_bearer,
                "[]",
                False,
                "",
                None,
                method,
                "",
                False,
                0,
                "",
                ordered_on,
                add_working_days(ordered_on, product.agreed_delivery_days),
                False,
                device_id
                if order_status != OrderStatus.SUBMITTED and order_status != OrderStatus.ACCEPTED
                else None,
                delivered_on if delivered else None,
                dwd if delivered else None,
                "",
                None,
                _at(ordered_on, 8, 0),
                "",
                "",
            )
        )
        if loan_id is None:
            break
        # On loan: for months or years; sold devices stay where they are.
        pickup_on: datetime.date | None = None
        rent_stops_on: datetime.date | None = None
        pickup_due_on: datetime.date | None = None
        ended_on: datetime.date | None = None
        next_order = END + datetime.timedelta(days=1)
        if not is_sale:
            loan_days = int(rng.expovariate(1 / 900)) + 14
            handed_in = rng.random() < 0.1  # brought back without a pickup order
            back = _next_working_day(delivered_on + datetime.timedelta(days=loan_days))
            if not handed_in and back <= END:
                pickup_on = back
                pickup_due_on = add_working_days(back, PICKUP_WITHIN)
                rent_stops_on = add_working_days(back, RENT_STOPS_AFTER)
                data = json.dumps({"method": "pickup", "rent_stops_on": rent_stops_on.isoformat()})
                _event(
                    ctx,
                    kind=EventKind.PICKUP_REQUESTED,
                    at=_at(back, 9, rng.randrange(60)),
                    device=device_id,
                    order=order_id,
                    loan=loan_id,
                    from_status=status,
                    to_status=DeviceStatus.RETURNING,
                    unit=unit.id,
                    data=data,
                )
                status = DeviceStatus.RETURNING
                back = add_working_days(back, rng.randint(1, PICKUP_WITHIN))
            if back <= END:
                ended_on = back
                if rent_stops_on is None:
                    rent_stops_on = back
                _event(
                    ctx,
                    kind=EventKind.RECEIVED,
                    at=_at(back, 15, rng.randrange(60)),
                    device=device_id,
                    order=order_id,
                    loan=loan_id,
                    from_status=status,
                    to_status=DeviceStatus.AWAITING_RECONDITIONING,
                )
                status, location = DeviceStatus.AWAITING_RECONDITIONING, Location.RECONDITIONING
                started = add_working_days(back, rng.randint(1, 5))
                done = add_working_days(started, rng.randint(0, 2))
                if started <= END:
                    _event(
                        ctx,
                        kind=EventKind.RECONDITIONING_STARTED,
                        at=_at(started, 9, 0),
                        device=device_id,
                        order=None,
                        loan=None,
                        from_status=status,
                        to_status=DeviceStatus.IN_RECONDITIONING,
                    )
                    status = DeviceStatus.IN_RECONDITIONING
                if started <= END and done <= END:
                    _event(
                        ctx,
                        kind=EventKind.RECONDITIONED,
                        at=_at(done, 16, 0),
                        device=device_id,
                        order=None,
                        loan=None,
                        from_status=status,
                        to_status=DeviceStatus.IN_STOCK,
                    )
                    status, location = DeviceStatus.IN_STOCK, Location.CENTRE
                    next_order = _next_working_day(done + datetime.timedelta(rng.randrange(60)))
        ctx.loans.rows.append(
            (
                loan_id,
                device_id,
                order_id,
                patient,
                unit.id,
                cost_bearer,
                delivered_on,
                pickup_on,
                "pickup" if pickup_on else ("" if ended_on is None else "hand_in"),
                "",
                pickup_due_on,
                rent_stops_on,
                ended_on,
            )
        )
    ctx.devices.rows.append(
        (
            device_id,
            product.pk,
            f"BENCH{ctx.serial:09d}",
            "",
            "",
            acquired,
            status,
            location,
            None,
        )
    )


def _tables() -> dict[str, Table]:
    """One writer per table; each row is a tuple in the table's column order."""
    models_by_key = {
        "units": Unit,
        "people": Person,
        "members": Membership,
        "patients": Patient,
        "devices": Device,
        "orders": Order,
        "loans": Loan,
        "events": DeviceEvent,
    }
    return {
        key: Table(model, model_columns(model), next_id=_max_id(model))
        for key, model in models_by_key.items()
    }


def generate(
    devices: int,
    seed: int = 1,
    echo: Callable[[str], None] | None = None,
    principals: int = PRINCIPALS,
) -> Result:
    """Add ``devices`` devices and their history (and the registry around them) to the
    current database, with synthetic municipalities up to ``principals`` principals.
    Refuses SQLite above 20 000 devices and a database that already holds a generated
    data set."""
    say = echo or (lambda _msg: None)
    if connection.vendor == "sqlite" and devices > SQLITE_MAX_DEVICES:
        raise GenerateError(
            f"SQLite is for small runs (at most {SQLITE_MAX_DEVICES:,} devices); set "
            "DATABASE_URL to a PostgreSQL database for national-scale data."
        )
    if connection.vendor not in ("sqlite", "postgresql"):
        raise GenerateError(f"Unsupported database: {connection.vendor}")
    started = time.perf_counter()
    _reference_data_ensure()
    if Unit.objects.filter(name__startswith=UNIT_NAME_PREFIX).exists():
        raise GenerateError(
            "This database already holds a generated data set; use a fresh database "
            "(drop and create it, then migrate)."
        )
    rng = random.Random(seed)
    tables = _tables()
    products = list(
        Product.objects.filter(guidance_versions__isnull=False)
        .filter(
            models.Q(billing_type=BillingType.RENT, monthly_rent__isnull=False)
            | models.Q(price__isnull=False)
        )
        .distinct()
        .order_by("pk")
    )
    if not products:
        raise GenerateError("No orderable products: load the reference data first.")
    guidance = {
        g.product_id: g.pk for g in GuidanceVersion.objects.order_by("product_id", "valid_from")
    }
    with transaction.atomic():
        added = _principals_extend(rng, principals)
    municipality_ids = list(
        Principal.objects.filter(kind=PrincipalKind.MUNICIPALITY).values_list("pk", flat=True)
    )
    with transaction.atomic():
        units = _registry_generate(
            rng,
            max(10, math.ceil(devices / 200)),
            tables["units"],
            tables["people"],
            tables["members"],
        )
        home = _patients_generate(
            rng, max(10, round(devices * 0.35)), tables["patients"], municipality_ids
        )
        for key in ("units", "people", "members", "patients"):
            _flush(tables[key])
    say(
        f"registry: {Principal.objects.count()} principals ({added} synthetic), "
        f"{len(units)} units, {len(home)} patients"
    )
    ctx = _Context(
        rng=rng,
        units=units,
        patient_ids=list(home),
        patient_home=home,
        products=products,
        # Sales are a small share; the rented products share the rest.
        product_weights=[0.05 if p.billing_type != BillingType.RENT else 1.0 for p in products],
        guidance=guidance,
        devices=tables["devices"],
        orders=tables["orders"],
        loans=tables["loans"],
        events=tables["events"],
    )
    done = 0
    while done < devices:
        batch = min(CHUNK_DEVICES, devices - done)
        for _ in range(batch):
            _device_generate(ctx)
        with transaction.atomic():
            for key in ("devices", "orders", "loans", "events"):
                _flush(tables[key])
        done += batch
        say(f"devices {done:,}/{devices:,} ({time.perf_counter() - started:.0f} s)")
    _sequences_reset(tables.values())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM as autovacuum would after a load (visibility map set: index-only
            # scans), except inside a transaction (a test), where only ANALYZE may run.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            for t in tables.values():
                cursor.execute(f"{verb} {t.name}")
    return Result(devices, time.perf_counter() - started, list(tables.values()))

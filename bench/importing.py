"""The historical import at scale (issue 7: 1 000 000 rows at >= 2 000 rows/s with peak
memory <= 300 MB, beside a raw COPY of the same file).

``python -m bench import --rows N`` on a database filled by ``python -m bench
generate``:

1. writes an orders file of N rows in the import format (docs/import.md) for the
   generated units, their prescribers and the orderable products: devices with serial
   numbers going from order to order (delivered, picked up or handed in, received,
   reconditioned, the next order), a few cancelled, post-agent returns, urgent orders,
   the last order of each device cut wherever the history ends;
2. imports it with ``history_import('orders', file, bulk=True)`` in a fresh Python
   process, timed, with that process's peak resident memory (VmHWM, else ``ru_maxrss``);
3. loads the same file with a raw ``COPY`` into a temporary table of text columns.

The generated prescribers have no HSA id; the first run gives them one
(``BENCH-P<id>``), as a real extract names people by HSA id. Each run uses new external
ids and serial numbers, so runs can follow one another on the same database.
"""

from __future__ import annotations

import csv
import datetime
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from bench.generate import UNIT_NAME_PREFIX, add_working_days
from catalog.choices import CriteriaRule
from catalog.models import Product
from logistics.history_import.bulk_checks import SubmitRules
from orders.actions import OrderInput
from orders.choices import OrderKind
from registry.models import Membership, Person, Principal, Unit

ROWS_PER_S_LIMIT = 2000
PEAK_RSS_MB_LIMIT = 300
START = datetime.date(2024, 3, 1)  # every guidance version and agreement in force
END = datetime.date(2025, 12, 31)
COLUMNS = [
    "external_id",
    "ordered_on",
    "article_number",
    "kind",
    "personal_number",
    "home_municipality",
    "unit_id",
    "prescriber_hsa_id",
    "criteria",
    "delivery_method",
    "urgent",
    "accepted_on",
    "serial_number",
    "allocated_on",
    "dispatched_on",
    "delivered_on",
    "cancelled_on",
    "cancel_reason",
    "return_method",
    "pickup_requested_on",
    "received_on",
    "reconditioning_started_on",
    "reconditioned_on",
    "trained_on",
]


class ImportBenchError(Exception):
    """The database has no generated data set to import against."""


def _prescribers_ready() -> None:
    """Give the generated prescribers an HSA id (they have none)."""
    people = Person.objects.filter(
        hsa_id="", memberships__unit__name__startswith=UNIT_NAME_PREFIX
    ).distinct()
    for person in people.iterator():
        Person.objects.filter(pk=person.pk).update(hsa_id=f"BENCH-P{person.pk:09d}")


@dataclass(frozen=True)
class _Combo:
    unit: Unit
    prescriber: str  # HSA id
    product: Product
    kind: str
    criteria: str


def _combos() -> list[_Combo]:
    """Every (unit, prescriber, product, kind) the rules allow on both ends of the period."""
    rules = SubmitRules()
    products = [p for p in Product.objects.all() if rules.guidance_in_force(p, START)]
    members = Membership.objects.filter(unit__name__startswith=UNIT_NAME_PREFIX).select_related(
        "person", "unit__principal"
    )
    combos = []
    for m in members:
        for product in products:
            guidance = rules.guidance_in_force(product, START)
            if guidance is None:
                continue
            known = sorted(rules.criteria[guidance.pk])
            criteria = "|".join(known if guidance.criteria_rule == CriteriaRule.ALL else known[:1])
            for kind in OrderKind.values:
                data = OrderInput(
                    product=product,
                    unit=m.unit,
                    kind=kind,
                    ordered_on=START,
                    prescriber=m.person,
                    criteria=criteria.split("|"),
                )
                ok = all(
                    rules.refusal(OrderInput(**{**data.__dict__, "ordered_on": day}), "unit_id")
                    is None
                    for day in (START, END)
                )
                if ok:
                    combos.append(_Combo(m.unit, m.person.hsa_id, product, kind, criteria))
    return combos


def _personal_number(rng: random.Random) -> str:
    birth = datetime.date(1920, 1, 1) + datetime.timedelta(days=rng.randrange(29_000))
    digits = f"{birth:%y%m%d}{rng.randrange(1000):03d}"
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{birth:%Y%m%d}-{digits[6:]}{(10 - total % 10) % 10}"


def _rows(n: int, seed: int, tag: str, combos: list[_Combo]) -> Iterator[dict[str, str]]:
    """N order rows: devices going from order to order until END (see the module)."""
    rng = random.Random(seed)
    patients = [_personal_number(rng) for _ in range(max(10, n * 2 // 5))]
    municipalities = list(
        Principal.objects.filter(kind="municipality").values_list("code", flat=True)
    )
    by_product: dict[int, list[_Combo]] = {}
    for c in combos:
        by_product.setdefault(c.product.pk, []).append(c)
    products = sorted(by_product)
    made = device = 0
    while made < n:
        device += 1
        product = products[device % len(products)]
        serial = f"IMP{tag}-{device:08d}"
        day = START + datetime.timedelta(days=rng.randrange((END - START).days - 30))
        while made < n and day <= END:
            combo = rng.choice(by_product[product])
            made += 1
            prescription = combo.kind == OrderKind.PRESCRIPTION
            row = {
                "external_id": f"IMP{tag}-{made:09d}",
                "ordered_on": day.isoformat(),
                "article_number": combo.product.article_number,
                "kind": combo.kind,
                "personal_number": rng.choice(patients) if prescription else "",
                "home_municipality": rng.choice(municipalities)
                if prescription and rng.random() < 0.5
                else "",
                "unit_id": str(combo.unit.pk),
                "prescriber_hsa_id": combo.prescriber,
                "criteria": combo.criteria,
                "delivery_method": "tour_van_home" if prescription else "tour_van_unit",
                "urgent": "ja" if rng.random() < 0.02 else "",
            }
            if combo.product.training_required:
                row["trained_on"] = (day - datetime.timedelta(days=7)).isoformat()
            steps = ["accepted_on", "allocated_on", "dispatched_on", "delivered_on"]
            gaps = [1, rng.randint(0, 3), rng.randint(0, 2), rng.randint(1, 4)]
            if rng.random() < 0.03:  # cancelled before a device was reserved
                steps, gaps = ["accepted_on", "cancelled_on"], [1, rng.randint(1, 3)]
            for column, gap in zip(steps, gaps, strict=True):
                day = add_working_days(day, gap)
                if day > END:
                    break
                row[column] = day.isoformat()
            if "allocated_on" in row:
                row["serial_number"] = serial
            if "cancelled_on" in row:
                row["cancel_reason"] = "Fel produkt"
            if "cancelled_on" in row or "delivered_on" not in row:
                yield row
                day = add_working_days(day, 1)
                continue
            day += datetime.timedelta(days=int(rng.expovariate(1 / 400)) + 14)
            handed_in = rng.random() < 0.1
            returns = [] if handed_in else ["pickup_requested_on"]
            returns += ["received_on", "reconditioning_started_on", "reconditioned_on"]
            for column in returns:
                if day > END:
                    break
                row[column] = day.isoformat()
                day = add_working_days(day, rng.randint(1, 4))
            if "pickup_requested_on" in row:
                row["return_method"] = "post_agent" if rng.random() < 0.1 else "pickup"
            elif "received_on" in row:
                row["return_method"] = "handed_in"
            yield row
            if "reconditioned_on" not in row:
                break  # the device is still out when the history ends
            day = add_working_days(day, rng.randint(0, 20))


def orders_file_write(path: Path, rows: int, *, seed: int = 1, tag: str = "") -> int:
    """Write an orders file of ``rows`` rows for the generated data set; returns the
    number of distinct devices it names."""
    if not Unit.objects.filter(name__startswith=UNIT_NAME_PREFIX).exists():
        raise ImportBenchError("No generated data set here: run python -m bench generate first.")
    _prescribers_ready()
    combos = _combos()
    if not combos:
        raise ImportBenchError("No unit, prescriber and product the rules allow.")
    serials = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=";")
        writer.writeheader()
        for row in _rows(rows, seed, tag or time.strftime("%H%M%S"), combos):
            writer.writerow(row)
            if row.get("serial_number"):
                serials.add(row["serial_number"])
    return len(serials)


def _peak_kb(ru_maxrss: int) -> int:
    """This process's peak resident memory: VmHWM on Linux, where ``ru_maxrss`` also
    counts the parent's memory the process had before its exec; else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return ru_maxrss


def _import_timed(path: Path, *, dry_run: bool) -> dict[str, Any]:
    """In this process: the bulk import of the file, timed, with peak memory."""
    from logistics.history_import import history_import

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = history_import("orders", path, bulk=True, dry_run=dry_run)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    return {
        "seconds": round(seconds, 3),
        "rows_per_s": round(result.rows / seconds),
        "peak_rss_mb": round(_peak_kb(peak) / 1024, 1),
        "ru_maxrss_mb": round(peak / 1024, 1),
        "ru_maxrss_before_import_mb": round(before / 1024, 1),
        "rows": result.rows,
        "created": result.created,
        "events": result.events,
        "devices_registered": result.devices_registered,
        "dry_run": dry_run,
    }


CHILD = (
    "import os, sys, django; "
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); "
    "from bench.importing import _child; _child(sys.argv[1:])"
)


def _import_in_subprocess(path: Path, *, dry_run: bool) -> dict[str, Any]:
    """The import in a fresh Python process, so its peak memory is the import's own."""
    command = [sys.executable, "-c", CHILD, str(path)]
    if dry_run:
        command.append("--dry-run")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root)
    if done.returncode != 0:
        raise ImportBenchError(f"the import failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def raw_copy_timed(path: Path) -> dict[str, Any]:
    """The same file loaded as text into a temporary table with the file's columns:
    COPY on PostgreSQL (batched INSERTs on SQLite), the floor for any import."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = handle.readline().strip().split(";")
    columns = ", ".join(f"{c} text" for c in header)
    started = time.perf_counter()
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_copy")
        cursor.execute(f"CREATE TEMPORARY TABLE bench_import_copy ({columns})")
        if connection.vendor == "postgresql":
            sql = "COPY bench_import_copy FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')"
            with path.open("rb") as handle, cursor.cursor.copy(sql) as copy:
                while block := handle.read(1 << 20):
                    copy.write(block)
        else:
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle, delimiter=";")
                next(reader)
                marks = ", ".join(["%s"] * len(header))
                cursor.executemany(f"INSERT INTO bench_import_copy VALUES ({marks})", list(reader))  # noqa: S608
        cursor.execute("SELECT COUNT(*) FROM bench_import_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_import_copy")
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "rows_per_s": round(rows / seconds), "rows": rows}


def run(
    rows: int = 1_000_000,
    *,
    seed: int = 1,
    in_process: bool = False,
    dry_run: bool = False,
    path: Path | None = None,
    echo: Any = None,
) -> dict[str, Any]:
    """Write the file, import it in bulk (in a fresh process unless ``in_process``),
    load it with a raw COPY; the figures as a dict for the results JSON."""
    say = echo or (lambda _m: None)
    with tempfile.TemporaryDirectory() as tmp:
        file = path or Path(tmp) / "orders.csv"
        started = time.perf_counter()
        devices = orders_file_write(file, rows, seed=seed)
        say(
            f"file: {rows:,} rows, {devices:,} devices, {file.stat().st_size / 1e6:.0f} MB "
            f"({time.perf_counter() - started:.0f} s)"
        )
        imported = (
            _import_timed(file, dry_run=dry_run)
            if in_process
            else _import_in_subprocess(file, dry_run=dry_run)
        )
        say(f"import: {imported}")
        copied = raw_copy_timed(file)
        say(f"raw copy: {copied}")
    return {
        "rows": rows,
        "devices_in_file": devices,
        "database": connection.vendor,
        "import": imported,
        "raw_copy": copied,
        "import_vs_copy": round(imported["seconds"] / max(copied["seconds"], 0.001), 1),
        "limits": {"rows_per_s": ROWS_PER_S_LIMIT, "peak_rss_mb": PEAK_RSS_MB_LIMIT},
        "meets": imported["rows_per_s"] >= ROWS_PER_S_LIMIT
        and imported["peak_rss_mb"] <= PEAK_RSS_MB_LIMIT,
    }


def _child(argv: list[str]) -> None:
    """The subprocess's part (see CHILD): import, and print the figures as JSON."""
    figures = _import_timed(Path(argv[0]), dry_run="--dry-run" in argv)
    print(json.dumps(figures))

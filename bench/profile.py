"""Where a request's time goes: the order steps and the pages of ``bench.http``, run in
this process through Django's whole request cycle (middleware, authentication, view,
serialisation, the access log) and sampled with pyinstrument.

For each operation it reports the mean time in process, the number of SQL queries and
the time spent in them, and the profile's call tree (pyinstrument's text, the frames
above 2 % of the time). There is no server and no network, so the figures are a
request's own cost, the part a server's workers cannot share; they are for finding
what to fix, not for comparing with the limits (``bench.http`` does that).

``python -m bench profile`` on a generated database writes
``bench/results/<time>-profile.md`` (or ``--out FILE``).
"""

from __future__ import annotations

import datetime
import json
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from pyinstrument import Profiler

from bench.http import Fixture, LoadError, Page, _Numbers, order_steps, page_menu, prepare

HOST = "127.0.0.1"


class _QueryTimer:
    """Counts a request's SQL queries and the time spent executing them."""

    def __init__(self) -> None:
        self.queries = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


class _Operation:
    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.queries: list[int] = []
        self.sql_seconds: list[float] = []

    def summary(self) -> dict[str, float]:
        return {
            "runs": len(self.seconds),
            "mean_ms": round(statistics.mean(self.seconds) * 1000, 2),
            "median_ms": round(statistics.median(self.seconds) * 1000, 2),
            "queries": round(statistics.mean(self.queries), 1),
            "sql_ms": round(statistics.mean(self.sql_seconds) * 1000, 2),
        }


def _call(
    client: Client, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
) -> tuple[int, bytes, _QueryTimer]:
    timer = _QueryTimer()
    extra: dict[str, str] = {}
    for name, value in headers.items():
        if name == "Cookie":
            key, _, val = value.partition("=")
            client.cookies[key] = val
        else:
            extra[name] = value
    with connection.execute_wrapper(timer):
        if method == "POST":
            response = client.post(
                path, data=json.dumps(body or {}), content_type="application/json", headers=extra
            )
        else:
            response = client.get(path, headers=extra)
    client.cookies.clear()
    return response.status_code, response.content, timer


def run(*, orders: int = 40, visits: int = 15, seed: int = 1) -> dict[str, Any]:
    """Profile ``orders`` whole orders and ``visits`` visits of each page (on generated
    data; PostgreSQL for figures that mean anything, SQLite in the tests)."""
    fixture: Fixture = prepare(prescribers=4, stock=orders + 10, seed=seed)
    numbers = _Numbers(start=random.Random(time.time_ns()).randrange(10**7))
    client = Client(SERVER_NAME=HOST)
    ops: dict[str, _Operation] = defaultdict(_Operation)
    profilers: dict[str, Profiler] = {}

    def one_order(index: int, measure: bool) -> None:
        prescriber = fixture.prescribers[index % len(fixture.prescribers)]
        order_id: int | None = None
        for name, path, body, headers, expected, status in order_steps(
            fixture, prescriber, numbers.take()
        ):
            profiler = profilers.setdefault(name, Profiler(interval=0.0005))
            if measure:
                profiler.start()
            started = time.perf_counter()
            code, raw, timer = _call(client, "POST", path.format(id=order_id), body, headers)
            seconds = time.perf_counter() - started
            if measure:
                profiler.stop()
            answer = json.loads(raw)
            if code != expected or answer.get("status") != status:
                raise LoadError(f"{name}: {code} {answer}")
            order_id = order_id or answer["id"]
            if measure:
                ops[name].seconds.append(seconds)
                ops[name].queries.append(timer.queries)
                ops[name].sql_seconds.append(timer.seconds)

    def one_page(page: Page, measure: bool) -> None:
        profiler = profilers.setdefault(page.name, Profiler(interval=0.0005))
        if measure:
            profiler.start()
        started = time.perf_counter()
        code, raw, timer = _call(client, "GET", page.path, None, page.headers)
        seconds = time.perf_counter() - started
        if measure:
            profiler.stop()
        if code != 200 or not page.marker(raw):
            raise LoadError(f"{page.name}: {code} {raw[:200]!r}")
        if measure:
            ops[page.name].seconds.append(seconds)
            ops[page.name].queries.append(timer.queries)
            ops[page.name].sql_seconds.append(timer.seconds)

    rng = random.Random(seed)
    for i in range(3):  # warm up: imports, template loading, connection
        one_order(i, measure=False)
    for i in range(orders):
        one_order(i, measure=True)
    for i in range(visits + 2):
        prescriber = fixture.prescribers[i % len(fixture.prescribers)]
        device = rng.choice(fixture.devices)
        patient = rng.choice(prescriber.patient_ids) if prescriber.patient_ids else None
        for page in page_menu(fixture, prescriber, device, patient):
            one_page(page, measure=i >= 2)
    return {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "operations": {name: op.summary() for name, op in ops.items()},
        "profiles": {
            name: profiler.output_text(
                unicode=True, color=False, show_all=False, time="percent_of_total"
            )
            for name, profiler in profilers.items()
            if profiler.last_session is not None
        },
    }


def markdown(result: dict[str, Any], command: str) -> str:
    lines = [
        "# Profile of the order steps and the pages (pyinstrument, in process)",
        "",
        f"Command: `{command}`, {result['started_at']}. No server, no network: each "
        "figure is one request's own cost through Django's whole request cycle.",
        "",
        "| operation | runs | mean ms | median ms | SQL queries | SQL ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in result["operations"].items():
        lines.append(
            f"| {name} | {s['runs']} | {s['mean_ms']} | {s['median_ms']} | {s['queries']} "
            f"| {s['sql_ms']} |"
        )
    for name, text in result["profiles"].items():
        lines += ["", f"## {name}", "", "```", text.strip(), "```"]
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], command: str, out: Path | None = None) -> Path:
    if out is None:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        out = Path(__file__).resolve().parent / "results" / f"{stamp}-profile.md"
    out.write_text(markdown(result, command))
    return out

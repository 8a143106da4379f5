"""One JSON and one markdown file per run under ``bench/results/``, with the machine,
the database and the exact command, so every figure can be reproduced."""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return ""


def python_loop_ms() -> float:
    """The machine's speed for this Python, to compare runs made on different days (the
    shared machines here vary by half): the median of 5 timings of one fixed loop."""
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        runs.append(time.perf_counter() - started)
    return round(statistics.median(runs) * 1000, 1)


def environment() -> dict[str, Any]:
    # Imported here: the suite writes its report without setting Django up.
    from django.db import connection

    from devices.models import Device, DeviceEvent

    settings_shown: dict[str, str] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
            for name in ("join_collapse_limit", "work_mem", "shared_buffers", "jit"):
                cursor.execute(f"SHOW {name}")
                settings_shown[name] = cursor.fetchone()[0]
            # The application's own: statements prepared on their Nth use (decision 0008).
            threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold")
            settings_shown["prepare_threshold"] = str(threshold or "off")
        else:
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
    return {
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "cpu": _cpu_model() or platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "python_loop_ms": python_loop_ms(),
        "database": version,
        "database_settings": settings_shown,
        "devices": Device.objects.count(),
        "events": DeviceEvent.objects.count(),
        "command": "python -m bench " + shlex.join(sys.argv[1:]),
        "database_url_host": connection.settings_dict.get("HOST", ""),
        "database_name": str(connection.settings_dict.get("NAME", "")),
    }


def _speed(env: dict[str, Any]) -> str:
    loop = env.get("python_loop_ms")
    return f"; Python speed: {loop} ms for the fixed loop (lower is faster)" if loop else ""


def _db_settings(env: dict[str, Any]) -> str:
    shown = env.get("database_settings") or {}
    return "; " + ", ".join(f"{k} = {v}" for k, v in shown.items()) if shown else ""


def _header(result: dict[str, Any]) -> list[str]:
    env = result["environment"]
    return [
        f"# Benchmark run {result['started_at']}",
        "",
        f"- Command: `{env['command']}`",
        f"- Machine: {env['cores']} cores, {env['memory_gib']} GiB, {env['cpu']}{_speed(env)}",
        f"- Database: {env['database']} ({env['database_name']}){_db_settings(env)}",
        f"- Data: {env['devices']:,} devices, {env['events']:,} events",
        "",
    ]


OK = {True: "meets", False: "**misses**"}


def _followup_rows(f: dict[str, Any]) -> list[str]:
    """The follow-up's rows: the summary as the limits judge it (computed with the days
    counted), beside the computation from the events alone and what counting costs."""
    if "from_events_s" not in f:  # a result file from before decision 0011
        return [
            f"| Follow-up summary {f['period'][0]}–{f['period'][1]}, computed (median of 3) "
            f"| {f['app_s']:.3f} s | {f['sql_s']:.3f} s | {f['ratio']:.2f}× "
            f"| ≤ {f['limit_ratio']:.0f}× | {OK[f['meets_ratio']]} |",
        ]
    changed = f["after_change_s"]
    rows = [
        f"| Follow-up summary {f['period'][0]}–{f['period'][1]}, computed with the days "
        f"counted (median of 3) | {f['app_s']:.3f} s | {f['sql_s']:.3f} s "
        f"| {f['ratio']:.2f}× | ≤ {f['limit_ratio']:.0f}×, ≤ {f['limit_app_s']:.0f} s "
        f"| {OK[f['meets_ratio'] and f['meets_warm']]} |",
        f"| — the same from the events alone (FOLLOWUP_ROLLUP=false) "
        f"| {f['from_events_s']:.3f} s | {f['sql_s']:.3f} s "
        f"| {f['from_events_s'] / f['sql_s']:.2f}× | – | – |",
        f"| — counting every day once ({f['counted_days']:,} days, {f['summed_months']} "
        f"months summed) | {f['counting_s']:.1f} s | | | – | – |",
        f"| — the first reader after 1 / 30 days changed (counted again) "
        f"| {changed['1_days_s']:.3f} / {changed['30_days_s']:.3f} s | | | – | – |",
    ]
    for name, one in f["filtered"].items():
        rows.append(
            f"| — filtered: {name} ({one['delivered_total']:,} delivered; checked equal to "
            f"the events' answer) | {one['app_s']:.3f} s | | | – | – |"
        )
    rows.append(
        f"| — the dashboard's {len(f['charts_s'])} charts, days counted "
        f"(slowest: {max(f['charts_s'], key=f['charts_s'].get)}, "
        f"{max(f['charts_s'].values()):.3f} s) | {f['charts_total_s']:.3f} s | | | – | – |"
    )
    return rows


def _sql_section(result: dict[str, Any]) -> list[str]:
    f = result["followup_summary"]
    r = result["rent_month"]
    return [
        "| Figure | Application | Hand SQL | Ratio | Limit | Verdict |",
        "|---|---|---|---|---|---|",
        *_followup_rows(f),
        f"| Follow-up summary, a reader while the data is unchanged (cached; fingerprint "
        f"read each time; first call {f['cached_first_s']:.3f} s) "
        f"| {f['cached_warm_s']:.3f} s | | | – | – |",
        f"| Rent run of {r['month']}, whole: invoices and {r['lines']:,} lines written, "
        f"foreign keys checked ({r['total_sek']} kr) "
        f"| {r['app_s']:.3f} s | {r['sql_s']:.3f} s | {r['ratio']:.2f}× "
        f"| ≤ {r['limit_ratio']:.0f}× | {OK[r['meets_limits']]} |",
        *_write_floor(r),
        "",
        "Each pair was checked equal before timing (follow-up headline figures; rent "
        "total to the öre and line count, the write floor's too).",
        "",
        "Follow-up figures: " + ", ".join(f"{k} = {v}" for k, v in f["figures"].items()),
        "",
    ]


def _write_floor(r: dict[str, Any]) -> list[str]:
    """The database's own floor for the rent run's writes, where it was measured."""
    if r.get("write_floor_s") is None:
        return []
    return [
        f"| The same lines by a hand-written INSERT … SELECT, foreign keys checked "
        f"(what writing them costs the database) | {r['app_s']:.3f} s "
        f"| {r['write_floor_s']:.3f} s | {r['ratio_to_write_floor']:.2f}× | – | – |"
    ]


def _ms(p: dict[str, Any], key: str) -> str:
    return f"{p[key]:.1f}" if key in p else "–"


def _http_section(result: dict[str, Any]) -> list[str]:
    h = result["http"]
    lines = [
        f"Server: {h['server']}; {h['duration_s']:.0f} s measured per level after "
        f"{h['warmup_s']:.0f} s of warm-up. pgbench: TPC-B, scale {h['pgbench_scale']}, "
        "same server, same client count, same duration.",
        "",
        "## Order placement (prescribe → accept → allocate → dispatch → deliver, 5 POSTs)",
        "",
        "| Clients | Orders/s | Requests/s | pgbench TPS | Orders/s ÷ TPS | Request p50 / p95 / "
        "p99 ms | Whole order p50 / p95 ms | Errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in h["orders"]:
        q, w = o["request"], o["order"]
        lines.append(
            f"| {o['clients']} | {o['orders_per_s']:.1f} | {o['requests_per_s']:.1f} "
            f"| {o['pgbench_tps']:.0f} | {o['share_of_pgbench'] * 100:.1f} % "
            f"| {_ms(q, 'p50_ms')} / {_ms(q, 'p95_ms')} / {_ms(q, 'p99_ms')} "
            f"| {_ms(w, 'p50_ms')} / {_ms(w, 'p95_ms')} | {sum(o['errors'].values())} |"
        )
    if any(o.get("cpu") for o in h["orders"]):
        lines += [
            "",
            "Where the CPU went per request (ms of CPU time, from /proc, over the measured "
            "window), and how busy the cores were:",
            "",
            "| Clients | Load generator | Application server | Database | Other | Cores busy |",
            "|---|---|---|---|---|---|",
        ]
        for o in h["orders"]:
            c = o.get("cpu") or {}
            if not c:
                continue
            per = c["ms_per_request"]
            lines.append(
                f"| {o['clients']} | {per['load generator']:.1f} "
                f"| {per['application server']:.1f} | {per['database']:.1f} "
                f"| {per['other processes']:.1f} | {c['busy_share'] * 100:.0f} % |"
            )
    lines += ["", "Per step (p50 / p95 ms):", ""]
    lines.append("| Clients | " + " | ".join(h["orders"][0]["steps"]) + " |")
    lines.append("|---|" + "---|" * len(h["orders"][0]["steps"]))
    for o in h["orders"]:
        cells = [f"{_ms(s, 'p50_ms')} / {_ms(s, 'p95_ms')}" for s in o["steps"].values()]
        lines.append(f"| {o['clients']} | " + " | ".join(cells) + " |")
    p = h["pages"]
    lines += [
        "",
        f"## Interactive pages and API lists, {p['users']} concurrent users "
        f"(think time {p.get('think_s', 0):.1f} s on average between pages)",
        "",
        f"{p['requests_per_s']:.1f} requests/s, {sum(p['errors'].values())} errors.",
        "",
        "| Page | Requests | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    for name, s in [("all", p["all"]), *p["per_page"].items()]:
        lines.append(
            f"| {name} | {s['count']} | {_ms(s, 'p50_ms')} | {_ms(s, 'p95_ms')} "
            f"| {_ms(s, 'p99_ms')} |"
        )
    single = h["pages_single_user"]
    stress = h.get("pages_no_think")
    if stress:
        a = stress["all"]
        lines += [
            "",
            f"The same {stress['users']} users without think time (every one clicking again "
            f"the moment a page arrives: a stress figure): {stress['requests_per_s']:.1f} "
            f"requests/s, p50 {_ms(a, 'p50_ms')} ms, p95 {_ms(a, 'p95_ms')} ms, "
            f"{sum(stress['errors'].values())} errors.",
        ]
        if stress.get("cpu"):
            per = stress["cpu"]["ms_per_request"]
            lines[-1] += (
                f" CPU per page: load generator {per['load generator']:.1f} ms, application "
                f"server {per['application server']:.1f} ms, database {per['database']:.1f} ms,"
                f" other {per['other processes']:.1f} ms; cores "
                f"{stress['cpu']['busy_share'] * 100:.0f} % busy."
            )
    lines += [
        "",
        f"One user alone (cost per page without queueing): mean {_ms(single, 'mean_ms')} ms, "
        f"p50 {_ms(single, 'p50_ms')} ms, p95 {_ms(single, 'p95_ms')} ms.",
        "",
        "Verdicts: " + ", ".join(f"{k}: {OK[v]}" for k, v in h["verdicts"].items()),
        "",
    ]
    if any(o["error_samples"] for o in h["orders"]) or p["error_samples"]:
        lines += ["Error samples:", ""]
        for o in h["orders"]:
            lines += [f"- {e}" for e in o["error_samples"]]
        lines += [f"- {e}" for e in p["error_samples"]]
        lines.append("")
    return lines


def _markdown(result: dict[str, Any]) -> str:
    lines = _header(result)
    if "followup_summary" in result:
        lines += _sql_section(result)
    if "http" in result:
        lines += _http_section(result)
    return "\n".join(lines)


def write(result: dict[str, Any]) -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = "-http" if "http" in result else ""
    base = RESULTS_DIR / f"{stamp}-{result['environment']['devices']}-devices{kind}"
    json_path = base.with_suffix(".json")
    md_path = base.with_suffix(".md")
    json_path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    md_path.write_text(_markdown(result))
    return json_path, md_path


def _import_section(figures: dict[str, Any]) -> list[str]:
    """The historical import's figures as bench/importing.py reports them."""
    return [
        "## Historical import",
        "",
        "```json",
        json.dumps(figures, indent=2, default=str),
        "```",
        "",
    ]


def suite_markdown(result: dict[str, Any]) -> str:
    lines = [f"# Benchmark suite {result['started_at']}", "", f"- Command: `{result['command']}`"]
    for n, size in result["sizes"].items():
        env = size["measure"]["environment"]
        lines += [
            "",
            f"# {int(n):,} devices",
            "",
            f"- Machine: {env['cores']} cores, {env['memory_gib']} GiB, {env['cpu']}{_speed(env)}",
            f"- Database: {env['database']} ({env['database_name']}){_db_settings(env)}",
            f"- Data: {env['devices']:,} devices, {env['events']:,} events; generated in "
            f"{size['generate']['seconds']:.0f} s",
            "",
        ]
        lines += _sql_section(size["measure"])
        lines += _http_section(size["http"])
    s = result.get("scaling")
    if s:
        lines += [
            "",
            f"# Scaling: cost per operation, one client alone, {s['from']:,} → {s['to']:,} devices",
            "",
            "| Devices | Order step, mean ms | Page or API list, mean ms |",
            "|---|---|---|",
        ]
        for n, cost in s["cost"].items():
            lines.append(
                f"| {int(n):,} | {cost['order_request_mean_ms']:.1f} | {cost['page_mean_ms']:.1f} |"
            )
        lines += [
            "",
            "Ratios largest ÷ smallest: "
            + ", ".join(f"{k} {v:.2f}×" for k, v in s["ratio"].items())
            + f" (limit ≤ {s['limit']}×): {OK[s['meets']]}",
            "",
        ]
    if "historical_import" in result:
        lines += _import_section(result["historical_import"])
    return "\n".join(lines)


def write_suite(result: dict[str, Any]) -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = RESULTS_DIR / f"{stamp}-suite"
    json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
    json_path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    md_path.write_text(suite_markdown(result))
    return json_path, md_path

"""One JSON and one markdown file per run under ``bench/results/``, with the machine,
the database and the exact command, so every figure can be reproduced."""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

from django.db import connection

from devices.models import Device, DeviceEvent

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


def environment() -> dict[str, Any]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
    return {
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "database": version,
        "devices": Device.objects.count(),
        "events": DeviceEvent.objects.count(),
        "command": "python -m bench " + shlex.join(sys.argv[1:]),
        "database_url_host": connection.settings_dict.get("HOST", ""),
        "database_name": str(connection.settings_dict.get("NAME", "")),
    }


def _markdown(result: dict[str, Any]) -> str:
    env = result["environment"]
    f = result["followup_summary"]
    r = result["rent_month"]
    ok = {True: "meets", False: "**misses**"}
    return "\n".join(
        [
            f"# Benchmark run {result['started_at']}",
            "",
            f"- Command: `{env['command']}`",
            f"- Machine: {env['cores']} cores, {env['memory_gib']} GiB, {env['cpu']}",
            f"- Database: {env['database']} ({env['database_name']})",
            f"- Data: {env['devices']:,} devices, {env['events']:,} events",
            "",
            "| Figure | Application | Hand SQL | Ratio | Limit | Verdict |",
            "|---|---|---|---|---|---|",
            f"| Follow-up summary {f['period'][0]}–{f['period'][1]} (warm, median of 3) "
            f"| {f['app_s']:.3f} s | {f['sql_s']:.3f} s | {f['ratio']:.2f}× "
            f"| ≤ {f['limit_app_s']:.0f} s and ≤ {f['limit_ratio']:.0f}× "
            f"| {ok[f['meets_limits']]} |",
            f"| Rent lines of {r['month']} ({r['lines']:,} lines, {r['total_sek']} kr) "
            f"| {r['app_s']:.3f} s | {r['sql_s']:.3f} s | {r['ratio']:.2f}× "
            f"| ≤ {r['limit_ratio']:.0f}× | {ok[r['meets_limits']]} |",
            "",
            "Both pairs were checked equal before timing (follow-up headline figures; "
            "rent total to the öre and line count).",
            "",
            "Follow-up figures: " + ", ".join(f"{k} = {v}" for k, v in f["figures"].items()),
            "",
        ]
    )


def write(result: dict[str, Any]) -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = RESULTS_DIR / f"{stamp}-{result['environment']['devices']}-devices"
    json_path = base.with_suffix(".json")
    md_path = base.with_suffix(".md")
    json_path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    md_path.write_text(_markdown(result))
    return json_path, md_path

"""Every figure of issue 7 in one command: for each size a fresh PostgreSQL database,
generated data, the side-by-side SQL measurements and the HTTP run; the historical import
at the largest size; then one JSON and one markdown file with all of it and the scaling
curve. Each step runs as its own ``python -m bench`` process against its database, so a
step's memory and connections do not leak into the next one's figures.

``make bench`` runs it; ``python -m bench suite --sizes 10000 --import-rows 20000`` is a
quick look.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

SIZES = (10_000, 100_000, 1_000_000)
SCALING_LIMIT = 1.3  # cost per operation at the largest size ≤ 1.3 × at the smallest


def _server_url(base_url: str) -> str:
    return base_url.rsplit("/", 1)[0]


def database_fresh(base_url: str, name: str) -> str:
    """Drop and create ``name`` on the server of ``base_url``; its URL."""
    with psycopg.connect(_server_url(base_url) + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{_server_url(base_url)}/{name}"


def _bench(args: list[str], database_url: str, say: Callable[[str], None]) -> dict[str, Any]:
    """``python -m bench ARGS --json-out FILE`` on ``database_url``; its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        env = dict(os.environ, DATABASE_URL=database_url)
        started = time.perf_counter()
        say(f"$ DATABASE_URL={database_url} python -m bench {' '.join(args)}")
        subprocess.run(
            [sys.executable, "-m", "bench", *args, "--json-out", str(out)],
            env=env,
            check=True,
        )
        figures: dict[str, Any] = json.loads(out.read_text())
        figures["wall_s"] = round(time.perf_counter() - started, 1)
        return figures


def run(
    *,
    base_url: str,
    sizes: tuple[int, ...] = SIZES,
    import_rows: int = 1_000_000,
    duration: float = 15.0,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": "python -m bench suite " + " ".join(sys.argv[2:]),
        "sizes": {},
    }
    for n in sizes:
        url = database_fresh(base_url, f"hjalpmedel_bench_{n}")
        size: dict[str, Any] = {}
        size["generate"] = _bench(["generate", "--devices", str(n)], url, say)
        size["measure"] = _bench(["measure"], url, say)
        size["http"] = _bench(["http", "--duration", str(duration)], url, say)
        result["sizes"][str(n)] = size
    if import_rows:
        url = database_fresh(base_url, "hjalpmedel_bench_import")
        _bench(["generate", "--devices", "10000"], url, say)
        result["historical_import"] = _bench(["import", "--rows", str(import_rows)], url, say)
    result["scaling"] = scaling(result["sizes"])
    return result


def _cost(size: dict[str, Any]) -> dict[str, float]:
    """Cost per operation without queueing: one client alone."""
    http = size["http"]["http"]
    one = next(o for o in http["orders"] if o["clients"] == 1)
    return {
        "order_request_mean_ms": one["request"]["mean_ms"],
        "page_mean_ms": http["pages_single_user"]["mean_ms"],
    }


def scaling(sizes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if len(sizes) < 2:
        return {}
    keys = sorted(sizes, key=int)
    small, large = _cost(sizes[keys[0]]), _cost(sizes[keys[-1]])
    ratios = {k: round(large[k] / small[k], 2) for k in small}
    return {
        "from": int(keys[0]),
        "to": int(keys[-1]),
        "cost": {k: _cost(sizes[k]) for k in keys},
        "ratio": ratios,
        "limit": SCALING_LIMIT,
        "meets": all(r <= SCALING_LIMIT for r in ratios.values()),
    }

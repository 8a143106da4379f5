"""The benchmark's CPU accounting by role (``bench.http.cpu_by_role``), on Linux."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.http import CPU_ROLES, cpu_by_role

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="reads Linux's /proc")

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"


def test_a_process_that_ended_in_the_window_is_still_counted() -> None:
    """A child that burned CPU and ended (as a database connection closed every
    DB_CONN_MAX_AGE seconds does) counts for its parent's role, not for nothing."""
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        before = cpu_by_role(idle.pid)
        subprocess.run([sys.executable, "-c", BURN], check=True)
        after = cpu_by_role(idle.pid)
    finally:
        idle.kill()
        idle.wait()
    assert set(before) == {*CPU_ROLES, "busy"}
    assert after["load generator"] - before["load generator"] >= 0.3
    assert after["application server"] - before["application server"] < 0.1
    assert after["busy"] - before["busy"] >= 0.3


def test_the_server_and_its_workers_are_the_application_server() -> None:
    """The server's children (gunicorn's workers) count for it, while they run and after
    they end; the load generator's figure does not take them."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "sys.stdin.readline()\n"
            f"subprocess.run([sys.executable, '-c', {BURN!r}], check=True)\n"
            "print('done', flush=True)\n"
            "time.sleep(30)\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        before = cpu_by_role(server.pid)
        server.stdin.write("go\n")
        server.stdin.flush()
        assert server.stdout.readline().strip() == "done"
        after = cpu_by_role(server.pid)
    finally:
        server.kill()
        server.wait()
    assert after["application server"] - before["application server"] >= 0.3
    assert after["load generator"] - before["load generator"] < 0.3

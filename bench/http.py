"""The application over HTTP under its production server, measured beside PostgreSQL's own
``pgbench`` in the same run.

- **Order placement end to end**: each client prescribes (as a nurse with an API token)
  and then, as device-centre staff, accepts, allocates, dispatches and delivers: five
  POSTs through ``/api/v1``. Every response is checked (status code, the order's new
  status, the allocated serial); a wrong or failed answer is an error, never throughput,
  and the client abandons that order. Run at 1, 8 and 32 concurrent clients.
- **Interactive pages and API lists** at 16 concurrent users: the device centre's work
  queue and a device's history (page and API), a unit's order list (page and API), a
  patient's page with their devices, a unit's loans (API). Each response is checked for
  its status and a marker of the right content.
- **pgbench** TPC-B (its default script) on a separate database of the same server, at the
  same client counts, right after the order placement.

The server is gunicorn with ``--workers`` sync workers (default 2 × cores + 1) on
127.0.0.1, ``DEBUG`` off, the same settings as production; the load generator runs here
on loopback only, with a fixed number of client threads (bounded). Data comes from
``python -m bench generate``; this module adds its own users, tokens and a stock of
devices to allocate from, and leaves the orders it places behind (a second run on the
same database places more).
"""

from __future__ import annotations

import datetime
import functools
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.utils import timezone

from api.models import ApiToken
from catalog.choices import GuidanceAction
from catalog.models import Product
from catalog.selectors import guidance_in_force, prescribing_right_check
from core.middleware import SESSION_LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
from devices.choices import DeviceStatus, EventKind, Location
from devices.models import Device, DeviceEvent
from orders.models import Order
from orders.personal_numbers import luhn_check_digit
from registry.choices import MembershipRole, PrincipalKind, Profession
from registry.models import Membership, Person, Principal, Unit

PRODUCT = "DH-1001"  # the blood pressure monitor: the most ordered product
ORDER_LEVELS = (1, 8, 32)
PAGE_USERS = 16
THINK_S = 1.0  # mean pause of a person between two pages
ORDER_P95_LIMIT_S = 0.050  # at 8 clients
PAGE_P95_LIMIT_S = 0.100  # at 16 users
PGBENCH_SHARE_LIMIT = 0.10  # orders/s at least 10 % of pgbench's TPS
BENCH_USER_PREFIX = "bench-"
ROOT = Path(__file__).resolve().parent.parent


class LoadError(Exception):
    """The HTTP benchmark cannot run (no server, no data, no pgbench)."""


# --- Fixtures: users, tokens, stock --------------------------------------------------


@dataclass
class Prescriber:
    token: str
    unit_id: int
    session_key: str
    patient_ids: list[int]


@dataclass
class Fixture:
    product: str
    criteria: list[str]
    prescribers: list[Prescriber]
    centre_token: str
    centre_session: str
    devices: list[tuple[int, str]]  # (id, serial) of devices whose history is read
    stock_added: int


def _session_for(user: User) -> str:
    session = SessionStore()
    now = int(timezone.now().timestamp())
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SESSION_LAST_ACTIVITY_KEY] = now
    session[SESSION_STARTED_KEY] = now
    session.create()
    return str(session.session_key)


def _user_for(person: Person, username: str) -> User:
    user = person.user
    if user is None:
        user = User.objects.create_user(username=username, password=None)
        person.user = user
        person.save(update_fields=["user"])
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user


def _token_for(user: User) -> str:
    _token, key = ApiToken.issue(user=user, name="bench")
    return key


@transaction.atomic
def prepare(*, prescribers: int, stock: int, seed: int = 1) -> Fixture:
    """Users with tokens and sessions for the load, and ``stock`` new devices of the
    product in the centre's stock (registered through the real action's rows)."""
    rng = random.Random(seed)
    product = Product.objects.get(article_number=PRODUCT)
    today = timezone.localdate()
    guidance = guidance_in_force(product=product, on=today)
    if guidance is None:
        raise LoadError(f"{PRODUCT} has no guidance in force on {today}")
    criteria = sorted(c.reference for c in guidance.codes.all() if c.kind == "criterion")
    if not criteria:
        raise LoadError(f"{PRODUCT}'s guidance has no criteria")
    # Prescribers allowed to prescribe the product, in generated units (one per unit).
    chosen: list[Prescriber] = []
    seen_units: set[int] = set()
    candidates = (
        Person.objects.filter(
            memberships__unit__name__startswith="Bench ", memberships__valid_until__isnull=True
        )
        .select_related("principal")
        .order_by("pk")
        .values_list("pk", "profession", "memberships__unit_id")
    )
    units = {u.pk: u for u in Unit.objects.filter(name__startswith="Bench ")}
    for person_id, profession, unit_id in candidates:
        if unit_id in seen_units:
            continue
        unit = units[unit_id]
        check = prescribing_right_check(
            guidance=guidance,
            profession=profession,
            care_setting=unit.care_setting,
            action=GuidanceAction.PRESCRIBE,
        )
        if not check.allowed:
            continue
        seen_units.add(unit_id)
        person = Person.objects.get(pk=person_id)
        user = _user_for(person, f"{BENCH_USER_PREFIX}prescriber-{person_id}")
        patient_ids = list(
            Order.objects.filter(unit_id=unit_id, patient__isnull=False)
            .order_by("pk")
            .values_list("patient_id", flat=True)[:20]
        )
        chosen.append(Prescriber(_token_for(user), unit_id, _session_for(user), patient_ids))
        if len(chosen) == prescribers:
            break
    # Units whose generated staff may not prescribe the product get a prescriber who may
    # (the generator draws professions at random), until there are enough.
    for unit in sorted(units.values(), key=lambda u: u.pk):
        if len(chosen) >= prescribers:
            break
        if unit.pk in seen_units:
            continue
        allowed = [
            p
            for p in (Profession.NURSE, Profession.DOCTOR, Profession.OCCUPATIONAL_THERAPIST)
            if prescribing_right_check(
                guidance=guidance,
                profession=p,
                care_setting=unit.care_setting,
                action=GuidanceAction.PRESCRIBE,
            ).allowed
        ]
        if not allowed:
            continue
        person = Person.objects.create(
            principal_id=unit.principal_id,
            first_name="Bench",
            last_name=f"Förskrivare {unit.pk}",
            profession=allowed[0],
        )
        Membership.objects.create(
            person=person,
            unit=unit,
            role=MembershipRole.STAFF,
            valid_from=datetime.date(2022, 1, 1),
        )
        seen_units.add(unit.pk)
        user = _user_for(person, f"{BENCH_USER_PREFIX}prescriber-{person.pk}")
        patient_ids = list(
            Order.objects.filter(unit_id=unit.pk, patient__isnull=False)
            .order_by("pk")
            .values_list("patient_id", flat=True)[:20]
        )
        chosen.append(Prescriber(_token_for(user), unit.pk, _session_for(user), patient_ids))
    if not chosen:
        # Fewer prescribers than clients is fine: clients then share them, round robin.
        raise LoadError(f"no generated unit may prescribe {PRODUCT}")
    region = Principal.objects.get(kind=PrincipalKind.REGION)
    centre_person = Person.objects.filter(
        profession=Profession.DEVICE_CENTRE_STAFF, last_name="Bench"
    ).first() or Person.objects.create(
        principal=region,
        first_name="Hjälpmedelscentralen",
        last_name="Bench",
        profession=Profession.DEVICE_CENTRE_STAFF,
    )
    centre_user = _user_for(centre_person, f"{BENCH_USER_PREFIX}centre")
    # Stock to allocate from: new devices, registered as the action registers them.
    acquired = today
    first = Device.objects.count() + 1
    new_devices = Device.objects.bulk_create(
        Device(
            product=product,
            serial_number=f"BENCH-{first + i:09d}",
            acquired_on=acquired,
            status=DeviceStatus.IN_STOCK,
            location=Location.CENTRE,
        )
        for i in range(stock)
    )
    now = timezone.now()
    DeviceEvent.objects.bulk_create(
        DeviceEvent(
            kind=EventKind.REGISTERED,
            device=device,
            to_status=DeviceStatus.IN_STOCK,
            occurred_at=now,
            data={"location": Location.CENTRE, "unit": None},
        )
        for device in new_devices
    )
    max_device = Device.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = sorted({rng.randint(1, max_device) for _ in range(200)})
    devices = list(Device.objects.filter(pk__in=sample).values_list("pk", "serial_number"))
    return Fixture(
        product=PRODUCT,
        criteria=criteria[:1],
        prescribers=chosen,
        centre_token=_token_for(centre_user),
        centre_session=_session_for(centre_user),
        devices=devices,
        stock_added=stock,
    )


# --- The server -----------------------------------------------------------------------


def _database_url() -> str:
    """This process's database as a URL, for the server (the test database in tests)."""
    db = connection.settings_dict
    password = f":{quote(str(db['PASSWORD']))}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(str(db.get('USER') or 'postgres'))}{password}@"
        f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn serving the project on 127.0.0.1, with this process's database."""

    def __init__(self, workers: int, log: Path) -> None:
        self.workers = workers
        self.port = _free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The gunicorn master's process id (its workers are its children)."""
        return self.process.pid if self.process else None

    def __enter__(self) -> Server:
        env = dict(os.environ)
        env.update(
            DEBUG="false",
            SECRET_KEY=env.get("SECRET_KEY") or "bench-only-insecure-secret-key",
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=_database_url(),
            LOG_LEVEL="WARNING",
        )
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--backlog",
                "256",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _body = _request("GET", self.port, "/api/v1/openapi.json")
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise LoadError(f"gunicorn did not answer within 30 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log_file.close()


def _request(
    method: str,
    port: int,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    data = json.dumps(body).encode() if body is not None else None
    h = {"Host": "127.0.0.1", **(headers or {})}
    if data is not None:
        h["Content-Type"] = "application/json"
    try:
        c.request(method, path, body=data, headers=h)
        response = c.getresponse()
        return response.status, response.read()
    finally:
        c.close()


# --- Recording ------------------------------------------------------------------------


@dataclass
class Recorder:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cpu: dict[str, float] = field(default_factory=dict)

    def ok(self, name: str, seconds: float) -> None:
        with self.lock:
            self.latencies[name].append(seconds)

    def error(self, name: str, detail: str) -> None:
        with self.lock:
            self.errors[name] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{name}: {detail[:300]}")


CPU_ROLES = ("load generator", "application server", "database", "other processes")


def cpu_by_role(server_pid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by this process (the load generator), the
    server and its workers, PostgreSQL's processes and everything else, read from
    Linux's ``/proc``; and ``busy``, the machine's busy CPU seconds from ``/proc/stat``.
    A difference of two readings says where a window's CPU went.

    Each process counts its own time and its ended children's (``cutime``, ``cstime``):
    a database connection closed in the window (Django reopens them every
    ``DB_CONN_MAX_AGE`` seconds) takes its backend's whole CPU time with it, which its
    parent, the postmaster, then holds."""
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    totals = dict.fromkeys(CPU_ROLES, 0.0)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                raw = f.read().decode("ascii", "replace")
        except OSError:  # the process ended meanwhile
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        pid, ppid = int(entry.name), int(fields[1])
        seconds = sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        if pid == me:
            role = "load generator"
        elif server_pid in (pid, ppid):
            role = "application server"
        elif comm.startswith("postgres"):
            role = "database"
        else:
            role = "other processes"
        totals[role] += seconds
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]  # idle and iowait
    totals["busy"] = (sum(cpu[:8]) - idle) / tick
    return totals


def _cpu_per_request(cpu: dict[str, float], requests: int, elapsed: float) -> dict[str, Any]:
    """A window's CPU per request (ms) by role, and how busy the cores were."""
    if not cpu or not requests:
        return {}
    cores = os.cpu_count() or 1
    return {
        "ms_per_request": {k: round(cpu[k] * 1000 / requests, 2) for k in CPU_ROLES},
        "busy_share": round(cpu["busy"] / (elapsed * cores), 3),
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        # Nearest-rank percentile: the value at or below which p % of the samples lie.
        rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
        return ordered[min(rank, len(ordered)) - 1]

    return {
        "count": len(ordered),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
        "p50_ms": round(pct(50) * 1000, 2),
        "p95_ms": round(pct(95) * 1000, 2),
        "p99_ms": round(pct(99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def _run_clients(
    clients: int,
    duration: float,
    warmup: float,
    work: Callable[[int, Recorder], None],
    think_s: float = 0.0,
    server_pid: int | None = None,
) -> tuple[Recorder, float]:
    """``clients`` threads each repeating ``work`` until the time is up, pausing a think
    time (uniform between half and one and a half ``think_s``) between requests. What
    finishes during the warm-up is discarded; the measured window is ``duration`` s.
    With ``server_pid``, the CPU time each role used in the window goes in ``cpu``."""
    measured = Recorder()
    discarded = Recorder()
    state = {"recorder": discarded}
    stop = threading.Event()

    def loop(index: int) -> None:
        pause = random.Random(index)
        while not stop.is_set():
            work(index, state["recorder"])
            if think_s:
                stop.wait(pause.uniform(0.5, 1.5) * think_s)

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    state["recorder"] = measured
    before = cpu_by_role(server_pid) if server_pid else None
    started = time.perf_counter()
    time.sleep(duration)
    state["recorder"] = discarded
    elapsed = time.perf_counter() - started
    if before is not None and server_pid:
        after = cpu_by_role(server_pid)
        measured.cpu = {k: round(after[k] - before[k], 3) for k in after}
    stop.set()
    for t in threads:
        t.join(timeout=120)
    return measured, elapsed


# --- Order placement ------------------------------------------------------------------


class _Numbers:
    """Unique, valid personal numbers for new patients: 1930-01-01 onwards, three-digit
    birth numbers, Luhn check digit. Seeded by the run so repeated runs differ."""

    def __init__(self, start: int) -> None:
        self.next = start
        self.lock = threading.Lock()

    def take(self) -> str:
        with self.lock:
            n = self.next
            self.next += 1
        day = datetime.date(1930, 1, 1) + datetime.timedelta(days=n // 900 % 25_000)
        birth = 100 + n % 900
        nine = f"{day:%y%m%d}{birth:03d}"
        return f"{day:%Y%m%d}-{birth:03d}{luhn_check_digit(nine)}"


Step = tuple[str, str, dict[str, Any] | None, dict[str, str], int, str]


def order_steps(fixture: Fixture, prescriber: Prescriber, personal_number: str) -> list[Step]:
    """One order's five POSTs: (name, path, body, headers, expected code, new status);
    ``{id}`` in a path is the order the first one created."""
    centre = {"Authorization": f"Bearer {fixture.centre_token}"}
    nurse = {"Authorization": f"Bearer {prescriber.token}"}
    body = {
        "product": fixture.product,
        "unit": prescriber.unit_id,
        "kind": "prescription",
        "personal_number": personal_number,
        "first_name": "Bench",
        "last_name": "Patient",
        "criteria": fixture.criteria,
        "delivery_method": "tour_van_home",
    }
    return [
        ("prescribe", "/api/v1/orders", body, nurse, 201, "submitted"),
        ("accept", "/api/v1/orders/{id}/accept", None, centre, 200, "accepted"),
        ("allocate", "/api/v1/orders/{id}/allocate", {}, centre, 200, "allocated"),
        ("dispatch", "/api/v1/orders/{id}/dispatch", None, centre, 200, "dispatched"),
        ("deliver", "/api/v1/orders/{id}/deliver", {}, centre, 200, "delivered"),
    ]


def _order_flow(port: int, fixture: Fixture, numbers: _Numbers) -> Callable[[int, Recorder], None]:
    def flow(index: int, rec: Recorder) -> None:
        prescriber = fixture.prescribers[index % len(fixture.prescribers)]
        started = time.perf_counter()
        steps = order_steps(fixture, prescriber, numbers.take())
        order_id: int | None = None
        for name, path, payload, headers, expected, status in steps:
            url = path.format(id=order_id)
            t0 = time.perf_counter()
            try:
                code, raw = _request("POST", port, url, body=payload or {}, headers=headers)
            except (OSError, http.client.HTTPException) as exc:
                rec.error(name, repr(exc))
                return
            seconds = time.perf_counter() - t0
            try:
                answer = json.loads(raw)
            except ValueError:
                rec.error(name, f"{code} not JSON: {raw[:200]!r}")
                return
            if code != expected or answer.get("status") != status:
                rec.error(name, f"{code} {answer}")
                return
            if order_id is None:
                order_id = answer.get("id")
                if not isinstance(order_id, int):
                    rec.error(name, f"no order id in {answer}")
                    return
            elif answer.get("id") != order_id:
                rec.error(name, f"answered order {answer.get('id')}, not {order_id}")
                return
            if name == "allocate" and not answer.get("device_serial"):
                rec.error(name, f"no device allocated: {answer}")
                return
            rec.ok(name, seconds)
        rec.ok("order", time.perf_counter() - started)

    return flow


# --- Interactive pages ----------------------------------------------------------------


@dataclass
class Page:
    name: str
    path: str
    headers: dict[str, str]
    marker: Callable[[bytes], bool]


def _json_list(raw: bytes) -> bool:
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    return (isinstance(data, dict) and isinstance(data.get("items"), list)) or isinstance(
        data, list
    )


def _history_of(raw: bytes, *, device: int) -> bool:
    """A device's history starts with its registration, and is all about that device."""
    try:
        events = json.loads(raw)
    except ValueError:
        return False
    return (
        isinstance(events, list)
        and bool(events)
        and events[0].get("kind") == "registered"
        and all(e.get("device") == device for e in events)
    )


def _html(text: str) -> Callable[[bytes], bool]:
    needle = text.encode()
    return lambda raw: needle in raw and b"</html>" in raw


def page_menu(
    fixture: Fixture, prescriber: Prescriber, device: tuple[int, str], patient: int | None
) -> list[Page]:
    """The pages a run chooses from: the device centre's and a prescriber's."""
    cookie = settings.SESSION_COOKIE_NAME
    centre_api = {"Authorization": f"Bearer {fixture.centre_token}"}
    centre_page = {"Cookie": f"{cookie}={fixture.centre_session}"}
    nurse_api = {"Authorization": f"Bearer {prescriber.token}"}
    nurse_page = {"Cookie": f"{cookie}={prescriber.session_key}"}
    device_id, serial = device
    menu = [
        Page("work queue (page)", "/hmc/", centre_page, _html("<table")),
        Page(
            "device history (page)",
            f"/hmc/hjalpmedel/{device_id}/",
            centre_page,
            _html(serial),
        ),
        Page(
            "device history (API)",
            f"/api/v1/devices/{device_id}/events",
            centre_api,
            functools.partial(_history_of, device=device_id),
        ),
        Page("unit order list (page)", "/bestallningar/", nurse_page, _html("<table")),
        Page(
            "unit order list (API)",
            f"/api/v1/orders?unit={prescriber.unit_id}",
            nurse_api,
            _json_list,
        ),
        Page(
            "unit loans (API)",
            f"/api/v1/loans?unit={prescriber.unit_id}&open=true",
            nurse_api,
            _json_list,
        ),
    ]
    if patient is not None:
        menu.append(
            Page("patient's devices (page)", f"/patienter/{patient}/", nurse_page, _html("<h1"))
        )
    return menu


def _pages(port: int, fixture: Fixture, rng: random.Random) -> Callable[[int, Recorder], None]:
    lock = threading.Lock()

    def choose(index: int) -> Page:
        with lock:
            r = rng.random()
            device = rng.choice(fixture.devices)
            p = fixture.prescribers[index % len(fixture.prescribers)]
            patient = rng.choice(p.patient_ids) if p.patient_ids else None
        menu = page_menu(fixture, p, device, patient)
        return menu[int(r * len(menu))]

    def visit(index: int, rec: Recorder) -> None:
        page = choose(index)
        t0 = time.perf_counter()
        try:
            code, raw = _request("GET", port, page.path, headers=page.headers)
        except (OSError, http.client.HTTPException) as exc:
            rec.error(page.name, repr(exc))
            return
        seconds = time.perf_counter() - t0
        if code != 200 or not page.marker(raw):
            rec.error(page.name, f"{code} {raw[:200]!r}")
            return
        rec.ok(page.name, seconds)
        rec.ok("all pages", seconds)

    return visit


# --- pgbench --------------------------------------------------------------------------


def _pgbench_url() -> dict[str, str]:
    db = connection.settings_dict
    return {
        "host": str(db.get("HOST") or "127.0.0.1"),
        "port": str(db.get("PORT") or 5432),
        "user": str(db.get("USER") or "postgres"),
    }


def pgbench_prepare(scale: int) -> str:
    """A pgbench database beside the application's, initialised at ``scale``."""
    if connection.vendor != "postgresql":
        raise LoadError("the HTTP benchmark runs on PostgreSQL (set DATABASE_URL)")
    name = f"{connection.settings_dict['NAME']}_pgbench"
    c = _pgbench_url()
    env = dict(os.environ, PGHOST=c["host"], PGPORT=c["port"], PGUSER=c["user"])
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", "-q", "-d", "postgres", "-c", sql], env=env, check=True)
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", str(scale), name],
        env=env,
        check=True,
        capture_output=True,
    )
    return name


def pgbench_drop(name: str) -> None:
    c = _pgbench_url()
    env = dict(os.environ, PGHOST=c["host"], PGPORT=c["port"], PGUSER=c["user"])
    sql = f'DROP DATABASE IF EXISTS "{name}"'
    subprocess.run(["psql", "-q", "-d", "postgres", "-c", sql], env=env, check=True)


def pgbench_run(name: str, clients: int, seconds: int) -> dict[str, float]:
    c = _pgbench_url()
    env = dict(os.environ, PGHOST=c["host"], PGPORT=c["port"], PGUSER=c["user"])
    out = subprocess.run(
        ["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds), name],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    latency = re.search(r"latency average = ([0-9.]+) ms", out)
    if tps is None:
        raise LoadError(f"could not read pgbench's output:\n{out}")
    return {
        "clients": clients,
        "tps": round(float(tps.group(1)), 1),
        "latency_avg_ms": float(latency.group(1)) if latency else -1.0,
    }


# --- The whole run --------------------------------------------------------------------


def run(
    *,
    workers: int | None = None,
    duration: float = 20.0,
    warmup: float = 3.0,
    levels: tuple[int, ...] = ORDER_LEVELS,
    page_users: int = PAGE_USERS,
    think_s: float = THINK_S,
    pgbench_scale: int = 10,
    stock: int | None = None,
    seed: int = 1,
    log_dir: Path | None = None,
) -> dict[str, Any]:
    """Everything side by side; returns the figures (JSON-ready)."""
    if connection.vendor != "postgresql":
        raise LoadError("the HTTP benchmark runs on PostgreSQL (set DATABASE_URL)")
    workers = workers or 2 * (os.cpu_count() or 1) + 1
    clients_max = max(max(levels), page_users)
    fixture = prepare(
        prescribers=clients_max,
        stock=stock if stock is not None else int(sum(levels) * duration * 15 + 500),
        seed=seed,
    )
    pgbench_db = pgbench_prepare(pgbench_scale)
    log_dir = log_dir or Path(tempfile.gettempdir())
    numbers = _Numbers(start=random.Random(time.time_ns()).randrange(10**7))
    result: dict[str, Any] = {
        "server": f"gunicorn, {workers} sync workers, 127.0.0.1, DEBUG off",
        "duration_s": duration,
        "warmup_s": warmup,
        "orders": [],
        "pgbench": [],
        "pgbench_scale": pgbench_scale,
    }
    connection.close()  # the server's workers and pgbench get the database to themselves
    with Server(workers, log_dir / "bench-gunicorn.log") as server:
        flow = _order_flow(server.port, fixture, numbers)
        for clients in levels:
            rec, elapsed = _run_clients(clients, duration, warmup, flow, server_pid=server.pid)
            completed = len(rec.latencies["order"])
            requests = sum(len(v) for k, v in rec.latencies.items() if k != "order")
            result["orders"].append(
                {
                    "clients": clients,
                    "seconds": round(elapsed, 2),
                    "orders_completed": completed,
                    "orders_per_s": round(completed / elapsed, 2),
                    "requests_per_s": round(requests / elapsed, 1),
                    "errors": dict(rec.errors),
                    "error_samples": rec.error_samples,
                    "order": _percentiles(rec.latencies["order"]),
                    "request": _percentiles(
                        [x for k, v in rec.latencies.items() if k != "order" for x in v]
                    ),
                    "steps": {k: _percentiles(v) for k, v in rec.latencies.items() if k != "order"},
                    "cpu": _cpu_per_request(rec.cpu, requests, elapsed),
                }
            )
            result["pgbench"].append(pgbench_run(pgbench_db, clients, int(duration)))
        # People at screens: each reads a page for a while (think time) before the next.
        pages = _pages(server.port, fixture, random.Random(seed))
        rec, elapsed = _run_clients(page_users, duration, warmup, pages, think_s=think_s)
        result["pages"] = {
            "users": page_users,
            "think_s": think_s,
            "seconds": round(elapsed, 2),
            "requests_per_s": round(len(rec.latencies["all pages"]) / elapsed, 1),
            "errors": dict(rec.errors),
            "error_samples": rec.error_samples,
            "all": _percentiles(rec.latencies["all pages"]),
            "per_page": {
                k: _percentiles(v) for k, v in sorted(rec.latencies.items()) if k != "all pages"
            },
        }
        # The same users clicking without pause: a stress figure, not a workload.
        pages = _pages(server.port, fixture, random.Random(seed))
        rec, elapsed = _run_clients(page_users, duration, warmup, pages, server_pid=server.pid)
        result["pages_no_think"] = {
            "users": page_users,
            "seconds": round(elapsed, 2),
            "requests_per_s": round(len(rec.latencies["all pages"]) / elapsed, 1),
            "errors": dict(rec.errors),
            "all": _percentiles(rec.latencies["all pages"]),
            "cpu": _cpu_per_request(rec.cpu, len(rec.latencies["all pages"]), elapsed),
        }
        # Cost per operation without queueing: one client, one user.
        pages = _pages(server.port, fixture, random.Random(seed))
        rec, elapsed = _run_clients(1, duration / 2, warmup / 2, pages)
        result["pages_single_user"] = _percentiles(rec.latencies["all pages"])
        result["pages_single_user"]["errors"] = sum(rec.errors.values())
    pgbench_drop(pgbench_db)
    _verdicts(result)
    return result


def _verdicts(result: dict[str, Any]) -> None:
    by_clients = {o["clients"]: o for o in result["orders"]}
    pg = {p["clients"]: p for p in result["pgbench"]}
    for clients, o in by_clients.items():
        o["pgbench_tps"] = pg[clients]["tps"]
        o["share_of_pgbench"] = round(o["orders_per_s"] / pg[clients]["tps"], 4)
    eight = by_clients.get(8)
    result["verdicts"] = {
        "orders_share_of_pgbench_at_least_10pct": all(
            o["share_of_pgbench"] >= PGBENCH_SHARE_LIMIT for o in by_clients.values()
        ),
        "request_p95_below_50ms_at_8": bool(
            eight and eight["request"].get("p95_ms", 1e9) < ORDER_P95_LIMIT_S * 1000
        ),
        "pages_p95_below_100ms_at_16": result["pages"]["all"].get("p95_ms", 1e9)
        < PAGE_P95_LIMIT_S * 1000,
        "no_errors": not any(o["errors"] for o in by_clients.values())
        and not result["pages"]["errors"]
        and not result["pages_no_think"]["errors"],
    }

"""What authentication and the order steps read on every request, kept in each server
process while the access generation says it is still true.

An API request reads its token with the user, person and employer, then the person's
memberships: about 1.6 ms of the server's CPU per request, spent in Django building
the same two queries again (docs/performance.md). This keeps the result per token in
the process and checks it against ``AccessGeneration`` with one small query instead:
triggers replace that value in the same transaction as any change to users, tokens,
people, principals, units or memberships (bulk writes and raw SQL included), so a
revoked token or an ended membership counts from the next request in every process.
The order steps keep their reference rows the same way (``row``, ``cached_under``):
products, guidance with its rules and codes, agreements and signatures, whose tables
the triggers watch too (decision 0010).
The value is read before the rows it guards: a change that commits between the two
leaves newer rows under the older value, which the next request reads again.

``ACCESS_CACHE_ENTRIES`` (default 10 000 entries per process, least recently used
dropped) sets the size; 0 turns the cache off. Entries are pickled, so no request can
change what the next one gets.
"""

from __future__ import annotations

import functools
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model

from registry.triggers import GENERATION_TABLE, WATCHED

M = TypeVar("M", bound=Model)

_entries: OrderedDict[str, tuple[int, bytes]] = OrderedDict()
_lock = threading.Lock()  # the development server answers in threads


def generation() -> int | None:
    """The current access generation; None where its row is missing (a test database
    emptied by TRUNCATE): then nothing is served from the cache."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {GENERATION_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def cached(key: str, load: Callable[[], Any]) -> Any:
    """``load()``'s result for ``key``, from this process's cache while the generation it
    was read under is current. A None result is not kept (an unknown token)."""
    if settings.ACCESS_CACHE_ENTRIES <= 0:
        return load()
    return cached_under(generation(), key, load)


def current_generation() -> int | None:
    """The generation to pass to ``cached_under`` for several look-ups in a row (one read
    for all of them); None when the cache is off or the row is missing."""
    if settings.ACCESS_CACHE_ENTRIES <= 0:
        return None
    return generation()


def cached_under(current: int | None, key: str, load: Callable[[], Any]) -> Any:
    """As ``cached``, under a generation the caller read (``current_generation``) before
    anything it guards, and without writing a watched table since: a row written after
    that read would change the generation behind it."""
    size: int = settings.ACCESS_CACHE_ENTRIES
    if size <= 0 or current is None:
        return load()
    with _lock:
        hit = _entries.get(key)
        if hit is not None and hit[0] == current:
            _entries.move_to_end(key)
            return pickle.loads(hit[1])  # noqa: S301 - written by this process
    value = load()
    if value is not None:
        _store(key, current, value, size)
    return value


def row(model: type[M], pk: int, *, current: int | None, related: tuple[str, ...] = ()) -> M:
    """Row ``pk`` of ``model``, with the ``related`` rows joined, kept under ``current``.
    Only for tables the triggers watch (``WATCHED``), the joined ones included: a row of
    any other table could change without a new generation."""
    _watched_check(model, related)
    key = f"row:{model._meta.label}:{pk}:{','.join(related)}"
    return cached_under(
        current, key, lambda: model._default_manager.select_related(*related).get(pk=pk)
    )


@functools.cache
def _watched_check(model: type[Model], related: tuple[str, ...]) -> None:
    for name in (model._meta.db_table, *(_related_table(model, path) for path in related)):
        if name not in WATCHED:
            raise ImproperlyConfigured(f"{name} is not watched by the access generation")


def _related_table(model: type[Model], path: str) -> str:
    for name in path.split("__"):
        remote = model._meta.get_field(name).related_model
        if not isinstance(remote, type):  # "self" or a lazy name: not a loaded model
            raise ImproperlyConfigured(f"{path} does not name a related model")
        model = remote
    return model._meta.db_table


def replace(key: str, value: Any) -> None:
    """Keep ``value`` for ``key`` under the generation its entry was read under (a token's
    "last used" stamp, which no trigger watches)."""
    with _lock:
        hit = _entries.get(key)
    if hit is not None:
        _store(key, hit[0], value, settings.ACCESS_CACHE_ENTRIES)


def clear() -> None:
    with _lock:
        _entries.clear()


def _store(key: str, current: int, value: Any, size: int) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        _entries[key] = (current, data)
        _entries.move_to_end(key)
        while len(_entries) > size:
            _entries.popitem(last=False)

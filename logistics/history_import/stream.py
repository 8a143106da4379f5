"""The chronological stream of an import: each row becomes a chain of steps, one per
date given, each calling the same action as live work with that date. The chains of all
rows are merged by (date, rank, row) and run as one stream, so a device freed by one row
can be taken by the next on the same day; a step the action refuses becomes a row error
and the rest of its row is left out. The plan counts how the rows relate to what was
imported before.
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from tqdm import tqdm

from core.errors import DomainError
from logistics.history_import.reading import _Errors

T = TypeVar("T")


# On one day, steps that free a device run before steps that take one, so a device
# received and reconditioned in the morning can go to the next order that afternoon.
# A row's own steps always run in their order, whatever their rank.
STEP_RANK = {
    "serial_number": 0,  # registering a device before its first use
    "cancelled_on": 1,
    "done_on": 1,
    "closed_on": 1,
    "received_on": 2,
    "reconditioning_started_on": 3,
    "reconditioned_on": 4,
    "trained_on": 5,
    "ordered_on": 6,
    "reported_on": 6,
    "opened_on": 6,
    "accepted_on": 7,
    "started_on": 7,
    "allocated_on": 8,
    "dispatched_on": 9,
    "delivered_on": 10,
    "pickup_requested_on": 11,
}
# The field an action names in its error, and the column of the file it comes from.
FIELD_COLUMNS = {
    "product": "article_number",
    "local_device_serial": "serial_number",
    "method": "return_method",
    **{
        f: f
        for f in (
            "personal_number",
            "criteria",
            "consultation_with",
            "delivery_method",
            "pickup_point",
            "serial_number",
            "kind",
            "delivered_on",
            "fault",
            "outcome",
            "subject",
            "description",
        )
    },
}
# Refusals about who prescribed, or about the unit's principal, whatever field they name.
CODE_COLUMNS = {
    "not_member_of_unit": "prescriber_hsa_id",
    "profession_not_permitted": "prescriber_hsa_id",
    "principal_not_signed": "unit",
    "agreement_not_in_force": "unit",
}


@dataclass(frozen=True)
class _Step:
    on: datetime.date
    column: str  # the step's date column: its rank, and where its errors are shown
    row: int
    run: Callable[[], object]
    unit_column: str = "unit_hsa_id"

    @property
    def key(self) -> tuple[datetime.date, int, int]:
        return (self.on, STEP_RANK[self.column], self.row)

    def error_column(self, exc: DomainError) -> str:
        column = CODE_COLUMNS.get(exc.code) or FIELD_COLUMNS.get(exc.field or "", "")
        return self.unit_column if column == "unit" else column or self.column


@dataclass
class _Plan:
    """What phase 1 found: the chains of steps to run, and how the rows count."""

    rows: int = 0
    chains: list[list[_Step]] = field(default_factory=list)
    created: int = 0
    advanced: int = 0
    unchanged: int = 0
    registrations: int = 0

    def add_row(self, steps: list[_Step], *, existing: bool) -> None:
        self.chains.append(steps)
        if not existing:
            self.created += 1
        elif steps:
            self.advanced += 1
        else:
            self.unchanged += 1


def _steps_run(chains: list[list[_Step]], errors: _Errors, *, progress: bool) -> None:
    """Run the steps of every chain merged by (date, rank, row); a step runs only after
    the step before it in its chain. A refused step becomes a row error and the rest of
    its row is left out (the caller then rolls everything back)."""
    queue = [(c[0].key, i, 0) for i, c in enumerate(chains) if c]
    heapq.heapify(queue)
    failed_rows: set[int] = set()
    total = sum(map(len, chains))
    with tqdm(total=total, disable=not progress, unit=_("step"), desc=_("Importing")) as bar:
        while queue and not errors.full:
            _key, chain, index = heapq.heappop(queue)
            step = chains[chain][index]
            bar.update(1)
            if step.row in failed_rows:
                continue
            try:
                step.run()
            except DomainError as exc:
                errors.add(step.row, step.error_column(exc), str(exc.message))
                failed_rows.add(step.row)
                continue
            if index + 1 < len(chains[chain]):
                heapq.heappush(queue, (chains[chain][index + 1].key, chain, index + 1))


def _present(value: T | None) -> T:
    if value is None:  # a row's steps run in order, and an earlier one set this
        raise RuntimeError("a step ran before the step it builds on")
    return value


def _steps(
    row: int,
    dates: Mapping[str, datetime.date],
    actions: Mapping[str, Callable[..., Any]],
    *args: Any,
    unit_column: str = "unit_hsa_id",
) -> list[_Step]:
    """One step per date, in the order of ``dates``; each calls its action with ``args``
    and the date."""
    return [_Step(d, c, row, partial(actions[c], *args, d), unit_column) for c, d in dates.items()]

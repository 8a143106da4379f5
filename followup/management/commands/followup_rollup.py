"""Count the follow-up's days and months ahead of its readers (decision 0011).

A reader counts any day it needs that is not counted yet, so this is never required; run
it after a large historical import, or nightly, so that the first reader of the morning
does not wait for the counting.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from followup import rollup
from followup.models import RollupDay


class Command(BaseCommand):
    help = "Count the follow-up's daily and monthly counts of every day that is over."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--recount",
            action="store_true",
            help="count every day again, not only the days that are stale or not yet counted",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["recount"]:
            with transaction.atomic():
                marked = RollupDay.objects.filter(valid=True).update(valid=False)
            self.stdout.write(f"{marked} days marked to be counted again")
        days, months, failed = rollup.rollup_all()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{days} days counted, {months} months summed in {seconds:.1f} s"
            + (f"; {len(failed)} days held by a writer, left for later" if failed else "")
        )

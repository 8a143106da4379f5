"""Play the simulated demo history (2023-09-01 to 2024-06-10) and print its figures."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bootstrap.history_simulation import (
    DEFAULT_SEED,
    END,
    START,
    demo_history_load,
)
from followup.selectors import FollowupFilter, followup_summary


class Command(BaseCommand):
    help = (
        "Load the simulated history of orders, deliveries, returns, reconditionings, "
        "repairs and support cases through the real actions (idempotent; needs the "
        "reference and demo data) and print the follow-up's key figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Seed of the random plan; the same seed gives the same history "
            f"(default {DEFAULT_SEED}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.monotonic()
        counts = demo_history_load(seed=options["seed"])
        seconds = time.monotonic() - began
        if not counts:
            self.stdout.write("Demo history already loaded: no changes.")
        else:
            done = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()) if v)
            self.stdout.write(
                f"Demo history loaded (seed {options['seed']}) in {seconds:.1f} s: {done}"
            )
        # The figures as the follow-up computes them from the events (docs/followup.md).
        f = followup_summary(FollowupFilter(start=START, end=END, at=END))
        by_product = ", ".join(f"{p.article_number} {p.delivered_total}" for p in f.per_product)
        share = f"{f.within_agreed_time_share:.1%}" if f.within_agreed_time_share else "–"
        median = f"{f.delivery_days_median:g}" if f.delivery_days_median is not None else "–"
        mean = f"{f.delivery_days_mean:.2f}" if f.delivery_days_mean is not None else "–"
        lines = [
            f"Follow-up {START} – {END} (the seed's report, June 2024, in brackets):",
            f"  delivered                {f.delivered_total} (2 135): {by_product}",
            f"  prescribed to patients   {f.delivered_to_patients} (1 597)",
            f"  at patients {END}   {f.at_patients} (1 287)",
            f"  deliveries counted       {f.deliveries_counted} (1 922), late "
            f"{f.deliveries_late} (208), within agreed time {share} (~89 %)",
            f"  delivery time            median {median} (4), mean {mean} (4.6) working days",
            f"  reconditionings          {f.reconditionings} (403)",
            f"  corrective maintenances  {f.corrective_maintenances} (25)",
            f"  support cases            {f.support_cases} (~20)",
            f"  ordering municipalities  {f.ordering_municipalities} (20), "
            f"regional units {f.ordering_regional_units} (8)",
        ]
        self.stdout.write("\n".join(lines))

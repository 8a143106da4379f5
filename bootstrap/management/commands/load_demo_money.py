"""Load the demo money: joint investment, rent runs of the demo history, joint economy."""

from typing import Any

from django.core.management.base import BaseCommand

from bootstrap.demo_money import demo_money_load


class Command(BaseCommand):
    help = (
        "Load the joint investment of 2022, issue the rent runs of the simulated history "
        "and book the joint economy's demo costs (idempotent; after load_demo_history)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = demo_money_load()
        done = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()) if v)
        self.stdout.write("Demo money loaded: " + (done or "no changes"))

"""Load the demo units, people and logins, and print the logins."""

from typing import Any

from django.core.management.base import BaseCommand

from bootstrap.demo_data import DEMO_PASSWORD, LOGINS, demo_data_load, demo_stock_load


class Command(BaseCommand):
    help = "Load demo units, people and logins (idempotent) and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = demo_data_load()
        counts.update(demo_stock_load())
        changed = {k: v for k, v in sorted(counts.items()) if v}
        self.stdout.write(
            "Demo data loaded: "
            + (", ".join(f"{k}={v}" for k, v in changed.items()) if changed else "no changes")
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in LOGINS:
            self.stdout.write(f"  {login.username:<18} {login.description}")

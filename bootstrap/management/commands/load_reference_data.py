"""Load (or re-check) the reference data: principals, agreements, ICF codes, products."""

from typing import Any

from django.core.management.base import BaseCommand

from catalog.reference_data import catalog_reference_load
from registry.reference_data import registry_reference_load


class Command(BaseCommand):
    help = "Load the reference data of the registry and the assortment (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = registry_reference_load()
        counts.update(catalog_reference_load())
        changed = {k: v for k, v in sorted(counts.items()) if v}
        self.stdout.write(
            "Reference data loaded: "
            + (", ".join(f"{k}={v}" for k, v in changed.items()) if changed else "no changes")
        )

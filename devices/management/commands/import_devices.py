"""Import an initial stock of devices from a CSV file (see devices/stock_import.py)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devices.stock_import import StockImportError, stock_import


class Command(BaseCommand):
    help = "Import devices from CSV: article_number,serial_number,acquired_on[,udi,gtin,unit]."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"No file {path}.")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            try:
                result = stock_import(handle, acting_user=None)
            except StockImportError as exc:
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(f"{len(exc.errors)} errors; nothing was imported.") from exc
        self.stdout.write(
            f"Imported {result.created} devices; {result.skipped} already registered."
        )

"""Import history (orders, maintenance or support cases) from CSV or Excel; the formats
and rules are in docs/import.md and logistics/history_import/."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from logistics.history_import import MAX_ERRORS, HistoryImportError, ImportKind, history_import


class Command(BaseCommand):
    help = (
        "Import orders with their whole life, maintenance or support cases, with their real "
        "past dates, from CSV or Excel (docs/import.md). All or nothing; rows imported "
        "before (by external_id) are only advanced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in ImportKind])
        parser.add_argument("path", type=Path, help="A .csv (UTF-8, ; or ,) or .xlsx file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and run every step, then roll back: report what would happen.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Orders only: stream the file and write with COPY, for large files "
            "(docs/import.md lists what it refuses).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        # The bar is drawn on standard error, and only for a person watching a terminal.
        progress = not options["no_progress"] and sys.stderr.isatty()
        try:
            result = history_import(
                options["kind"],
                path,
                dry_run=options["dry_run"],
                progress=progress,
                bulk=options["bulk"],
            )
        except HistoryImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            if exc.truncated:
                self.stderr.write(
                    _("Stopped after the first %(count)s errors.") % {"count": MAX_ERRORS}
                )
            raise CommandError(
                _("%(count)s errors; nothing was imported.") % {"count": len(exc.errors)}
            ) from exc
        self.stdout.write(
            _(
                "%(kind)s: %(rows)s rows; %(created)s created, %(advanced)s advanced, "
                "%(unchanged)s unchanged; %(devices)s devices registered; "
                "%(events)s events written."
            )
            % {
                "kind": result.kind,
                "rows": result.rows,
                "created": result.created,
                "advanced": result.advanced,
                "unchanged": result.unchanged,
                "devices": result.devices_registered,
                "events": result.events,
            }
        )
        if result.dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))

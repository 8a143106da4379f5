"""What every file import reports when it refuses a file: each wrong row with its row
number (as the user sees it: the header is row 1), the column and the reason."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImportRowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _("row %(row)s, column %(column)s: %(reason)s") % {
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
        }


class ImportRefused(Exception):
    """The file was refused; nothing was imported."""

    def __init__(self, errors: list[ImportRowError]) -> None:
        super().__init__("; ".join(map(str, errors[:10])))
        self.errors = errors

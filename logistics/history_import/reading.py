"""Reading a history file: an Excel workbook or a CSV file becomes a table of rows by
column name, the header row is checked against the kind's format, and each row's cells
are read as text, dates, choices and yes/no flags with every error collected (up to
MAX_ERRORS) rather than stopping at the first. A file that cannot be read at all is
refused with HistoryImportError before any row is looked at.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.imports import ImportRefused, ImportRowError

MAX_ERRORS = 100
Cell = str | bool | datetime.date | None


class HistoryImportError(ImportRefused):
    """The file was refused; nothing was imported."""

    def __init__(self, errors: list[ImportRowError]) -> None:
        super().__init__(errors)
        self.truncated = len(errors) >= MAX_ERRORS


class _Errors(list[ImportRowError]):
    @property
    def full(self) -> bool:
        return len(self) >= MAX_ERRORS

    def add(self, row: int, column: str, reason: str) -> None:
        if not self.full:
            self.append(ImportRowError(row, column, reason))


# --- Reading the file --------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, Cell]]]  # (row number, cells by column)


def _refused(reason: str, row: int = 1) -> HistoryImportError:
    return HistoryImportError([ImportRowError(row, "", reason)])


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, bool | datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps numbers as floats: 1480.0 is "1480"
    return str(value).strip()


def _columns(header: Any) -> list[str]:
    columns = [str(c).strip().lower() if c is not None else "" for c in header]
    if not any(columns):
        raise _refused(_("the file has no header row"))
    return columns


def _records(
    columns: list[str], records: Iterator[tuple[int, Any]]
) -> Iterator[tuple[int, dict[str, Cell]]]:
    """The non-empty rows as (row number, cells by column), one at a time."""
    for number, values in records:
        cells = [_cell(v) for v in values]
        if all(c in (None, "") for c in cells):
            continue
        if any(c not in (None, "") for c in cells[len(columns) :]):
            raise _refused(_("the row has more values than the header row"), number)
        yield number, {c: v for c, v in zip(columns, cells, strict=False) if c}


def _table(header: Any, records: Iterator[tuple[int, Any]]) -> _Table:
    columns = _columns(header)
    return _Table(columns, list(_records(columns, records)))


def _csv_read(path: Path) -> _Table:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise _refused(_("the file is not UTF-8 text")) from None
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _table(next(reader, []), enumerate(reader, start=2))


def _xlsx_read(path: Path) -> _Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise _refused(_("the file cannot be read as an Excel workbook")) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        return _table(next(rows, ()), enumerate(rows, start=2))
    finally:
        book.close()


def _table_read(path: Path) -> _Table:
    """Excel (.xlsx, first sheet) or CSV (UTF-8, ``;`` or ``,``); the first row names
    the columns."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_read(path)
    return _csv_read(path)


@contextmanager
def _stream_open(path: Path) -> Iterator[tuple[list[str], Iterator[tuple[int, dict[str, Cell]]]]]:
    """The same file as ``_table_read``, read one row at a time (the bulk import): the
    columns, and the non-empty rows. A file that is not UTF-8 is refused when the first
    undecodable line is reached."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
            raise _refused(_("the file cannot be read as an Excel workbook")) from None
        try:
            sheet_rows = book.worksheets[0].iter_rows(values_only=True)
            columns = _columns(next(sheet_rows, ()))
            yield columns, _records(columns, enumerate(sheet_rows, start=2))
        finally:
            book.close()
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            header_line = handle.readline()
            handle.seek(0)
            delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
            reader = csv.reader(handle, delimiter=delimiter)
            columns = _columns(next(reader, []))
        except UnicodeDecodeError:
            raise _refused(_("the file is not UTF-8 text")) from None

        def rows() -> Iterator[tuple[int, dict[str, Cell]]]:
            try:
                yield from _records(columns, enumerate(reader, start=2))
            except UnicodeDecodeError:
                raise _refused(_("the file is not UTF-8 text")) from None

        yield columns, rows()


def _columns_check(
    columns: list[str],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    one_of: tuple[str, ...],
) -> list[ImportRowError]:
    missing = _("the column is missing from the header row")
    errors = [ImportRowError(1, c, missing) for c in required if c not in columns]
    if one_of and not set(one_of) & set(columns):
        errors.append(ImportRowError(1, one_of[0], missing))
    known = {*required, *optional, *one_of}
    for index, column in enumerate(columns):
        if column and column not in known:
            errors.append(ImportRowError(1, column, _("unknown column (see docs/import.md)")))
        elif column and column in columns[:index]:
            errors.append(ImportRowError(1, column, _("the column occurs twice in the header row")))
    return errors


# --- Reading one row ---------------------------------------------------------------------

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE_WORDS = frozenset({"true", "ja", "yes", "1"})
FALSE_WORDS = frozenset({"false", "nej", "no", "0", ""})


class _Row:
    """One row's cells, read with every error collected as it is found."""

    # The day no date may be after: today, unless the caller fixed it for a whole file.
    today: datetime.date | None = None

    def __init__(self, number: int, cells: Mapping[str, Cell], errors: _Errors) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors
        self.failed = False
        self.unreadable_dates = False

    def error(self, column: str, reason: str) -> None:
        self.failed = True
        self.errors.add(self.number, column, reason)

    def text(self, column: str, *, required: bool = False, max_length: int = 0) -> str:
        value = self.cells.get(column)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, datetime.date):
            text = value.isoformat()
        else:
            text = (value or "").strip()
        if required and not text:
            self.error(column, _("a value is required"))
        elif max_length and len(text) > max_length:
            self.error(column, _("longer than %(max)s characters") % {"max": max_length})
        return text

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self.cells.get(column)
        if value in (None, ""):
            if required:
                self.error(column, _("a value is required"))
            return None
        day = None
        if isinstance(value, datetime.datetime):
            day = value.date()
        elif isinstance(value, datetime.date):
            day = value
        elif isinstance(value, str) and ISO_DATE.match(value):
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                day = None
        if day is None:
            self.error(column, _("not a date (YYYY-MM-DD)"))
        elif day > (self.today or timezone.localdate()):
            self.error(column, _("the date is in the future"))
            day = None
        self.unreadable_dates |= day is None
        return day

    def choice(self, column: str, choices: list[str], *, required: bool = False) -> str:
        value = self.text(column, required=required).lower()
        if value and value not in choices:
            self.error(column, _("not one of: %(choices)s") % {"choices": ", ".join(choices)})
        return value

    def flag(self, column: str) -> bool:
        if isinstance(value := self.cells.get(column), bool):
            return value
        word = self.text(column).lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            self.error(column, _("not yes or no (true/false, ja/nej, 1/0)"))
        return word in TRUE_WORDS

    def dates(
        self, columns: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, datetime.date]:
        """The step dates given, each on or after the step before it."""
        dates: dict[str, datetime.date] = {}
        for column in columns:
            day = self.date(column, required=column in required)
            if day is None:
                continue
            before = [(c, d) for c, d in dates.items() if d > day]
            if before:
                self.error(
                    column,
                    _("the date is before %(column)s (%(date)s)")
                    % {"column": before[-1][0], "date": before[-1][1].isoformat()},
                )
            dates[column] = day
        return dates

    def needs(self, column: str, given: bool, other: str, other_given: bool) -> None:
        """``column`` only together with ``other`` (not judged when a date was unreadable:
        its own error says enough)."""
        if given and not other_given and not self.unreadable_dates:
            self.error(column, _("only together with %(column)s") % {"column": other})


def _external_id(row: _Row, seen: set[str]) -> str:
    external_id = row.text("external_id", required=True, max_length=64)
    if external_id and external_id in seen:
        row.error("external_id", _("the external id occurs twice in the file"))
    seen.add(external_id)
    return external_id

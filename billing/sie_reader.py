"""A reader of SIE type 4 files, written from SIE-gruppen's specification (4B)
independently of the writer in ``billing.sie``: the tests read our export back with it.

What the specification says and this reader follows: the file is in code page 437
("#FORMAT PC8"); each line is a label (#NAME) and fields separated by spaces or tabs; a
field is a word or a string in quotation marks where \\" is a quotation mark; an object
list is written in braces { } and may be empty; a #VER's transactions follow in a block
between a line "{" and a line "}"; unknown labels are to be ignored.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

Field = str | list[str]


def tokenize(line: str) -> list[Field]:
    """Split one line into fields: words, quoted strings and {object lists}."""
    fields: list[Field] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch in " \t":
            i += 1
        elif ch == '"':
            i += 1
            buf = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(line[i])
                i += 1
            i += 1  # the closing quotation mark
            fields.append("".join(buf))
        elif ch == "{":
            close = line.index("}", i)
            fields.append(tokenize(line[i + 1 : close]))  # type: ignore[arg-type]
            i = close + 1
        else:
            start = i
            while i < n and line[i] not in " \t":
                i += 1
            fields.append(line[start:i])
    return fields


@dataclass
class SieTransaction:
    account: str
    objects: list[str]
    amount: Decimal


@dataclass
class SieVerification:
    series: str
    number: str
    date: datetime.date
    text: str
    transactions: list[SieTransaction] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return sum((t.amount for t in self.transactions), Decimal("0.00"))


@dataclass
class SieFile:
    labels: dict[str, list[list[Field]]] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    objects: dict[tuple[str, str], str] = field(default_factory=dict)
    verifications: list[SieVerification] = field(default_factory=list)

    def first(self, label: str) -> list[Field]:
        return self.labels[label][0]

    def account_totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for ver in self.verifications:
            for t in ver.transactions:
                totals[t.account] = totals.get(t.account, Decimal("0.00")) + t.amount
        return totals


class SieFormatError(ValueError):
    pass


def _date(text: str) -> datetime.date:
    return datetime.datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 - a plain date


def sie_read(data: bytes) -> SieFile:
    text = data.decode("cp437")
    sie = SieFile()
    current: SieVerification | None = None
    in_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "{":
            if current is None:
                raise SieFormatError(f"line {number}: a block without #VER")
            in_block = True
            continue
        if line == "}":
            if not in_block or current is None:
                raise SieFormatError(f"line {number}: an unmatched }}")
            sie.verifications.append(current)
            current, in_block = None, False
            continue
        if not line.startswith("#"):
            raise SieFormatError(f"line {number}: not a label")
        tokens = tokenize(line)
        label = str(tokens[0]).upper()
        rest = tokens[1:]
        if in_block:
            if label == "#TRANS" and current is not None:
                objects = rest[1] if isinstance(rest[1], list) else []
                current.transactions.append(
                    SieTransaction(str(rest[0]), [str(o) for o in objects], Decimal(str(rest[2])))
                )
            continue  # #RTRANS/#BTRANS and unknown labels inside a block are ignored
        sie.labels.setdefault(label, []).append(rest)
        if label == "#KONTO":
            sie.accounts[str(rest[0])] = str(rest[1])
        elif label == "#OBJEKT":
            sie.objects[(str(rest[0]), str(rest[1]))] = str(rest[2])
        elif label == "#VER":
            current = SieVerification(
                series=str(rest[0]),
                number=str(rest[1]),
                date=_date(str(rest[2])),
                text=str(rest[3]) if len(rest) > 3 else "",
            )
    if current is not None:
        raise SieFormatError("a #VER without its block")
    return sie

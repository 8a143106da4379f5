"""Server-side SVG charts for the follow-up dashboard and the printable report.

Each function returns one self-contained SVG 1.1 fragment (rect, line, polyline, path, text,
g, title, desc only), so the browser and WeasyPrint draw the same markup without scripts or
CSS. Layout is computed in viewBox units; every label is escaped before it is joined, which is
why the result may be marked safe. Values are counts or shares (0..1): negative, NaN and
infinite values are not expected and are drawn as 0. Numbers are written the Swedish way.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
TEXT = "#1a1a1a"
GRID = "#d0d0d0"
NBSP = "\u00a0"
FONT = 12  # viewBox units; no text is drawn smaller than 11
CHAR_W = 7.0  # rough advance of one character at FONT, for layout estimates only
ROTATED = 0.72  # share of a 45°-rotated label's length that its box takes along each axis
EMPTY_MESSAGE = "Inga värden för perioden."


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category (use 0 for a missing value)."""

    name: str
    values: list[float]


def format_number(value: float, decimals: int = 0) -> str:
    """Swedish number: no-break space (U+00A0) between thousands, comma before decimals."""
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):  # -0.04 rounds to "0", not "-0"
        text = text[1:]
    return text.replace(",", NBSP).replace(".", ",")


def format_percent(share: float, decimals: int = 1) -> str:
    """A share 0..1 as a Swedish percentage: 0.892 -> "89,2 %" (U+00A0 before the sign)."""
    return f"{format_number(share * 100, decimals)}{NBSP}%"


def _clean(value: float) -> float:
    value = float(value)
    return value if math.isfinite(value) and value > 0 else 0.0


def _n(value: float) -> str:
    """A coordinate for an attribute, at most two decimals."""
    return f"{round(value, 2) + 0.0:g}"


def _value_text(value: float, *, percent: bool, unit: str = "") -> str:
    if percent:  # "90 %" rather than "90,0 %" when the share is a whole percentage
        return format_percent(value, 0 if round(value * 100, 1) % 1 == 0 else 1)
    text = format_number(value, 0 if value == int(value) else 1)
    return f"{text}{NBSP}{unit}" if unit else text


def _decimals(step: float) -> int:
    return next((d for d in range(4) if abs(round(step, d) - step) < 1e-9), 4)


def _axis(top_value: float, *, percent: bool, integers: bool) -> tuple[float, float]:
    """A "nice" axis maximum and step giving 3–5 intervals, i.e. 4–6 gridlines with zero."""
    if percent and top_value <= 1 + 1e-9:
        return 1.0, 0.2
    magnitude = 10.0 ** math.floor(math.log10(top_value / 5))
    step = 10 * magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        candidate = multiple * magnitude
        if integers and candidate % 1:  # counts get whole-number ticks only
            continue
        if candidate * 5 >= top_value * (1 - 1e-9):
            step = candidate
            break
    return step * math.ceil(top_value / step - 1e-9), step


def _chart_id(kind: str, title: str, payload: object) -> str:
    """Unique per chart on a page: a slug of the title plus a short hash of the data."""
    digest = hashlib.sha256(repr((kind, title, payload)).encode()).hexdigest()[:8]
    return f"chart-{slugify(title)[:40].strip('-') or 'x'}-{digest}"


def _text(x: float, y: float, label: str, *, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{FONT}"{extra}>'
        f"{escape(label)}</text>"
    )


def _hline(x1: float, x2: float, y: float, stroke: str, extra: str = "") -> str:
    return f'<line x1="{_n(x1)}" x2="{_n(x2)}" y1="{_n(y)}" y2="{_n(y)}" stroke="{stroke}"{extra}/>'


def _rect(x: float, y: float, w: float, h: float, fill: str, tooltip: str = "") -> str:
    head = f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"'
    return f"{head}><title>{escape(tooltip)}</title></rect>" if tooltip else f"{head}/>"


def _svg(chart_id: str, title: str, desc: str, width: int, height: float, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {_n(height)}" width="100%" font-family="sans-serif" '
        f'font-size="{FONT}" fill="{TEXT}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{"".join(body)}</svg>'
    )


def _safe(markup: str) -> SafeString:
    return mark_safe(markup)  # noqa: S308 - every label and text in it went through escape()


def _empty(chart_id: str, title: str, message: str, width: int, height: float) -> SafeString:
    body = [_text(width / 2, height / 2 + FONT / 3, message, anchor="middle")]
    return _safe(_svg(chart_id, title, message, width, height, body))


def _legend(labels: Sequence[str], *, top: float, width: int) -> tuple[list[str], float]:
    """Coloured squares with labels, wrapped into rows; returns the parts and height used."""
    parts, x, y = ['<g class="legend">'], 4.0, top
    for index, label in enumerate(labels):
        item = 18 + CHAR_W * len(label) + 16
        if x > 4 and x + item > width - 4:
            x, y = 4.0, y + 22
        parts.append(_rect(x, y, 12, 12, PALETTE[index % len(PALETTE)]))
        parts.append(_text(x + 18, y + 11, label))
        x += item
    parts.append("</g>")
    return parts, y + 22 - top


@dataclass(frozen=True)
class _Frame:
    """The plot area in viewBox units and the value at its top edge."""

    left: float
    top: float
    right: float
    bottom: float
    axis_max: float
    slot: float  # width given to one category

    def y(self, value: float) -> float:
        return self.bottom - value / self.axis_max * (self.bottom - self.top)


def _plot(
    categories: list[str],
    series: list[Series],
    values: list[list[float]],
    top_value: float,
    width: int,
    height: int,
    percent: bool,
    unit: str,
) -> tuple[_Frame, list[str]]:
    """Legend, unit caption, gridlines with tick labels and category labels."""
    integers = not percent and all(v == int(v) for row in values for v in row)
    axis_max, step = _axis(top_value, percent=percent, integers=integers)
    ticks = [i * step for i in range(round(axis_max / step) + 1)]
    decimals = _decimals(step * 100 if percent else step)
    tick_labels = [
        format_percent(t, decimals) if percent else format_number(t, decimals) for t in ticks
    ]
    parts: list[str] = []
    top = 4.0
    if len(series) > 1:
        legend, used = _legend([one.name for one in series], top=top, width=width)
        parts += legend
        top += used
    if unit and not percent:
        parts.append(_text(4, top + FONT, unit))
        top += 18
    top += 8  # room for the upper half of the top tick label
    left = 12 + CHAR_W * max(len(label) for label in tick_labels)
    slot = (width - left - 12) / len(categories)
    longest = max(len(c) for c in categories)
    rotate = CHAR_W * longest > slot - 4
    labels = list(categories)
    if rotate:  # crowded: turn labels 45°, shorten long ones and thin out if still too tight
        max_chars = max(4, int(height * 0.3 / (CHAR_W * ROTATED)))
        labels = [c if len(c) <= max_chars else c[: max_chars - 1] + "…" for c in categories]
        reach = CHAR_W * ROTATED * max(len(c) for c in labels)
        left = max(left, reach - 8)
        slot = (width - left - 12) / len(categories)
        bottom = height - (reach + 20)
    else:
        bottom = height - 24.0
    every = max(1, math.ceil(18 / slot)) if rotate else 1
    frame = _Frame(left, top, width - 12.0, bottom, axis_max, slot)
    parts.append('<g class="y-axis">')
    for tick, label in zip(ticks, tick_labels, strict=True):
        y = frame.y(tick)
        parts.append(_hline(left, frame.right, y, TEXT if tick == 0 else GRID))
        parts.append(_text(left - 6, y + 4, label, anchor="end"))
    parts.append('</g><g class="x-axis">')
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = left + (index + 0.5) * slot
        if rotate:
            y = bottom + 14
            turn = f' transform="rotate(-45 {_n(x + 4)} {_n(y)})"'
            parts.append(_text(x + 4, y, label, anchor="end", extra=turn))
        else:
            parts.append(_text(x, bottom + 17, label, anchor="middle"))
    parts.append("</g>")
    return frame, parts


def _checked(categories: list[str], series: list[Series]) -> list[list[float]]:
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"{len(one.values)} values for {len(categories)} categories")
    return [[_clean(v) for v in one.values] for one in series]


def _summary(
    categories: list[str],
    series: list[Series],
    values: list[list[float]],
    *,
    percent: bool,
    unit: str,
    latest: bool,
) -> list[str]:
    """Sentences for <desc>: each series' highest (and for lines, latest) value."""

    def at(index: int, row: list[float]) -> dict[str, str]:
        value = _value_text(row[index], percent=percent, unit=unit)
        return {"category": categories[index], "value": value}

    sentences = []
    for one, row in zip(series, values, strict=True):
        peak = max(range(len(row)), key=row.__getitem__)
        text = _("Highest value: %(category)s with %(value)s.") % at(peak, row)
        if latest:
            text += " " + _("Latest value: %(category)s with %(value)s.") % at(len(row) - 1, row)
        sentences.append(f"{one.name}: {text}" if len(series) > 1 else text)
    return sentences


def bar_chart(
    *,
    title: str,
    categories: list[str],
    series: list[Series],
    stacked: bool = False,
    unit: str = "",
    width: int = 640,
    height: int = 280,
    percent: bool = False,
    reference: float | None = None,
    reference_label: str = "",
    empty_message: str = EMPTY_MESSAGE,
) -> SafeString:
    """Vertical bars per category: grouped side by side, or stacked when ``stacked``.

    ``percent``: values are shares 0..1 and the axis runs 0–100 % (``unit`` is then unused).
    ``reference`` draws a dashed line labelled "<reference_label>: <value>" (e.g. "Mål: 90 %").
    """
    values = _checked(categories, series)
    chart_id = _chart_id("bar", title, (categories, values, stacked, reference))
    columns = list(zip(*values, strict=True)) if values else []
    data_top = max((sum(c) if stacked else max(c) for c in columns), default=0.0)
    if data_top <= 0:
        return _empty(chart_id, title, empty_message, width, height)
    ref = None if reference is None else _clean(reference)
    frame, parts = _plot(
        categories, series, values, max(data_top, ref or 0), width, height, percent, unit
    )
    group = frame.slot * 0.7
    each = group if stacked else group / len(series)
    gap = 1.0 if not stacked and len(series) > 1 else 0.0
    parts.append('<g class="bars">')
    for i, category in enumerate(categories):
        x0 = frame.left + i * frame.slot + (frame.slot - group) / 2
        base = 0.0
        for j, one in enumerate(series):
            value = values[j][i]
            low = base if stacked else 0.0
            x = x0 if stacked else x0 + j * each
            y_top, y_low = frame.y(low + value), frame.y(low)
            tooltip = f"{category} – {one.name}: {_value_text(value, percent=percent, unit=unit)}"
            parts.append(_rect(x, y_top, each - gap, y_low - y_top, PALETTE[j % 8], tooltip))
            base += value
    parts.append("</g>")
    sentences = _summary(categories, series, values, percent=percent, unit=unit, latest=False)
    if ref is not None:
        y = frame.y(ref)
        ref_text = _value_text(ref, percent=percent, unit=unit)
        label = f"{reference_label}: {ref_text}" if reference_label else ref_text
        label_w = CHAR_W * len(label) + 8
        parts += [
            '<g class="reference">',
            _hline(frame.left, frame.right, y, TEXT, ' stroke-width="1.5" stroke-dasharray="6 4"'),
            f'<rect x="{_n(frame.right - label_w)}" y="{_n(y - 17)}" width="{_n(label_w)}" '
            f'height="15" fill="#ffffff" fill-opacity="0.85"/>',
            _text(frame.right - 4, y - 5, label, anchor="end"),
            "</g>",
        ]
        sentences.append(label + ".")
    return _safe(_svg(chart_id, title, " ".join(sentences), width, height, parts))


def line_chart(
    *,
    title: str,
    categories: list[str],
    series: list[Series],
    unit: str = "",
    width: int = 640,
    height: int = 280,
    percent: bool = False,
    empty_message: str = EMPTY_MESSAGE,
) -> SafeString:
    """One line per series with a marker at each category (e.g. cumulative counts)."""
    values = _checked(categories, series)
    chart_id = _chart_id("line", title, (categories, values))
    data_top = max((max(row) for row in values if row), default=0.0)
    if data_top <= 0:
        return _empty(chart_id, title, empty_message, width, height)
    frame, parts = _plot(categories, series, values, data_top, width, height, percent, unit)
    parts.append('<g class="lines">')
    for j, one in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        points = [
            (frame.left + (i + 0.5) * frame.slot, frame.y(v)) for i, v in enumerate(values[j])
        ]
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for category, value, (x, y) in zip(categories, values[j], points, strict=True):
            tooltip = f"{category} – {one.name}: {_value_text(value, percent=percent, unit=unit)}"
            parts.append(
                f'<path d="M{_n(x - 4)},{_n(y)} a4,4 0 1,0 8,0 a4,4 0 1,0 -8,0" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1"><title>{escape(tooltip)}</title></path>'
            )
    parts.append("</g>")
    sentences = _summary(categories, series, values, percent=percent, unit=unit, latest=True)
    return _safe(_svg(chart_id, title, " ".join(sentences), width, height, parts))


def share_chart(
    *,
    title: str,
    parts: list[tuple[str, float]],
    width: int = 640,
    empty_message: str = EMPTY_MESSAGE,
) -> SafeString:
    """One horizontal 100 % bar split into parts, with a legend giving count and percentage."""
    counts = [(label, _clean(count)) for label, count in parts]
    total = sum(count for _label, count in counts)
    chart_id = _chart_id("share", title, counts)
    if total <= 0:
        return _empty(chart_id, title, empty_message, width, 48)
    texts = [
        f"{label}: {_value_text(count, percent=False)} ({format_percent(count / total)})"
        for label, count in counts
    ]
    body, x, span = ['<g class="bars">'], 4.0, width - 8.0
    for index, ((_label, count), text) in enumerate(zip(counts, texts, strict=True)):
        body.append(_rect(x, 4, span * count / total, 32, PALETTE[index % 8], text))
        x += span * count / total
    body.append("</g>")
    legend, used = _legend(texts, top=48, width=width)
    return _safe(_svg(chart_id, title, "; ".join(texts) + ".", width, 48 + used + 4, body + legend))

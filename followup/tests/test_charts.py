"""The SVG charts: well-formed, proportional, accessible and Swedish in their numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from followup.charts import (
    PALETTE,
    Series,
    bar_chart,
    format_number,
    format_percent,
    line_chart,
    share_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
NS = {"s": "http://www.w3.org/2000/svg"}
ALLOWED = {"svg", "rect", "line", "polyline", "path", "text", "g", "title", "desc"}
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 13)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall("./s:g[@class='bars']/s:rect", NS)


def num(element: ET.Element, name: str) -> float:
    return float(element.attrib[name])


def axis_labels(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.findall("./s:g[@class='y-axis']/s:text", NS)]


def test_format_number_is_swedish() -> None:
    assert format_number(1287) == "1\u00a0287"
    assert format_number(4.6, 1) == "4,6"
    assert format_number(0) == "0"
    assert format_number(1234567.891, 2) == "1\u00a0234\u00a0567,89"
    assert format_number(-0.04, 1) == "0,0"


def test_format_percent_is_swedish() -> None:
    assert format_percent(0.892) == "89,2\u00a0%"
    assert format_percent(1, 0) == "100\u00a0%"
    assert format_percent(0.0) == "0,0\u00a0%"


def test_bar_heights_are_proportional_to_values() -> None:
    root = parse(
        bar_chart(title="Ordrar", categories=["A", "B"], series=[Series("Ordrar", [10, 20])])
    )
    first, second = bars(root)
    assert num(second, "height") == pytest.approx(2 * num(first, "height"), abs=0.02)
    # Both stand on the same baseline.
    assert num(first, "y") + num(first, "height") == pytest.approx(
        num(second, "y") + num(second, "height"), abs=0.02
    )


def test_stacked_bars_sum_and_stack() -> None:
    series = [Series("Region", [10, 5]), Series("Kommun", [20, 15])]
    root = parse(bar_chart(title="Leveranser", categories=["A", "B"], series=series, stacked=True))
    region_a, kommun_a, region_b, kommun_b = bars(root)  # category by category
    # Segments of one category share x, and the second starts where the first ends.
    assert num(region_a, "x") == num(kommun_a, "x")
    assert num(kommun_a, "y") + num(kommun_a, "height") == pytest.approx(
        num(region_a, "y"), abs=0.02
    )
    total_a = num(region_a, "height") + num(kommun_a, "height")
    total_b = num(region_b, "height") + num(kommun_b, "height")
    assert total_a / total_b == pytest.approx(30 / 20, rel=1e-3)
    assert num(kommun_a, "height") == pytest.approx(2 * num(region_a, "height"), abs=0.02)


def test_grouped_bars_stand_side_by_side() -> None:
    series = [Series("Region", [10, 5]), Series("Kommun", [20, 15])]
    root = parse(bar_chart(title="Leveranser", categories=["A", "B"], series=series))
    region_a, kommun_a, region_b, _kommun_b = bars(root)
    assert num(kommun_a, "x") >= num(region_a, "x") + num(region_a, "width")
    assert num(region_b, "x") > num(kommun_a, "x") + num(kommun_a, "width")
    assert num(region_a, "width") == num(kommun_a, "width")
    assert region_a.attrib["fill"] == PALETTE[0]
    assert kommun_a.attrib["fill"] == PALETTE[1]


def test_percent_axis_ends_at_100_percent_with_reference_line() -> None:
    svg = bar_chart(
        title="Andel inom 7 vardagar",
        categories=["Q1", "Q2"],
        series=[Series("Andel", [0.8, 0.95])],
        percent=True,
        reference=0.9,
        reference_label="Mål",
    )
    root = parse(svg)
    labels = axis_labels(root)
    assert labels[0] == "0\u00a0%"
    assert labels[-1] == "100\u00a0%"
    assert 4 <= len(labels) <= 6
    line = root.find("./s:g[@class='reference']/s:line", NS)
    assert line is not None
    assert "stroke-dasharray" in line.attrib
    assert [t.text for t in root.findall("./s:g[@class='reference']/s:text", NS)] == [
        "Mål: 90\u00a0%"
    ]
    # The line sits at 90 % of the axis height above the zero gridline.
    grid = root.findall("./s:g[@class='y-axis']/s:line", NS)
    zero, hundred = num(grid[0], "y1"), num(grid[-1], "y1")
    assert num(line, "y1") == pytest.approx(zero - 0.9 * (zero - hundred), abs=0.02)


@pytest.mark.parametrize("peak", [1, 3, 7, 10, 11, 99, 312, 1287, 0.37, 45.5])
def test_y_axis_is_nice_with_four_to_six_gridlines(peak: float) -> None:
    root = parse(bar_chart(title="T", categories=["A"], series=[Series("S", [peak])]))
    gridlines = root.findall("./s:g[@class='y-axis']/s:line", NS)
    # Small counts keep whole-number ticks (0, 1, 2) rather than reach four gridlines.
    assert 4 <= len(gridlines) <= 6 or (peak < 3 and len(gridlines) == peak + 1)
    top_bar = bars(root)[0]
    assert num(top_bar, "y") >= num(gridlines[-1], "y1") - 0.01  # the axis covers the data


def test_axis_labels_use_swedish_thousands() -> None:
    root = parse(bar_chart(title="T", categories=["A"], series=[Series("S", [1287])]))
    assert axis_labels(root)[-1] == "1\u00a0500"


def test_legend_only_for_several_series() -> None:
    two = parse(
        bar_chart(
            title="T", categories=["A"], series=[Series("Region", [1]), Series("Kommun", [2])]
        )
    )
    assert [t.text for t in two.findall("./s:g[@class='legend']/s:text", NS)] == [
        "Region",
        "Kommun",
    ]
    squares = two.findall("./s:g[@class='legend']/s:rect", NS)
    assert [s.attrib["fill"] for s in squares] == list(PALETTE[:2])
    one = parse(bar_chart(title="T", categories=["A"], series=[Series("Region", [1])]))
    assert one.find("./s:g[@class='legend']", NS) is None


def test_labels_are_escaped() -> None:
    svg = bar_chart(title="<b>&", categories=["<b>&"], series=[Series("<b>&", [3])])
    assert "<b>" not in svg
    assert "&lt;b&gt;&amp;" in svg
    root = parse(svg)
    tooltip = bars(root)[0].find("s:title", NS)
    assert tooltip is not None
    assert tooltip.text == "<b>& – <b>&: 3"
    assert root.find("s:title", NS) is not None


def test_ids_are_unique_per_chart_and_labels_point_at_them() -> None:
    first = parse(bar_chart(title="Ordrar", categories=["A"], series=[Series("S", [1])]))
    second = parse(bar_chart(title="Ordrar", categories=["A"], series=[Series("S", [2])]))
    ids = []
    for root in (first, second):
        title, desc = root.find("s:title", NS), root.find("s:desc", NS)
        assert title is not None and desc is not None
        assert root.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"
        assert root.attrib["role"] == "img"
        assert root.attrib["width"] == "100%"
        ids.append(title.attrib["id"])
    assert ids[0] != ids[1]
    assert ids[0].startswith("chart-ordrar-")


def test_desc_summarises_the_data() -> None:
    with translation.override("en"):
        root = parse(
            bar_chart(title="T", categories=MONTHS[:6], series=[Series("S", [5, 312, 9, 0, 1, 2])])
        )
    desc = root.find("s:desc", NS)
    assert desc is not None
    assert desc.text == "Highest value: 2024-02 with 312."


def test_empty_data_says_so() -> None:
    for svg in (
        bar_chart(title="T", categories=[], series=[]),
        bar_chart(title="T", categories=["A", "B"], series=[Series("S", [0, 0])]),
        line_chart(title="T", categories=["A"], series=[Series("S", [0])], empty_message="Inget"),
        share_chart(title="T", parts=[("inom", 0), ("utanför", 0)]),
    ):
        root = parse(svg)
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert texts in (["Inga värden för perioden."], ["Inget"])
        assert not bars(root)


def test_negative_values_are_drawn_as_zero() -> None:
    root = parse(bar_chart(title="T", categories=["A", "B"], series=[Series("S", [-5, 10])]))
    assert num(bars(root)[0], "height") == 0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        bar_chart(title="T", categories=["A", "B", "C"], series=[Series("S", [1, 2])])


def test_crowded_categories_are_rotated_and_few_are_not() -> None:
    crowded = parse(bar_chart(title="T", categories=MONTHS, series=[Series("S", list(range(24)))]))
    rotated = [t for t in crowded.iter(f"{SVG}text") if "transform" in t.attrib]
    assert rotated and all("rotate(-45" in t.attrib["transform"] for t in rotated)
    few = parse(bar_chart(title="T", categories=["Q1", "Q2"], series=[Series("S", [1, 2])]))
    assert not [t for t in few.iter(f"{SVG}text") if "transform" in t.attrib]


def test_line_chart_has_a_polyline_and_a_marker_per_point() -> None:
    series = [Series("Levererade", [1, 5, 9]), Series("Hos patient", [1, 3, 4])]
    root = parse(line_chart(title="Kumulativt", categories=["jan", "feb", "mar"], series=series))
    lines = root.findall("./s:g[@class='lines']/s:polyline", NS)
    assert len(lines) == 2
    points = [tuple(map(float, p.split(","))) for p in lines[0].attrib["points"].split()]
    assert len(points) == 3
    assert points[0][1] > points[1][1] > points[2][1]  # rising values go up the page
    markers = root.findall("./s:g[@class='lines']/s:path", NS)
    assert len(markers) == 6
    assert [m.findtext("s:title", namespaces=NS) for m in markers[:1]] == ["jan – Levererade: 1"]


def test_share_chart_splits_one_bar_with_counts_and_percentages() -> None:
    svg = share_chart(title="Leveranstid", parts=[("inom 7 vardagar", 412), ("utanför", 50)])
    root = parse(svg)
    inside, outside = bars(root)
    assert num(inside, "width") / num(outside, "width") == pytest.approx(412 / 50, rel=1e-3)
    assert num(outside, "x") == pytest.approx(num(inside, "x") + num(inside, "width"), abs=0.02)
    legend = [t.text for t in root.findall("./s:g[@class='legend']/s:text", NS)]
    assert legend == ["inom 7 vardagar: 412 (89,2\u00a0%)", "utanför: 50 (10,8\u00a0%)"]


def test_only_plain_svg_elements_and_readable_text() -> None:
    charts = [
        bar_chart(
            title="T",
            categories=MONTHS,
            series=[Series("A", list(range(24))), Series("B", list(range(24)))],
            stacked=True,
            unit="st",
            reference=20,
            reference_label="Mål",
        ),
        line_chart(
            title="T", categories=MONTHS, series=[Series("A", list(range(24)))], percent=True
        ),
        share_chart(title="T", parts=[("a", 1), ("b", 2)]),
    ]
    for svg in charts:
        for element in parse(svg).iter():
            assert element.tag.removeprefix(SVG) in ALLOWED
            if element.tag == f"{SVG}text":
                assert float(element.attrib["font-size"]) >= 11
